/**
 * The exit-code table, the same for `scan`, `detect` and `test`: 2 accounts.yaml does not load,
 * 3 an invalid rule, 5 unreadable input (the good records still processed), 4 --fail-on; the most
 * serious wins (2 > 3 > 5 > 1 > 4).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { runDetect } from '../../bin/cli/detect';
import {
  EXIT_CONFIG,
  EXIT_FAIL_ON,
  EXIT_FAILED,
  EXIT_INPUT,
  EXIT_OK,
  EXIT_RULES,
  worstExit,
} from '../../bin/cli/exit-codes';
import { runScan, type ScanCommandOptions } from '../../bin/cli/scan';
import { runTest } from '../../bin/cli/test';
import { captureIO, consoleLoginRule, record, stopLoggingRule, tempTree } from './fixtures';

const cli = join(__dirname, '..', '..', 'bin', 'trailalerts.js');
const login = () => record('ConsoleLogin', { additionalEventData: { MFAUsed: 'No' } });
const trail = JSON.stringify({ Records: [login(), record('StopLogging')] });
const badRule = stopLoggingRule.replace('eventSource:', 'eventSource|nosuch:');

function scanIn(dir: string, inputs: string[], opts: Partial<ScanCommandOptions> = {}) {
  const io = captureIO();
  const run = runScan(
    inputs.map((i) => join(dir, i)),
    { rules: [join(dir, 'rules')], out: join(dir, 'out'), format: 'ndjson', progress: false, ...opts },
    io as never,
  );
  return run.then((code) => ({ code, io }));
}

const sentRules = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { alert: { rule: { title: string } } }).alert.rule.title)
    .sort();

describe('exit codes', () => {
  it('orders them: config 2 > rules 3 > input 5 > failure 1 > --fail-on 4 > 0', () => {
    expect(worstExit()).toBe(EXIT_OK);
    expect(worstExit(EXIT_FAIL_ON, EXIT_INPUT)).toBe(EXIT_INPUT);
    expect(worstExit(EXIT_INPUT, EXIT_RULES, EXIT_FAIL_ON)).toBe(EXIT_RULES);
    expect(worstExit(EXIT_RULES, EXIT_CONFIG)).toBe(EXIT_CONFIG);
    expect(worstExit(EXIT_FAIL_ON, EXIT_FAILED)).toBe(EXIT_FAILED);
    expect(worstExit(EXIT_FAILED, EXIT_INPUT)).toBe(EXIT_INPUT);
    expect(worstExit(0, EXIT_FAIL_ON, 0)).toBe(EXIT_FAIL_ON);
  });

  describe('scan', () => {
    const rules = { 'rules/a.yml': consoleLoginRule, 'rules/b.yml': stopLoggingRule };

    it('exits 0 on clean input', async () => {
      const dir = tempTree({ ...rules, 't.json': trail });
      expect((await scanIn(dir, ['t.json'])).code).toBe(0);
    });

    it('exits 5 for a missing path, and still processes and reports the good file', async () => {
      const dir = tempTree({ ...rules, 't.json': trail });
      const { code, io } = await scanIn(dir, ['t.json', 'missing.json']);
      expect(code).toBe(EXIT_INPUT);
      expect(io.stderr()).toContain(`error: ${join(dir, 'missing.json')} => no such file or directory`);
      expect(sentRules(io.stdout())).toEqual(['CloudTrail Stopped', 'Console Login Without MFA']);
    });

    it('exits 5 for a corrupt object, after the records before the damage', async () => {
      const records = Array.from({ length: 200 }, (_, i) => ({ ...login(), eventID: `e${i}` }));
      const gz = gzipSync(JSON.stringify({ Records: records }));
      const dir = tempTree(rules);
      writeFileSync(join(dir, 'cut.json.gz'), gz.subarray(0, Math.floor(gz.length * 0.7)));
      const { code, io } = await scanIn(dir, ['cut.json.gz']);
      expect(code).toBe(EXIT_INPUT);
      expect(io.stderr()).toMatch(/cut\.json\.gz/);
      expect(io.stderr()).toContain('the good records were scanned');
      expect(sentRules(io.stdout()).length).toBeGreaterThan(0);
    });

    it('exits 3 when a rule does not parse; the valid rules still run', async () => {
      const dir = tempTree({ 'rules/a.yml': consoleLoginRule, 'rules/b.yml': badRule, 't.json': trail });
      const { code, io } = await scanIn(dir, ['t.json']);
      expect(code).toBe(EXIT_RULES);
      expect(io.stderr()).toMatch(/b\.yml:8 detection\.selection\.eventSource\|nosuch => unknown modifier/);
      expect(sentRules(io.stdout())).toEqual(['Console Login Without MFA']);
    });

    it('exits 4 for --fail-on, and 5 over 4 when input was also unreadable', async () => {
      const dir = tempTree({ ...rules, 't.json': trail });
      expect((await scanIn(dir, ['t.json'], { failOn: 'critical' })).code).toBe(EXIT_FAIL_ON);
      expect((await scanIn(dir, ['t.json', 'nope'], { failOn: 'critical' })).code).toBe(EXIT_INPUT);
    });

    it('exits 3 over 5 and 4: an invalid rule, a missing path and a --fail-on hit together', async () => {
      const dir = tempTree({ 'rules/a.yml': consoleLoginRule, 'rules/b.yml': badRule, 't.json': trail });
      expect((await scanIn(dir, ['t.json', 'nope'], { failOn: 'high' })).code).toBe(EXIT_RULES);
    });

    it('exits 2 when accounts.yaml does not load, whatever else is wrong', async () => {
      const dir = tempTree({
        'rules/a.yml': consoleLoginRule,
        'rules/b.yml': badRule,
        't.json': trail,
        'accounts.yaml': 'organization: [\n',
      });
      const { code, io } = await scanIn(dir, ['t.json', 'nope'], { config: join(dir, 'accounts.yaml') });
      expect(code).toBe(EXIT_CONFIG);
      expect(io.stderr()).toMatch(/accounts\.yaml:\d+ => YAML syntax/);
    });

    it('exits 5 as a whole process too, with the good records in the table', () => {
      const dir = tempTree({ ...rules, 't.json': trail });
      const r = spawnSync(
        process.execPath,
        [cli, 'scan', 't.json', 'missing.json', '--rules', 'rules', '--out', 'out', '--no-progress'],
        { cwd: dir, encoding: 'utf8', timeout: 60_000 },
      );
      expect(r.status).toBe(EXIT_INPUT);
      expect(r.stdout).toContain('2 alerts sent');
      expect(r.stderr).toContain('missing.json => no such file or directory');
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }, 60_000);
  });

  describe('detect', () => {
    it('exits 5 for a missing path (the good file still read), 3 over 5 with an invalid rule', async () => {
      const dir = tempTree({ 'rules/a.yml': consoleLoginRule, 't.json': trail });
      const io = captureIO();
      const args = [join(dir, 't.json'), join(dir, 'nope.json')];
      expect(await runDetect(args, { rules: [join(dir, 'rules')], format: 'ndjson' }, io)).toBe(EXIT_INPUT);
      expect(io.stdout()).toContain('Console Login Without MFA');
      expect(io.stderr()).toContain('1 input problems');
      writeFileSync(join(dir, 'rules', 'b.yml'), badRule);
      expect(await runDetect(args, { rules: [join(dir, 'rules')], format: 'ndjson' }, captureIO())).toBe(
        EXIT_RULES,
      );
    });
  });

  describe('test', () => {
    it('exits 5 for a missing path, 3 for an invalid rule, 1 for a failing case', async () => {
      const passing = JSON.stringify({ should_match: [login()], should_not_match: [record('GetObject')] });
      const dir = tempTree({ 'rules/a.yml': consoleLoginRule, 'rules/a_tests.json': passing });
      expect(await runTest([join(dir, 'rules')], {}, captureIO())).toBe(EXIT_OK);
      expect(await runTest([join(dir, 'rules'), join(dir, 'nope')], {}, captureIO())).toBe(EXIT_INPUT);
      writeFileSync(
        join(dir, 'rules', 'a_tests.json'),
        JSON.stringify({ should_match: [record('GetObject')] }),
      );
      expect(await runTest([join(dir, 'rules')], {}, captureIO())).toBe(EXIT_FAILED);
      writeFileSync(join(dir, 'rules', 'b.yml'), badRule);
      expect(await runTest([join(dir, 'rules'), join(dir, 'nope')], {}, captureIO())).toBe(EXIT_RULES);
    });
  });
});
