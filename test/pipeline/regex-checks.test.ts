/**
 * Regular expressions proven safe at synth are shipped (regex-checks.json) and taken at cold start
 * instead of being checked again (lambdas/pipeline/regex-checks.ts, runtime.ts takeRegexChecks).
 * Each test gets fresh module state: the verdict caches are per process.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';

type RegexChecksModule = typeof import('../../lambdas/pipeline/regex-checks');
type SigmaModule = typeof import('../../lambdas/sigma');
type SafetyModule = typeof import('../../lambdas/org/regex-safety');
type RuntimeModule = typeof import('../../lambdas/pipeline/runtime');

function fresh(): {
  checks: RegexChecksModule;
  sigma: SigmaModule;
  safety: SafetyModule;
  runtime: RuntimeModule;
} {
  let modules!: ReturnType<typeof fresh>;
  jest.isolateModules(() => {
    /* eslint-disable @typescript-eslint/no-require-imports -- one fresh module registry per test */
    modules = {
      checks: require('../../lambdas/pipeline/regex-checks') as RegexChecksModule,
      sigma: require('../../lambdas/sigma') as SigmaModule,
      safety: require('../../lambdas/org/regex-safety') as SafetyModule,
      runtime: require('../../lambdas/pipeline/runtime') as RuntimeModule,
    };
    /* eslint-enable @typescript-eslint/no-require-imports */
  });
  return modules;
}

const SAFE = '^aws-cli/[0-9]+';
const UNSAFE = '^(a+)+$';

function ruleWith(pattern: string): string {
  return [
    'title: Regex rule',
    'id: 5b0e7f3c-1d2a-4c6b-9e8f-0a1b2c3d4e5f',
    'logsource: {product: aws, service: cloudtrail}',
    'detection:',
    `  sel: {userAgent|re: ${JSON.stringify(pattern)}}`,
    '  condition: sel',
    'level: low',
  ].join('\n');
}

const errorsOf = (sigma: SigmaModule, pattern: string): string[] =>
  sigma
    .parseRules(ruleWith(pattern), 'regex.yml')
    .diagnostics.filter((d) => d.severity === 'error')
    .map((d) => d.message);

describe('regex checks shipped from synth', () => {
  it('lists the patterns found safe, never the refused ones', () => {
    const { checks, sigma, safety } = fresh();
    expect(errorsOf(sigma, SAFE)).toEqual([]);
    expect(errorsOf(sigma, UNSAFE)[0]).toMatch(/backtrack catastrophically/);
    expect(safety.compileSafeRegex('^role/ci-[a-z]+$').ok).toBe(true);
    expect(safety.compileSafeRegex('^(a|a)*$').ok).toBe(false);
    expect(checks.regexChecksSnapshot()).toEqual({
      version: 1,
      sigma: [`/${SAFE}`],
      actors: ['/^role/ci-[a-z]+$'],
    });
  });

  it('takes the listed verdicts instead of checking again; unlisted patterns are still checked', () => {
    const { checks, sigma, safety } = fresh();
    // The file is as trusted as the code beside it: a pattern it lists is not checked again,
    // which this shows with one recheck would refuse.
    const file = JSON.stringify({ version: 1, sigma: [`/${UNSAFE}`, '/(unclosed'], actors: ['/^(b+)+$'] });
    expect(checks.trustRegexChecks(file)).toEqual({ taken: 2 });
    expect(errorsOf(sigma, UNSAFE)).toEqual([]);
    expect(safety.compileSafeRegex('^(b+)+$').ok).toBe(true);
    // Not listed: checked as always. Listed but not a regular expression: not taken.
    expect(errorsOf(sigma, '^(c+)+$')[0]).toMatch(/backtrack catastrophically/);
    expect(errorsOf(sigma, '(unclosed')[0]).toMatch(/invalid regular expression/);
    expect(safety.compileSafeRegex('^(d|d)*$').ok).toBe(false);
  });

  it.each([
    ['not JSON', '{', /not JSON/],
    ['another version', '{"version":2,"sigma":[],"actors":[]}', /"version": 1/],
    ['lists of something else', '{"version":1,"sigma":[1],"actors":[]}', /lists of patterns/],
  ])('refuses a file that is %s, and takes nothing from it', (_name, text, problem) => {
    const { checks, sigma } = fresh();
    const result = checks.trustRegexChecks(text);
    expect('problem' in result && result.problem).toMatch(problem);
    expect(errorsOf(sigma, UNSAFE)[0]).toMatch(/backtrack catastrophically/);
  });

  it('is taken at start-up from TRAILALERTS_REGEX_CHECKS; a missing or broken file is a warning', () => {
    const dir = mkdtempSync(join(os.tmpdir(), 'regex-checks-'));
    try {
      const warnings: string[] = [];
      const logger = { error: (m: string) => warnings.push(m), warn: (m: string) => warnings.push(m) };
      const good = join(dir, 'regex-checks.json');
      writeFileSync(good, JSON.stringify({ version: 1, sigma: [`/${UNSAFE}`], actors: [] }));
      const broken = join(dir, 'broken.json');
      writeFileSync(broken, 'nope');

      const first = fresh();
      first.runtime.takeRegexChecks(logger, good);
      expect(warnings).toEqual([]);
      expect(errorsOf(first.sigma, UNSAFE)).toEqual([]);

      const second = fresh();
      second.runtime.takeRegexChecks(logger, join(dir, 'missing.json'));
      second.runtime.takeRegexChecks(logger, broken);
      expect(warnings).toEqual([
        expect.stringMatching(/missing\.json: not found; every regular expression is checked at start-up$/),
        expect.stringMatching(/broken\.json: not JSON .*; every regular expression is checked at start-up$/),
      ]);
      expect(errorsOf(second.sigma, UNSAFE)[0]).toMatch(/backtrack catastrophically/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
