// The browser tier (issue 12): the web console in Debian's Chromium against the built API + worker
// + fake DC. Not part of `npm test` (it needs /usr/bin/chromium); `npm run test:browser` runs it and
// .ci/run installs Chromium first. Same transform and global setup as the e2e tier.
const { projects } = require('./jest.config.js');

const e2e = projects.find((p) => p.displayName === 'e2e');

module.exports = { ...e2e, displayName: 'browser', testMatch: ['<rootDir>/test/web-e2e/**/*.spec.ts'] };
