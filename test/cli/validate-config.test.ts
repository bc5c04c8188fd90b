/** `trailalerts validate` with accounts.yaml: schema and semantic problems, each with its line. */
import { join } from 'node:path';
import { rulesValidation, runValidate } from '../../bin/cli/validate';
import { accountsValidation } from '../../bin/cli/validate-config';
import { captureIO, consoleLoginRule, tempTree } from './fixtures';

const good = `
organization: { id: o-testorg0001, managementAccountId: '111111111111', securityAccountId: '222222222222', homeRegion: us-east-1 }
trail: { bucket: trail, accountId: '333333333333' }
destinations: { soc: { type: email, from: a@example.com, to: [b@example.com] } }
organizationalUnits: { /: { routes: [{ to: [soc] }] } }
`;

describe('validate with accounts.yaml', () => {
  it('accepts a config whose references resolve', async () => {
    const dir = tempTree({ 'rules/a.yml': consoleLoginRule, 'accounts.yaml': good });
    const io = captureIO();
    const steps = [
      rulesValidation([join(dir, 'rules')]),
      accountsValidation(join(dir, 'accounts.yaml'), [join(dir, 'rules')]),
    ];
    expect(await runValidate(steps, {}, io)).toBe(0);
    expect(io.stdout()).toMatch(/accounts\.yaml: 0 accounts, 1 OUs, 1 destinations; 0 errors/);
  });

  it('names the line and path of an unknown destination and of a rule set selecting nothing', async () => {
    const broken = `${good}
ruleSets: { strict: { rules: ['no-such-rule-title'] } }
accounts:
  '444455556666': { name: prod, ou: /, routes: [{ to: [pager] }] }
`;
    const dir = tempTree({ 'rules/a.yml': consoleLoginRule, 'accounts.yaml': broken });
    const io = captureIO();
    expect(
      await runValidate([accountsValidation(join(dir, 'accounts.yaml'), [join(dir, 'rules')])], {}, io),
    ).toBe(2);
    const err = io.stderr();
    expect(err).toMatch(/accounts\.yaml:9 accounts\.444455556666\.routes\[0\]\.to\[0\] => .*pager/);
    expect(err).toMatch(/accounts\.yaml:7 ruleSets\.strict\.rules\[0\] => /);
  });

  it('reports a missing file instead of crashing', async () => {
    const io = captureIO();
    expect(await runValidate([accountsValidation('/nonexistent/accounts.yaml', ['rules'])], {}, io)).toBe(2);
    expect(io.stderr()).toMatch(/no such file/);
  });
});
