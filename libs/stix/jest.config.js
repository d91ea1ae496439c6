module.exports = {
  displayName: 'stix',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
