/**
 * The table of `scan`: cuts with a plain `…`, exception reasons whole (wrapped), alerts in time
 * order within an account, and an account the directory does not know labelled as unknown.
 */
import { join } from 'node:path';
import { accountLabel, runScan } from '../../bin/cli/scan';
import { captureIO, consoleLoginRule, record, stopLoggingRule, tempTree } from './fixtures';

const longTitle = `CloudTrail Stopped ${'Or Otherwise Blinded By Someone Who Should Not '.repeat(3)}`.trim();
const reason =
  'Planned trail migration to the new log-archive account, approved in change CHG-4711 by the security lead; ' +
  'this exception is removed once the new trail has delivered for a full week (tracked in SEC-2024).';

const config = `organization: { id: o-testorg0001, managementAccountId: '111111111111', securityAccountId: '222222222222', homeRegion: us-east-1 }
trail: { bucket: trail, accountId: '333333333333' }
destinations: { soc: { type: email, from: a@example.com, to: [b@example.com] } }
organizationalUnits:
  /: { routes: [{ to: [soc] }] }
accounts:
  '444455556666':
    name: payments-prod
    ou: /
    exceptions:
      - rule: '${longTitle}'
        actors: ['arn:aws:iam::444455556666:user/migrator']
        reason: '${reason}'
`;

describe('scan table', () => {
  const events = [
    record('StopLogging', {
      eventID: 'late',
      eventTime: '2026-11-20T10:05:00Z',
      recipientAccountId: '444455556666',
    }),
    record('ConsoleLogin', {
      eventID: 'early',
      eventTime: '2026-11-20T10:01:00Z',
      recipientAccountId: '444455556666',
      additionalEventData: { MFAUsed: 'No' },
    }),
    record('StopLogging', {
      eventID: 'excepted',
      eventTime: '2026-11-20T10:03:00Z',
      recipientAccountId: '444455556666',
      userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::444455556666:user/migrator' },
    }),
    record('StopLogging', {
      eventID: 'stranger',
      eventTime: '2026-11-20T10:00:00Z',
      recipientAccountId: '123837392027',
    }),
  ];
  const dir = tempTree({
    'rules/stop.yml': stopLoggingRule.replace('title: CloudTrail Stopped', `title: ${longTitle}`),
    'rules/login.yml': consoleLoginRule,
    'accounts.yaml': config,
    't.json': JSON.stringify({ Records: events }),
  });
  let table = '';

  beforeAll(async () => {
    const io = captureIO();
    const code = await runScan(
      [join(dir, 't.json')],
      {
        config: join(dir, 'accounts.yaml'),
        rules: [join(dir, 'rules')],
        out: join(dir, 'out'),
        format: 'table',
        progress: false,
      },
      io as never,
    );
    expect(io.stderr()).toBe('');
    expect(code).toBe(0);
    table = io.stdout();
  });

  it('cuts long text with a plain …', () => {
    expect(table).not.toContain('[truncated');
    expect(table).toMatch(/CRITICAL +CloudTrail Stopped Or Otherwise Blinded[^\n]{20,}…\n/);
  });

  it('shows an exception reason whole, wrapped on lines of its own', () => {
    const at = table.indexOf('→ excepted:\n');
    expect(at).toBeGreaterThan(-1);
    const shown = table
      .slice(at + '→ excepted:\n'.length)
      .split('\n')
      .filter((l) => l.startsWith('          '))
      .map((l) => l.trim())
      .join(' ');
    expect(shown).toContain(reason);
    for (const line of table.split('\n')) expect(line.length).toBeLessThanOrEqual(120);
  });

  it('lists the alerts of an account in time order', () => {
    const times = [...table.matchAll(/^ {4}(2026-11-20 \d\d:\d\d:\d\d)/gm)].map((m) => m[1]);
    const payments = table.slice(table.indexOf('  payments-prod (444455556666)\n'));
    expect([...payments.matchAll(/^ {4}2026-11-20 (\d\d:\d\d)/gm)].map((m) => m[1])).toEqual([
      '10:01',
      '10:03',
      '10:05',
    ]);
    expect(times).toHaveLength(4);
  });

  it('labels an account the directory does not know as unknown', () => {
    expect(table).toContain('123837392027 (unknown account)');
    expect(table).not.toContain('123837392027 (123837392027)');
  });

  it('never prints an id twice for an account named by its id', () => {
    expect(accountLabel({ id: '123837392027', name: '123837392027', ouPath: '/', known: false })).toBe(
      '123837392027 (unknown account)',
    );
    expect(accountLabel({ id: '123837392027', name: '123837392027', ouPath: '/', known: true })).toBe(
      '123837392027',
    );
    expect(accountLabel({ id: '444455556666', name: 'payments-prod', ouPath: '/', known: true })).toBe(
      'payments-prod (444455556666)',
    );
  });
});
