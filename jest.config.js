/** Jest: TypeScript through ts-jest in transpile-only mode (type checking is `npm run typecheck`); tsconfig sets isolatedModules, so ts-jest transpiles file by file. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Suites that read ../shared/corpus run in `.ci/run` through jest.corpus.config.js, never in `npm test`.
  testPathIgnorePatterns: ['/node_modules/', '\\.corpus\\.test\\.ts$'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
  },
  // Builds the CLI bundle when the sources changed (tests run bin/trailalerts.js as a process).
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  testTimeout: 60000,
  maxWorkers: 2,
};
