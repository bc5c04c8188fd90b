/**
 * `--since` / `--until`: a date (YYYY-MM-DD) is the whole day in UTC (since = its first
 * millisecond, until = its last), a date-time is an instant (UTC unless it names an offset).
 * The bounds come back as the text the analyzer compares with each record's eventTime.
 */

export interface TimeRange {
  since?: string;
  until?: string;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/i;
const DAY_MS = 24 * 60 * 60 * 1000;

/** The instant (ms) an option names, or an Error that says what was expected. */
export function parseInstant(label: string, value: string, end: 'start' | 'end'): number {
  const expected = () =>
    new Error(
      `${label}: expected a date (2026-11-20, the whole day in UTC) or a date-time (2026-11-20T10:00:00Z), got "${value}"`,
    );
  const text = value.trim();
  const date = DATE.exec(text);
  const dateTime = date ? undefined : DATE_TIME.exec(text);
  const parts = date ?? dateTime;
  if (!parts) throw expected();
  const [, y, m, d] = parts;
  const day = Date.UTC(Number(y), Number(m) - 1, Number(d));
  // Date.UTC rolls 2026-02-30 over into March; a date that does not round-trip does not exist.
  if (new Date(day).toISOString().slice(0, 10) !== `${y}-${m}-${d}`) throw expected();
  if (date) return end === 'end' ? day + DAY_MS - 1 : day;
  // Without an offset the time is UTC, like every time CloudTrail writes.
  const zoned = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(text) ? text : `${text}Z`;
  const t = Date.parse(zoned.replace(' ', 'T'));
  const [hh, mm, ss] = [dateTime![4], dateTime![5], dateTime![6] ?? '00'].map(Number);
  if (Number.isNaN(t) || hh > 23 || mm > 59 || ss > 59) throw expected();
  return t;
}

/**
 * Both bounds, checked against each other. The analyzer compares eventTime texts, and CloudTrail
 * writes them to the second (`2026-11-20T23:59:59Z`), which sorts after `…59.999Z`: so `until`
 * is given to the second (it includes its whole second: `…59Z` also sorts after every `…59.nnnZ`)
 * and `since` with milliseconds (`…00.000Z` sorts before both `…00Z` and `…00.000Z`).
 */
export function parseTimeRange(since: string | undefined, until: string | undefined): TimeRange {
  const from = since === undefined ? undefined : parseInstant('--since', since, 'start');
  const to = until === undefined ? undefined : parseInstant('--until', until, 'end');
  if (from !== undefined && to !== undefined && from > to)
    throw new Error(
      `--since ${since} (${new Date(from).toISOString()}) is after --until ${until} (${new Date(to).toISOString()}); ` +
        'expected since at or before until (a date alone is its whole day, so --since D --until D reads day D)',
    );
  return {
    ...(from !== undefined ? { since: new Date(from).toISOString() } : {}),
    ...(to !== undefined ? { until: `${new Date(to).toISOString().slice(0, 19)}Z` } : {}),
  };
}
