module.exports = {
  displayName: 'ingestion-core',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
