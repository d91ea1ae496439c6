// The fault suite (`npm run test:faults`): each scenario streams known alerts through the four stage
// processes, injects one fault mid-stream, waits for recovery by outcome and reconciles. Same broker and
// database set-up as the integration tests; its own base port keeps it off their broker (below the kernel's
// ephemeral ports, see libs/testing's ports.ts: 37092 once found an outgoing connection on it in CI).
process.env.KYOYU_IT_BASE_PORT = process.env.KYOYU_IT_BASE_PORT ?? '28092';

module.exports = {
  displayName: 'pipeline-faults',
  preset: '../../jest.preset.js',
  rootDir: '.',
  testMatch: ['<rootDir>/src/faults/**/*.fault.test.ts'],
  globalSetup: './global-setup.mjs',
  globalTeardown: './global-teardown.mjs',
  testTimeout: 600_000,
  maxWorkers: 1,
};
