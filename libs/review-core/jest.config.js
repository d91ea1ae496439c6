module.exports = {
  displayName: 'review-core',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
