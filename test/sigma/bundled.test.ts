/**
 * The rule engine as an esbuild bundle, as the Lambdas and the benchmark load it. recheck's
 * default backend is a worker file that is not in a bundle: without RECHECK_SYNC_BACKEND set, a
 * `|re` rule (and an actorPatterns regex) must still be checked, by the in-process backend,
 * instead of failing as "could not be checked".
 */
import { buildSync } from 'esbuild';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';

type Sigma = typeof import('../../lambdas/sigma');
type RegexSafety = typeof import('../../lambdas/org/regex-safety');

describe('the engine bundled by esbuild', () => {
  const dir = mkdtempSync(join(os.tmpdir(), 'bundled-engine-'));
  let sigma: Sigma;
  let safety: RegexSafety;
  const savedBackend = process.env.RECHECK_SYNC_BACKEND;

  beforeAll(() => {
    delete process.env.RECHECK_SYNC_BACKEND;
    const entry = join(dir, 'entry.ts');
    writeFileSync(
      entry,
      [
        `export * from ${JSON.stringify(join(__dirname, '..', '..', 'lambdas', 'sigma'))};`,
        `export { compileSafeRegex } from ${JSON.stringify(join(__dirname, '..', '..', 'lambdas', 'org', 'regex-safety'))};`,
      ].join('\n'),
    );
    const outfile = join(dir, 'engine.js');
    buildSync({ entryPoints: [entry], bundle: true, platform: 'node', outfile, logLevel: 'silent' });
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the bundle built above
    const bundle = require(outfile) as Sigma & RegexSafety;
    sigma = bundle;
    safety = bundle;
  }, 60_000);

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    if (savedBackend === undefined) delete process.env.RECHECK_SYNC_BACKEND;
    else process.env.RECHECK_SYNC_BACKEND = savedBackend;
  });

  it('checks |re patterns without the worker backend', () => {
    const text = [
      'title: Regex rule',
      'id: 5b0e7f3c-1d2a-4c6b-9e8f-0a1b2c3d4e5f',
      'logsource: {product: aws, service: cloudtrail}',
      'detection:',
      "  safe: {userAgent|re: '^aws-cli/[0-9]+'}",
      "  unsafe: {errorMessage|re: '^(a+)+$'}",
      '  condition: safe',
      'level: low',
    ].join('\n');
    const bundle = sigma.parseRules(text, 'regex.yml');
    const messages = bundle.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message);
    // The safe pattern passes the check; the unsafe one is refused for what it is, not for the backend.
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/backtrack catastrophically/);
    expect(messages.join()).not.toMatch(/could not be checked/);
  });

  it('checks actorPatterns regexes without the worker backend', () => {
    expect(safety.compileSafeRegex('^role/ci-[a-z]+$').ok).toBe(true);
    expect(safety.compileSafeRegex('^(a|a)*$').ok).toBe(false);
  });
});
