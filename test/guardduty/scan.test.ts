/**
 * `scan` reads GuardDuty findings from files, as the EventBridge event or a bare finding, in JSON
 * or JSON lines, beside CloudTrail files: the local replay shows what the processor would send. A
 * malformed finding is reported with its file and record, and the scan goes on.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runScan } from '../../bin/cli/scan';
import { DEV_ACCOUNT, envelope, finding, PROD_ACCOUNT } from './fixtures';

interface Line {
  outcome: string;
  destinations?: string[];
  alert: { level: string; rule: { title: string }; account: { id: string; name: string; ouPath: string } };
}

function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({ write: (c, _e, cb) => (chunks.push(String(c)), cb()) });
  return { stream, text: () => chunks.join('') };
}

describe('scan of GuardDuty findings', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ta-gd-scan-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function scanFiles(files: Record<string, string>) {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    const out = sink();
    const err = sink();
    const exit = await runScan(
      Object.keys(files).map((n) => join(dir, n)),
      { config: 'accounts.yaml', rules: ['rules'], out: join(dir, 'out'), format: 'ndjson', progress: false },
      { out: out.stream as never, err: err.stream as never },
    );
    const lines = out
      .text()
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Line);
    return { exit, lines, err: err.text() };
  }

  it('takes the EventBridge event and a bare finding, pretty-printed or as JSON lines', async () => {
    const prod = finding();
    const dev = finding({ id: '1111111111111111111111111111aaaa', accountId: DEV_ACCOUNT, severity: 5 });
    const third = finding({ id: '2222222222222222222222222222bbbb', severity: 8 });
    const { exit, lines, err } = await scanFiles({
      'event.json': JSON.stringify(envelope(prod), null, 2),
      'finding.json': JSON.stringify(dev, null, 2),
      'findings.ndjson': `${JSON.stringify(envelope(third, 'c0ffee00-0000-4000-8000-000000000001'))}\n${JSON.stringify(
        finding({ id: '3333333333333333333333333333cccc', severity: 4.5 }),
      )}\n`,
    });
    expect(err).not.toMatch(/error/i);
    expect(exit).toBe(0);
    expect(lines).toHaveLength(4);
    const byAccount = (id: string) => lines.filter((l) => l.alert.account.id === id);
    const [fromEvent] = byAccount(PROD_ACCOUNT).filter((l) => l.alert.level === 'high');
    expect(fromEvent.alert.account).toMatchObject({ name: 'payments-prod', ouPath: '/Workloads/Production' });
    expect(fromEvent.alert.rule.title).toBe('GuardDuty: UnauthorizedAccess:IAMUser/TorIPCaller');
    expect(fromEvent.outcome).toBe('sent');
    expect(fromEvent.destinations).toEqual(expect.arrayContaining(['soc-email', 'prod-pager']));
    const [fromDev] = byAccount(DEV_ACCOUNT);
    expect(fromDev.alert.account.ouPath).toBe('/Workloads/Development');
    expect(fromDev.destinations).toEqual(expect.arrayContaining(['soc-email', 'dev-chat']));
    // The outbox holds what each destination would receive.
    expect(readdirSync(join(dir, 'out')).length).toBeGreaterThanOrEqual(4);
  }, 60_000);

  it('reports a malformed finding with its file and record, and scans the rest', async () => {
    const { exit, lines, err } = await scanFiles({
      'bad.ndjson': `${JSON.stringify(finding({ severity: 'very' }))}\n${JSON.stringify(envelope(finding()))}\n`,
    });
    expect(err).toContain('bad.ndjson');
    expect(err).toContain('record 0');
    expect(err).toContain('severity: expected a number from 0 to 10');
    expect(lines).toHaveLength(1);
    expect(lines[0].outcome).toBe('sent');
    expect(exit).not.toBe(0);
  }, 60_000);
});
