/** Jest for the suites that check the project against ../shared/corpus (run by .ci/run when it exists). */
const base = require('./jest.config.js');

const [unit] = base.projects;

module.exports = {
  ...base,
  projects: [
    {
      ...unit,
      displayName: 'corpus',
      testMatch: ['**/*.corpus.test.ts'],
      testPathIgnorePatterns: ['/node_modules/'],
    },
  ],
};
