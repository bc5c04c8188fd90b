/** `trailalerts validate --strict`: warnings of accounts.yaml fail the build with the exit-code table. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { rulesValidation, runValidate } from '../../bin/cli/validate';
import { accountsValidation } from '../../bin/cli/validate-config';
import { captureIO, consoleLoginRule, tempTree } from './fixtures';

const cli = join(__dirname, '..', '..', 'bin', 'trailalerts.js');

// Line 6 holds the OU key with the typo; line 10 the account whose OU it was meant to be.
const typo = `organization: { id: o-testorg0001, managementAccountId: '111111111111', securityAccountId: '222222222222', homeRegion: us-east-1 }
trail: { bucket: trail, accountId: '333333333333' }
destinations: { soc: { type: email, from: a@example.com, to: [b@example.com] } }
organizationalUnits:
  /: { routes: [{ to: [soc] }] }
  /Workloads/Prodcution:
    cooldownMinutes: 5
    routes: [{ to: [soc] }]
accounts:
  '444455556666': { name: prod, ou: /Workloads/Production }
`;

describe('validate --strict', () => {
  const dir = tempTree({ 'rules/a.yml': consoleLoginRule, 'accounts.yaml': typo });
  const steps = () => [
    rulesValidation([join(dir, 'rules')]),
    accountsValidation(join(dir, 'accounts.yaml'), [join(dir, 'rules')]),
  ];

  it('reports the warnings with their lines and exits 0 without --strict', async () => {
    const io = captureIO();
    expect(await runValidate(steps(), {}, io)).toBe(0);
    expect(io.stderr()).toContain(
      'accounts.yaml:6 organizationalUnits./Workloads/Prodcution => OU /Workloads/Prodcution matches no account',
    );
    expect(io.stderr()).toMatch(
      /accounts\.yaml:10 accounts\.444455556666\.ou => .*did you mean \/Workloads\/Prodcution\?/,
    );
    expect(io.stdout()).toContain('valid: 0 errors, 2 warnings in total');
  });

  it('exits 2 with --strict: warnings of accounts.yaml count as configuration errors', async () => {
    const io = captureIO();
    expect(await runValidate(steps(), { strict: true }, io)).toBe(2);
    expect(io.stdout()).toContain(
      'invalid: 0 errors, 2 warnings in total (--strict: 2 warnings count as errors)',
    );
  });

  it('exits 2 when accounts.yaml and a rule both have errors (the configuration is the more serious)', async () => {
    const bad = tempTree({
      'rules/a.yml': consoleLoginRule.replace('eventName:', 'eventName|nope:'),
      'accounts.yaml': typo.replace('to: [soc] }] }', 'to: [pager] }] }'),
    });
    const io = captureIO();
    const both = [
      rulesValidation([join(bad, 'rules')]),
      accountsValidation(join(bad, 'accounts.yaml'), [join(bad, 'rules')]),
    ];
    expect(await runValidate(both, {}, io)).toBe(2);
    expect(await runValidate([rulesValidation([join(bad, 'rules')])], {}, captureIO())).toBe(3);
  });

  it('works as a user runs it: a whole process, the status a CI job sees', () => {
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [cli, 'validate', ...args], {
        encoding: 'utf8',
        timeout: 60_000,
        cwd: dir,
      });
    const lenient = run('rules', '--config', 'accounts.yaml');
    expect(lenient.status).toBe(0);
    expect(lenient.stderr).toContain('warning: accounts.yaml:6 organizationalUnits./Workloads/Prodcution');
    const strict = run('rules', '--config', 'accounts.yaml', '--strict');
    expect(strict.status).toBe(2);
    expect(strict.stderr).toContain('did you mean /Workloads/Production?');
    expect(run('--help').stdout).toMatch(/--strict +treat warnings as errors/);
  }, 60_000);
});
