/**
 * Jest: TypeScript through ts-jest in transpile-only mode (type checking is `npm run typecheck`);
 * tsconfig sets isolatedModules, so ts-jest transpiles file by file. Two projects: `unit` (behaviour)
 * and `perf` (guards that read the analyzer's internals or compare it with a reference); both run in
 * `npm test`, `npx jest --selectProjects perf` runs one.
 */
const project = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
  },
};

// Suites that read ../shared/corpus run in `.ci/run` through jest.corpus.config.js, never in `npm test`.
const CORPUS = '\\.corpus\\.test\\.ts$';

module.exports = {
  projects: [
    {
      ...project,
      displayName: 'unit',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', CORPUS, '<rootDir>/test/perf/'],
    },
    {
      ...project,
      displayName: 'perf',
      roots: ['<rootDir>/test/perf'],
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', CORPUS],
    },
  ],
  // Builds the CLI bundle when the sources changed (tests run bin/trailalerts.js as a process).
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  testTimeout: 60000,
  maxWorkers: 2,
};
