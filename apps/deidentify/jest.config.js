module.exports = {
  displayName: 'deidentify',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
