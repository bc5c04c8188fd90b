/**
 * The rule engine as an esbuild bundle, as the Lambdas and the benchmark load it: the regular
 * expression engine (re2js) is bundled with it, so `|re` rules and actorPatterns compile and
 * match there as they do unbundled.
 */
import { buildSync } from 'esbuild';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { isProblem } from '../../src/core';

type Sigma = typeof import('../../src/sigma');
type ActorPatterns = typeof import('../../src/org/actor-patterns');

describe('the engine bundled by esbuild', () => {
  const dir = mkdtempSync(join(os.tmpdir(), 'bundled-engine-'));
  let sigma: Sigma;
  let actors: ActorPatterns;

  beforeAll(() => {
    const entry = join(dir, 'entry.ts');
    writeFileSync(
      entry,
      [
        `export * from ${JSON.stringify(join(__dirname, '..', '..', 'src', 'sigma'))};`,
        `export { compileActorPattern } from ${JSON.stringify(join(__dirname, '..', '..', 'src', 'org', 'actor-patterns'))};`,
      ].join('\n'),
    );
    const outfile = join(dir, 'engine.js');
    buildSync({ entryPoints: [entry], bundle: true, platform: 'node', outfile, logLevel: 'silent' });
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the bundle built above
    const bundle = require(outfile) as Sigma & ActorPatterns;
    sigma = bundle;
    actors = bundle;
  }, 60_000);

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('compiles and matches |re patterns, and refuses a lookahead by name', () => {
    const text = [
      'title: Regex rule',
      'id: 5b0e7f3c-1d2a-4c6b-9e8f-0a1b2c3d4e5f',
      'logsource: {product: aws, service: cloudtrail}',
      'detection:',
      "  agent: {userAgent|re: '^aws-cli/[0-9]+'}",
      "  refused: {errorMessage|re: '^(?!Access)'}",
      '  condition: agent',
      'level: low',
    ].join('\n');
    const bundle = sigma.parseRules(text, 'regex.yml');
    const messages = bundle.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message);
    expect(messages).toEqual([expect.stringMatching(/negative lookahead `\(\?!`/)]);

    const valid = sigma.parseRules(text.replace(/ {2}refused:.*\n/, ''), 'regex.yml');
    expect(valid.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const [rule] = valid.rules;
    expect(rule.match({ eventName: 'x', userAgent: 'aws-cli/2.15.0 Python/3.11' })).toBe(true);
    expect(rule.match({ eventName: 'x', userAgent: 'Boto3/1.34' })).toBe(false);
  });

  it('compiles actorPatterns on the same engine', () => {
    const ok = actors.compileActorPattern('^role/ci-[a-z]+$');
    expect(!isProblem(ok) && ok.regex.engine).toBe('re2');
    expect(!isProblem(ok) && ok.regex.test('role/ci-deploy')).toBe(true);
    expect(isProblem(actors.compileActorPattern('(a)\\1'))).toBe(true);
  });
});
