/**
 * The main job end to end: the example organization trail through `scan` with the repository's
 * accounts.yaml and rules. Pins the story the demo tells (README, "What the demo shows").
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runScan } from '../../bin/cli/scan';
import { writeExamples } from '../../scripts/generate-examples';

interface Line {
  outcome: string;
  destinations?: string[];
  exception?: string;
  alert: {
    kind: string;
    level: string;
    rule: { title: string };
    account: { id: string; name: string; ouPath: string };
    actor: string;
    eventName?: string;
  };
}

function sink(): { stream: Writable & { isTTY?: boolean }; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({ write: (c, _e, cb) => (chunks.push(String(c)), cb()) });
  return { stream, text: () => chunks.join('') };
}

describe('scan of the example organization trail', () => {
  let dir: string;
  let lines: Line[];
  let table: string;
  let exit: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ta-demo-'));
    writeExamples(join(dir, 'examples'));
    const out = sink();
    const err = sink();
    exit = await runScan(
      [join(dir, 'examples')],
      { config: 'accounts.yaml', rules: ['rules'], out: join(dir, 'out'), format: 'ndjson', progress: false },
      { out: out.stream as never, err: err.stream as never },
    );
    lines = out
      .text()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Line);
    const out2 = sink();
    await runScan(
      [join(dir, 'examples')],
      { config: 'accounts.yaml', rules: ['rules'], out: join(dir, 'out2'), format: 'table', progress: false },
      { out: out2.stream as never, err: sink().stream as never },
    );
    table = out2.text();
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const sent = (title: RegExp, account?: string) =>
    lines.filter(
      (l) =>
        l.outcome === 'sent' &&
        title.test(l.alert.rule.title) &&
        (!account || l.alert.account.id === account),
    );

  it('exits 0 and writes every notification to the outbox', () => {
    expect(exit).toBe(0);
    const files = readdirSync(join(dir, 'out'));
    const notifications = lines
      .filter((l) => l.outcome === 'sent')
      .reduce((n, l) => n + (l.destinations?.length ?? 0), 0);
    // One file per (alert, destination): what that destination would receive.
    expect(files).toHaveLength(notifications);
  });

  it('alerts on the attack in production with account names and OU paths', () => {
    const stop = sent(/logging stopped/i, '444455556666');
    expect(stop).toHaveLength(1);
    expect(stop[0].alert.account).toMatchObject({ name: 'payments-prod', ouPath: '/Workloads/Production' });
    expect(stop[0].destinations).toContain('prod-pager');
    expect(stop[0].alert.actor).toMatch(/OrganizationAccountAccessRole/);
    expect(sent(/administratoraccess/i, '444455556666').length).toBeGreaterThanOrEqual(1);
  });

  it('raises correlation alerts: brute force, admin user with key, secret harvesting', () => {
    const correlations = lines.filter((l) => l.outcome === 'sent' && l.alert.kind === 'correlation');
    const titles = correlations.map((l) => l.alert.rule.title).join('\n');
    expect(titles).toMatch(/brute force/i);
    expect(titles).toMatch(/secret/i);
    expect(correlations.length).toBeGreaterThanOrEqual(3);
  });

  it('excepts the break-glass action and says which exception stopped it', () => {
    const excepted = lines.filter((l) => l.outcome === 'excepted');
    expect(excepted.length).toBeGreaterThanOrEqual(1);
    for (const e of excepted) {
      expect(e.alert.account.id).toBe('111111111111');
      expect(e.exception).toMatch(/accounts\.yaml:\d+/);
      expect(e.exception).toMatch(/Break-glass/);
    }
  });

  it('suppresses the repeated AccessDenied by cooldown and routes the sandbox under its own rule set', () => {
    const denied = lines.filter(
      (l) => l.alert.account.id === '555566667777' && /denied|unauthori/i.test(l.alert.rule.title),
    );
    expect(denied.filter((l) => l.outcome === 'sent')).toHaveLength(1);
    expect(denied.filter((l) => l.outcome === 'suppressed').length).toBeGreaterThanOrEqual(10);
    const sandbox = lines.filter((l) => l.alert.account.id === '777788889999');
    expect(sandbox.every((l) => ['high', 'critical'].includes(l.alert.level))).toBe(true);
    expect(sandbox.filter((l) => l.outcome === 'sent').flatMap((l) => l.destinations)).toContain('dev-chat');
  });

  it('folds the secrets read one by one into one digest that names each, never suppressed', () => {
    const reads = lines.filter(
      (l) => l.alert.account.id === '666677778888' && /value retrieved/i.test(l.alert.rule.title),
    );
    // The first read alone, then one digest of the twelve other secrets (both low: no route in production).
    expect(reads.map((l) => l.outcome)).toEqual(['unrouted', 'unrouted']);
    expect(table).toMatch(/Secret Value Retrieved \[digest: 12 targets\]/);
    expect(table).toMatch(/GetSecretValue {2}secret prod\/api\/stripe/);
  });

  it('prints a table grouped by OU and account with the counts', () => {
    expect(table).toMatch(/OU\s+account\s+alerts\s+excepted\s+suppressed\s+unrouted/);
    expect(table).toMatch(/\/Workloads\/Production\s+payments-prod \(444455556666\)/);
    expect(table).toMatch(
      /→ \d+ alerts sent, \d+ folded into \d+ digests?, \d+ excepted, \d+ exact repeats suppressed/,
    );
  });

  it('renders inert emails: the rendered messages carry no script', () => {
    const emails = readdirSync(join(dir, 'out')).filter((f) => f.endsWith('.eml'));
    expect(emails.length).toBeGreaterThan(0);
    for (const f of emails) expect(readFileSync(join(dir, 'out', f), 'utf8')).not.toMatch(/<script/i);
  });

  it('--fail-on: exit 4 when an alert at or above the level fired, 0 when none did', async () => {
    const run = (level: 'critical' | 'high', since?: string) =>
      runScan(
        [join(dir, 'examples')],
        {
          config: 'accounts.yaml',
          rules: ['rules'],
          out: join(dir, 'out3'),
          format: 'ndjson',
          progress: false,
          failOn: level,
          since,
        },
        { out: sink().stream as never, err: sink().stream as never },
      );
    expect(await run('critical')).toBe(4);
    // Before the attack (after 12:00 only noise and the covered break-glass action): nothing at high.
    expect(await run('high', '2026-11-20T12:00:00Z')).toBe(0);
  });
});
