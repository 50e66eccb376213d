// One config, four tiers (CONVENTIONS.md habit 9). `npm test` runs them all; each tier can run alone
// with `--selectProjects`.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true, dynamicImport: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      target: 'es2022',
      keepClassNames: true,
    },
    // keep `await import('execa')` a real dynamic import (execa 9 is ESM-only)
    module: { type: 'commonjs', ignoreDynamic: true },
    swcrc: false,
  },
];
const moduleNameMapper = {
  '^@app/(provisioning|csv-merge|redis-streams)$': '<rootDir>/libs/$1/src',
  '^@app/(provisioning|csv-merge|redis-streams)/(.*)$': '<rootDir>/libs/$1/src/$2',
};
const base = { transform: { '^.+\\.ts$': swc }, moduleNameMapper, testEnvironment: 'node', rootDir: __dirname };

module.exports = {
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/apps/**/*.spec.ts', '<rootDir>/libs/**/*.spec.ts'] },
    {
      ...base,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.spec.ts'],
      globalSetup: '<rootDir>/test/setup/global-setup.js',
    },
    {
      // hostile requests against every route of the real app (issue 10); seeded and time-bounded
      ...base,
      displayName: 'fuzz',
      testMatch: ['<rootDir>/test/fuzz/**/*.spec.ts'],
      globalSetup: '<rootDir>/test/setup/global-setup.js',
    },
    {
      ...base,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.spec.ts'],
      globalSetup: '<rootDir>/test/setup/global-setup.js',
    },
  ],
};
