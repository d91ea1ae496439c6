module.exports = {
  displayName: 'fanout',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
