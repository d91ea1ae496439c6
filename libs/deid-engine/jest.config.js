module.exports = {
  displayName: 'deid-engine',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
