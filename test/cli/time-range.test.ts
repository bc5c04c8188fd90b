/** `--since` / `--until`: a date is the whole day in UTC, a date-time an instant; since after until is refused. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { runScan } from '../../bin/cli/scan';
import { parseInstant, parseTimeRange } from '../../bin/cli/time-range';
import { captureIO, record, stopLoggingRule, tempTree } from './fixtures';

const cli = join(__dirname, '..', '..', 'bin', 'trailalerts.js');

describe('parseTimeRange', () => {
  it('takes a date as the whole day in UTC', () => {
    expect(parseInstant('--since', '2026-11-20', 'start')).toBe(Date.parse('2026-11-20T00:00:00.000Z'));
    expect(parseInstant('--until', '2026-11-20', 'end')).toBe(Date.parse('2026-11-20T23:59:59.999Z'));
  });

  it('takes a date-time as an instant, UTC unless it names an offset', () => {
    expect(parseInstant('--since', '2026-11-20T10:00', 'start')).toBe(Date.parse('2026-11-20T10:00:00Z'));
    expect(parseInstant('--until', '2026-11-20 10:00:00', 'end')).toBe(Date.parse('2026-11-20T10:00:00Z'));
    expect(parseInstant('--since', '2026-11-20T10:00:00+02:00', 'start')).toBe(
      Date.parse('2026-11-20T08:00:00Z'),
    );
    expect(parseInstant('--since', '2026-11-20T10:00:00.250Z', 'start')).toBe(
      Date.parse('2026-11-20T10:00:00.250Z'),
    );
  });

  it.each(['yesterday', '2026-02-30', '2026-11-20T24:00:00Z', '20261120', 'Nov 20 2026'])(
    'refuses %s, saying what it expected',
    (value) => {
      expect(() => parseInstant('--until', value, 'end')).toThrow(
        `--until: expected a date (2026-11-20, the whole day in UTC) or a date-time (2026-11-20T10:00:00Z), got "${value}"`,
      );
    },
  );

  it('refuses --since after --until, naming both instants', () => {
    expect(() => parseTimeRange('2026-11-21', '2026-11-20')).toThrow(
      '--since 2026-11-21 (2026-11-21T00:00:00.000Z) is after --until 2026-11-20 (2026-11-20T23:59:59.999Z)',
    );
    expect(parseTimeRange('2026-11-20T10:00:00Z', '2026-11-20T10:00:00Z')).toEqual({
      since: '2026-11-20T10:00:00.000Z',
      until: '2026-11-20T10:00:00Z',
    });
  });
});

describe('scan --since/--until', () => {
  const times = {
    before: '2026-11-19T23:59:59Z',
    first: '2026-11-20T00:00:00Z',
    firstMs: '2026-11-20T00:00:00.000Z',
    noon: '2026-11-20T12:00:00Z',
    last: '2026-11-20T23:59:59Z',
    lastMs: '2026-11-20T23:59:59.999Z',
    after: '2026-11-21T00:00:00Z',
  };
  const dir = tempTree({
    'rules/stop.yml': stopLoggingRule,
    't.json': JSON.stringify({
      Records: Object.entries(times).map(([id, eventTime]) =>
        record('StopLogging', { eventID: id, eventTime }),
      ),
    }),
  });

  async function scanned(since?: string, until?: string): Promise<{ ids: string[]; table: string }> {
    const run = (format: 'ndjson' | 'table') => {
      const io = captureIO();
      const opts = {
        rules: [join(dir, 'rules')],
        out: join(dir, 'out'),
        format,
        progress: false,
        since,
        until,
      };
      return runScan([join(dir, 't.json')], opts, io as never).then(() => io.stdout());
    };
    const lines = (await run('ndjson')).trim().split('\n').filter(Boolean);
    const ids = lines.map((l) => (JSON.parse(l) as { alert: { eventID: string } }).alert.eventID).sort();
    return { ids, table: await run('table') };
  }

  it('--since D --until D reads the whole day D, up to 23:59:59.999Z', async () => {
    const { ids, table } = await scanned('2026-11-20', '2026-11-20');
    expect(ids).toEqual(['first', 'firstMs', 'last', 'lastMs', 'noon']);
    expect(table).toContain('2 records outside --since/--until');
  });

  it('a date-time bound is an instant', async () => {
    expect((await scanned('2026-11-20T12:00:00Z')).ids).toEqual(['after', 'last', 'lastMs', 'noon']);
    expect((await scanned(undefined, '2026-11-20T00:00:00Z')).ids).toEqual(['before', 'first', 'firstMs']);
  });

  it('refuses --since after --until as a whole process, with a clear message and no stack trace', () => {
    const r = spawnSync(
      process.execPath,
      [cli, 'scan', 't.json', '--rules', 'rules', '--since', '2026-11-21', '--until', '2026-11-20'],
      { cwd: dir, encoding: 'utf8', timeout: 60_000 },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      'error: --since 2026-11-21 (2026-11-21T00:00:00.000Z) is after --until 2026-11-20',
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);
});
