/**
 * The rules a command reads when it is given none: ./rules, else the pack that ships with the
 * package (found from the entry script), and what validate and test say when ./rules is missing.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultRules, missingLocalRulesHint, shippedRulesDir } from '../../bin/cli/default-rules';
import { consoleLoginRule, record, tempTree } from './fixtures';

const ROOT = join(__dirname, '..', '..');
const cli = join(ROOT, 'bin', 'trailalerts.js');

/** A folder laid out as an installed package: package.json, bin/trailalerts.js and, optionally, rules/. */
function fakePackage(name: string, withRules: boolean): string {
  const root = mkdtempSync(join(tmpdir(), 'ta-pkg-'));
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name }));
  mkdirSync(join(root, 'bin'));
  writeFileSync(join(root, 'bin', 'trailalerts.js'), '');
  if (withRules) mkdirSync(join(root, 'rules'));
  return root;
}

describe('shippedRulesDir', () => {
  it("finds the rules folder of the package whose entry script runs, through node_modules/.bin's link", () => {
    const root = fakePackage('trailalerts-org', true);
    expect(shippedRulesDir(join(root, 'bin', 'trailalerts.js'))).toBe(join(root, 'rules'));
    const binDir = mkdtempSync(join(tmpdir(), 'ta-bin-'));
    symlinkSync(join(root, 'bin', 'trailalerts.js'), join(binDir, 'trailalerts'));
    expect(shippedRulesDir(join(binDir, 'trailalerts'))).toBe(join(root, 'rules'));
  });

  it("is undefined for another package's script, a package without rules, or no script", () => {
    expect(shippedRulesDir(join(fakePackage('jest', true), 'bin', 'trailalerts.js'))).toBeUndefined();
    expect(
      shippedRulesDir(join(fakePackage('trailalerts-org', false), 'bin', 'trailalerts.js')),
    ).toBeUndefined();
    expect(shippedRulesDir(join(tmpdir(), 'no-such-dir', 'bin', 'x.js'))).toBeUndefined();
    expect(shippedRulesDir(undefined)).toBeUndefined();
  });

  it("is this checkout's rules folder for the real entry script", () => {
    expect(shippedRulesDir(cli)).toBe(join(ROOT, 'rules'));
  });
});

describe('defaultRules', () => {
  it('reads ./rules when it exists, with no notice', () => {
    const local = join(tempTree({ 'rules/a.yml': consoleLoginRule }), 'rules');
    expect(defaultRules(local, '/opt/pack/rules')).toEqual({ paths: [local] });
  });

  it('reads the shipped rules when ./rules is missing, and says so', () => {
    const local = join(tmpdir(), 'ta-no-such-rules');
    const chosen = defaultRules(local, '/opt/pack/rules');
    expect(chosen.paths).toEqual(['/opt/pack/rules']);
    expect(chosen.notice).toContain('/opt/pack/rules');
    expect(chosen.notice).toContain('--rules');
  });

  it('keeps ./rules (and its "no such file" error) when no shipped rules are found', () => {
    expect(defaultRules(join(tmpdir(), 'ta-no-such-rules'), undefined)).toEqual({
      paths: [join(tmpdir(), 'ta-no-such-rules')],
    });
  });

  it('names the shipped rules in the hint of validate and test, when there are some', () => {
    expect(missingLocalRulesHint('validate', '/opt/pack/rules')).toMatch(
      /^validate: no paths given and there is no \.\/rules folder here: .*\/opt\/pack\/rules/,
    );
    expect(missingLocalRulesHint('test', undefined)).not.toContain('ship');
  });
});

describe('the CLI in a folder without ./rules (a whole process)', () => {
  const run = (cwd: string, ...args: string[]) =>
    spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  const input = (dir: string) => {
    const file = join(dir, 'trail.json');
    writeFileSync(
      file,
      JSON.stringify({
        Records: [
          record('StopLogging'),
          record('ConsoleLogin', { additionalEventData: { MFAUsed: 'No' }, eventID: 'id-login' }),
        ],
      }),
    );
    return file;
  };
  const alertTitles = (stdout: string) =>
    stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => (JSON.parse(line) as { alert: { rule: { title: string } } }).alert.rule.title);

  it('scan runs the shipped rules and says so on stderr', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ta-empty-'));
    const result = run(dir, 'scan', input(dir), '--out', join(dir, 'out'), '--format', 'ndjson');
    expect(result.stderr).toContain(
      `rules: there is no ./rules here, so the rules that ship with trailalerts run (${join(ROOT, 'rules')})`,
    );
    expect(result.status).toBe(0);
    // The shipped pack's CloudTrail rule fires on StopLogging.
    expect(alertTitles(result.stdout).length).toBeGreaterThan(0);
  }, 60_000);

  it('detect runs the shipped rules too, and says so', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ta-empty-'));
    const result = run(dir, 'detect', input(dir), '--format', 'ndjson');
    expect(result.status).toBe(0);
    expect(result.stderr).toContain('the rules that ship with trailalerts run');
    const files = result.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => (JSON.parse(line) as { rule: { file: string } }).rule.file);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect(file.startsWith(join(ROOT, 'rules'))).toBe(true);
  }, 60_000);

  it('scan reads ./rules when there is one, with no notice', () => {
    const dir = tempTree({ 'rules/login.yml': consoleLoginRule });
    const result = run(dir, 'scan', input(dir), '--out', join(dir, 'out'), '--format', 'ndjson');
    expect(result.status).toBe(0);
    expect(result.stderr).not.toContain('ship with trailalerts');
    expect(alertTitles(result.stdout)).toEqual(['Console Login Without MFA']);
  }, 60_000);

  it('validate and test say where they looked and what to name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ta-empty-'));
    const validate = run(dir, 'validate');
    expect(validate.status).toBe(3);
    expect(validate.stderr).toContain('validate: no paths given and there is no ./rules folder here');
    expect(validate.stderr).toContain(join(ROOT, 'rules'));
    const test = run(dir, 'test');
    expect(test.status).toBe(5);
    expect(test.stderr).toContain('test: no paths given and there is no ./rules folder here');
  }, 60_000);
});
