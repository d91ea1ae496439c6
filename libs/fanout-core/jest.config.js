module.exports = {
  displayName: 'fanout-core',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
