/** `trailalerts test`: TrailAlerts-format rule tests, failures named with their reason. */
import { join } from 'node:path';
import { correlationSequenceTester } from '../../bin/cli/correlation-tester';
import { runTest } from '../../bin/cli/test';
import { captureIO, consoleLoginRule, record, tempTree } from './fixtures';

const tests = (m: unknown[], n: unknown[]) => JSON.stringify({ should_match: m, should_not_match: n });

describe('test command', () => {
  it('passes good cases and prints the summary last', async () => {
    const dir = tempTree({
      'rules/login.yml': consoleLoginRule,
      'rules/login_tests.json': tests(
        [record('ConsoleLogin', { additionalEventData: { MFAUsed: 'No' } })],
        [record('ConsoleLogin', { additionalEventData: { MFAUsed: 'Yes' } })],
      ),
    });
    const io = captureIO();
    expect(await runTest([join(dir, 'rules')], {}, io)).toBe(0);
    expect(io.stdout().trim().split('\n').pop()).toBe('2 passed, 0 failed');
  });

  it('names the rule, the case, the eventName and the field that did not match', async () => {
    const dir = tempTree({
      'rules/login.yml': consoleLoginRule,
      'rules/login_tests.json': tests(
        [record('ConsoleLogin', { additionalEventData: { MFAUsed: 'Yes' } })],
        [record('ConsoleLogin', { additionalEventData: { MFAUsed: 'No' } })],
      ),
    });
    const io = captureIO();
    expect(await runTest([join(dir, 'rules')], {}, io)).toBe(1);
    const out = io.stdout();
    expect(out).toContain('FAIL  Console Login Without MFA');
    expect(out).toContain('should_match[0] (ConsoleLogin)');
    expect(out).toContain('selection selection did not match: additionalEventData.MFAUsed: No (event: Yes)');
    expect(out).toContain('should_not_match[0] (ConsoleLogin)');
    expect(out).toContain('matched but should not');
    expect(out.trim().split('\n').pop()).toBe('0 passed, 2 failed');
  });

  it('fails a test file without a rule, and exits 5 for a test file that is not JSON', async () => {
    const dir = tempTree({
      'rules/orphan_tests.json': tests([record('X')], []),
      'rules/login.yml': consoleLoginRule,
      'rules/login_tests.json': '{ not json',
    });
    const io = captureIO();
    expect(await runTest([join(dir, 'rules')], {}, io)).toBe(5);
    expect(io.stdout()).toContain('no rule beside it');
    expect(io.stdout()).toContain('cannot read test file');
    expect(io.stdout().trim().split('\n').pop()).toBe('0 passed, 2 failed');
  });

  it('skips correlation sequence tests until an engine is plugged in, then runs them', async () => {
    const correlation = `${consoleLoginRule.replace('status: test', 'name: login_no_mfa')}---
title: Many logins without MFA
correlation:
  type: event_count
  rules: [login_no_mfa]
  group-by: [sourceIPAddress]
  timespan: 10m
  condition: { gte: 2 }
level: high
`;
    const login = record('ConsoleLogin', { additionalEventData: { MFAUsed: 'No' } });
    const files = {
      'rules/many.yml': correlation,
      'rules/many_tests.json': tests([[login, login]], [[login]]),
    };
    const io = captureIO();
    expect(await runTest([join(tempTree(files), 'rules')], {}, io)).toBe(0);
    expect(io.stdout()).toContain('SKIP  Many logins without MFA');
    expect(io.stdout()).toContain('2 skipped');
    expect(io.stdout().trim().split('\n').pop()).toBe('0 passed, 0 failed');
    const io2 = captureIO();
    const tester = (
      _c: unknown,
      bundle: { rules: { match(r: Record<string, unknown>): boolean }[] },
      seq: Record<string, unknown>[],
    ) => seq.filter((r) => bundle.rules[0].match(r)).length >= 2;
    expect(await runTest([join(tempTree(files), 'rules')], { sequenceTester: tester }, io2)).toBe(0);
    expect(io2.stdout().trim().split('\n').pop()).toBe('2 passed, 0 failed');
    const io3 = captureIO();
    const second = { ...login, eventID: 'id-2', eventTime: '2026-11-01T10:05:00Z' };
    const real = {
      'rules/many.yml': correlation,
      'rules/many_tests.json': tests(
        [[login, second]],
        [[login], [login, { ...second, eventTime: '2026-11-01T11:00:00Z' }]],
      ),
    };
    expect(
      await runTest([join(tempTree(real), 'rules')], { sequenceTester: correlationSequenceTester }, io3),
    ).toBe(0);
    expect(io3.stdout().trim().split('\n').pop()).toBe('3 passed, 0 failed');
  });
});
