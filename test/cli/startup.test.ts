/**
 * The built CLI as a user runs it (bin/trailalerts.js → dist/cli/, built by test/global-setup.ts):
 * what each command loads, and the rule cache between runs. Times are measured by the bench
 * (npm run bench -- --whole-process), never here.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { consoleLoginRule, record, stopLoggingRule, tempTree } from './fixtures';

const root = join(__dirname, '..', '..');
const cli = join(root, 'bin', 'trailalerts.js');

/** Records every module the process loads: CommonJS requires, and ES modules through a loader hook. */
const tracer = `
const Module = require('node:module');
const { appendFileSync } = require('node:fs');
const load = Module._load;
Module._load = function (request) {
  if (!request.startsWith('node:')) appendFileSync(process.env.LOAD_TRACE, 'require ' + request + '\\n');
  return load.apply(this, arguments);
};
Module.register('data:text/javascript,' + encodeURIComponent(
  "import { appendFileSync } from 'node:fs';" +
  "export async function load(url, context, next) { appendFileSync(process.env.LOAD_TRACE, 'import ' + url + '\\\\n'); return next(url, context); }"
));
`;

const work = mkdtempSync(join(os.tmpdir(), 'cli-startup-'));
const tracerFile = join(work, 'trace.cjs');
writeFileSync(tracerFile, tracer);
afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; trace?: boolean } = {}) {
  const trace = join(mkdtempSync(join(work, 'run-')), 'loads.txt');
  writeFileSync(trace, '');
  const result = spawnSync(
    process.execPath,
    [...(options.trace ? ['--require', tracerFile] : []), cli, ...args],
    {
      cwd: options.cwd ?? root,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, LOAD_TRACE: trace, ...options.env },
    },
  );
  return { ...result, loads: readFileSync(trace, 'utf8').split('\n').filter(Boolean) };
}

/** The packages a process loaded: required ones, and those bundled into the chunks it imported. */
function packagesLoaded(loads: string[]): Set<string> {
  const packages = new Set<string>();
  const name = (path: string) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1];
  for (const line of loads) {
    const [kind, what] = line.split(' ');
    if (kind === 'require') {
      const p = what.startsWith('/') ? name(what) : what.startsWith('.') ? undefined : what;
      if (p)
        packages.add(
          p
            .split('/')
            .slice(0, p.startsWith('@') ? 2 : 1)
            .join('/'),
        );
    } else if (what.startsWith('file:')) {
      const path = fileURLToPath(what);
      const p = name(path);
      if (p) packages.add(p);
      else if (path.endsWith('.mjs'))
        for (const m of readFileSync(path, 'utf8').matchAll(/^\/\/ node_modules\/((?:@[^/]+\/)?[^/]+)\//gm))
          packages.add(m[1]);
    }
  }
  return packages;
}

const heavy = (packages: Set<string>, prefixes: string[]) =>
  [...packages].filter((p) => prefixes.some((h) => p === h || p.startsWith(`${h}/`)));
const AWS = ['@aws-sdk', '@smithy', '@aws-crypto', 'playwright-core'];

describe('the built CLI', () => {
  it('runs the bundle with plain node: --help lists the commands', () => {
    expect(existsSync(join(root, 'dist', 'cli', 'main.mjs'))).toBe(true);
    const help = run(['--help']);
    expect(help.status).toBe(0);
    for (const command of [
      'scan',
      'detect',
      'test',
      'validate',
      'explain',
      'replay',
      'hunt',
      'hunt-results',
      'migrate',
    ])
      expect(help.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    expect(run(['--version']).stdout.trim()).toBe(
      (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version,
    );
  });

  it('loads commander and the command definitions for --help, nothing else', () => {
    const help = run(['--help'], { trace: true });
    expect(help.status).toBe(0);
    expect([...packagesLoaded(help.loads)]).toEqual(['commander']);
  });

  it('prints hunt and hunt-results help without the AWS SDK', () => {
    for (const command of ['hunt', 'hunt-results']) {
      const help = run([command, '--help'], { trace: true });
      expect(help.status).toBe(0);
      expect(help.stdout).toContain('Exit status:');
      expect(heavy(packagesLoaded(help.loads), AWS)).toEqual([]);
    }
  });

  it('validates without the AWS SDK or playwright', () => {
    const dir = tempTree({ 'rules/a.yml': consoleLoginRule });
    const validate = run(['validate', 'rules'], { cwd: dir, trace: true });
    expect(validate.status).toBe(0);
    const loaded = packagesLoaded(validate.loads);
    expect(loaded).toContain('yaml');
    expect(heavy(loaded, AWS)).toEqual([]);
  });

  it('scans local files without the AWS SDK', () => {
    const dir = tempTree({
      'rules/stop.yml': stopLoggingRule,
      't.json': JSON.stringify({ Records: [record('StopLogging')] }),
    });
    const scan = run(['scan', 't.json', '--rules', 'rules', '--out', 'out'], { cwd: dir, trace: true });
    expect(scan.status).toBe(0);
    expect(scan.stdout).toMatch(
      /^scanned 1 file, 1 records, [\d.]+ MB read in [\d.]+ s \(.*\); 1 rules evaluated$/m,
    );
    expect(heavy(packagesLoaded(scan.loads), AWS)).toEqual([]);
  });
});

describe('the rule cache', () => {
  const rules = tempTree({
    'rules/a.yml': consoleLoginRule,
    'rules/b.yml': stopLoggingRule,
    'rules/bad.yml': consoleLoginRule.replace('6b2c', '7b2c').replace('eventName:', 'eventName|nope:'),
  });
  const validate = (cache: string, env: NodeJS.ProcessEnv = {}) =>
    run(['validate', 'rules', '--no-config'], { cwd: rules, env: { TRAILALERTS_CACHE_DIR: cache, ...env } });
  const entries = (cache: string) =>
    existsSync(cache)
      ? readdirSync(cache).flatMap((d) => readdirSync(join(cache, d)).map((f) => join(cache, d, f)))
      : [];

  it('keeps one entry per rule file, under the version and build, and gives the same results from it', () => {
    const cache = join(mkdtempSync(join(work, 'cache-')), 'trailalerts');
    const first = validate(cache);
    expect(first.status).toBe(3);
    expect(first.stderr).toMatch(
      /bad\.yml:9 detection\.selection\.eventName\|nope => unknown modifier 'nope'/,
    );
    const files = entries(cache);
    expect(files).toHaveLength(3);
    expect(readdirSync(cache)[0]).toMatch(/^\d+\.\d+\.\d+-[0-9a-f]{16}$/);
    const second = validate(cache);
    expect([second.status, second.stdout, second.stderr]).toEqual([first.status, first.stdout, first.stderr]);
  });

  it('ignores and rewrites an entry that does not parse, and is not written with TRAILALERTS_NO_CACHE', () => {
    const cache = join(mkdtempSync(join(work, 'cache-')), 'trailalerts');
    const first = validate(cache);
    for (const file of entries(cache)) writeFileSync(file, '{"format":1,"sha256":"trunc');
    const again = validate(cache);
    expect([again.status, again.stdout, again.stderr]).toEqual([first.status, first.stdout, first.stderr]);
    for (const file of entries(cache)) expect(() => JSON.parse(readFileSync(file, 'utf8'))).not.toThrow();

    const off = join(mkdtempSync(join(work, 'cache-')), 'trailalerts');
    expect(validate(off, { TRAILALERTS_NO_CACHE: '1' }).stdout).toBe(first.stdout);
    expect(existsSync(off)).toBe(false);
  });
});
