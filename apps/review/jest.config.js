module.exports = {
  displayName: 'review',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
