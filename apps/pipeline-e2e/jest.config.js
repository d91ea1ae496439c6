// Integration tests: a real Kafka-protocol broker on loopback and a real PostgreSQL, the four stages as
// separate processes built in dist/. One broker and database for the run, so tests run serially.
module.exports = {
  displayName: 'pipeline-e2e',
  preset: '../../jest.preset.js',
  rootDir: '.',
  globalSetup: './global-setup.mjs',
  globalTeardown: './global-teardown.mjs',
  testTimeout: 120_000,
  maxWorkers: 1,
  // The fault suite (npm run test:faults) has its own config: ten minutes of injected failures.
  testPathIgnorePatterns: ['/node_modules/', '/src/faults/'],
};
