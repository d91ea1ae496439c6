module.exports = {
  displayName: 'deid-eval',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
