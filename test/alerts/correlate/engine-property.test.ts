/**
 * Property test of the correlation engine against a brute-force oracle: for random event times,
 * random (out-of-order) arrival and redeliveries, event_count with gte N
 *  - fires at least once exactly when some window [t - span, t] holds N distinct events,
 *  - every hit's window really holds `value` >= N of the events that had arrived,
 *  - the windows of the hits of a group never overlap.
 */
import fc from 'fast-check';
import { CorrelationEngine } from '../../../src/alerts/correlate/engine';
import { MemoryStateStore } from '../../../src/alerts/state/memory-store';
import { correlation, rule } from './helpers';

const SPAN_MS = 10 * 60_000;
const BASE = Date.parse('2026-11-20T10:00:00Z');
const r = rule('r-prop', 'prop');

/** True when some inclusive window of SPAN_MS holds at least n of the times. */
function oracle(times: number[], n: number): boolean {
  const sorted = [...times].sort((a, b) => a - b);
  for (let i = 0; i + n - 1 < sorted.length; i++) if (sorted[i + n - 1] - sorted[i] <= SPAN_MS) return true;
  return false;
}

describe('event_count against a brute-force oracle', () => {
  it('holds for random times, arrival orders and redeliveries', async () => {
    await fc.assert(
      fc.asyncProperty(
        // Distinct events: a time offset in seconds over two hours.
        fc.uniqueArray(fc.integer({ min: 0, max: 7200 }), { minLength: 1, maxLength: 25 }),
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.nat(), { maxLength: 25 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        async (seconds, n, shuffleKeys, redeliveries) => {
          const events = seconds.map((s, i) => ({ id: `e${i}`, timeMs: BASE + s * 1000 }));
          // Arrival order: sort by random keys; then append a few redeliveries.
          const arrival = events
            .map((e, i) => ({ e, k: shuffleKeys[i] ?? i }))
            .sort((a, b) => a.k - b.k)
            .map((x) => x.e);
          for (const d of redeliveries) arrival.push(events[d % events.length]);

          const c = correlation('c-prop', 'event_count', ['prop'], { condition: { gte: n } });
          // Every event here is within the lateness allowance (beyond it, state may be gone by design).
          const engine = new CorrelationEngine([c], new MemoryStateStore(), { latenessMs: 3 * 3600_000 });
          const arrived = new Map<string, number>();
          const windows: { start: number; end: number }[] = [];
          for (const e of arrival) {
            arrived.set(e.id, e.timeMs);
            const record = {
              eventID: e.id,
              eventTime: new Date(e.timeMs).toISOString(),
              userIdentity: { arn: 'a' },
            };
            const hits = await engine.observe({ rule: r, record, accountId: '1' });
            expect(hits.length).toBeLessThanOrEqual(1);
            for (const hit of hits) {
              const end = Date.parse(hit.time);
              const start = end - SPAN_MS;
              const inWindow = [...arrived.values()].filter((t) => t >= start && t <= end).length;
              expect(hit.value).toBe(inWindow);
              expect(hit.value).toBeGreaterThanOrEqual(n);
              for (const w of windows) expect(start > w.end || end < w.start).toBe(true);
              windows.push({ start, end });
            }
          }
          expect(windows.length > 0).toBe(
            oracle(
              events.map((e) => e.timeMs),
              n,
            ),
          );
        },
      ),
      { numRuns: 200 },
    );
  });
});
