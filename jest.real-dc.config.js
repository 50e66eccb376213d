// The real-DC tier (issue 11): its own config, NOT part of `npm test`. `npm run test:real-dc` (root).
const { projects } = require('./jest.config');
const unit = projects.find((p) => p.displayName === 'unit');
module.exports = {
  ...unit,
  displayName: 'real-dc',
  testMatch: ['<rootDir>/test/real-dc/**/*.spec.ts'],
  maxWorkers: 1,
};
