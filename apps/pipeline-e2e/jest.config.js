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
  // A kafkajs test reader whose topic was deleted or refused under it keeps restarting itself after the
  // suite stopped it (kafkajs 2.2.4 schedules the restart before disconnect can cancel it); once every
  // test has reported, nothing it does can change a result, so the run ends instead of hanging.
  forceExit: true,
  // The fault suite (npm run test:faults) has its own config: ten minutes of injected failures.
  testPathIgnorePatterns: ['/node_modules/', '/src/faults/'],
};
