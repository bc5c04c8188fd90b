/** Dedupe: alert ids and the first-seen check. */
import { Deduper, eventAlertId } from '../../lambdas/alerts/dedupe';
import { MemoryStateStore } from '../../lambdas/alerts/state/memory-store';

describe('eventAlertId', () => {
  it('is a stable truncated sha256 hex of rule id and event id', () => {
    const id = eventAlertId('rule-1', 'event-1');
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(eventAlertId('rule-1', 'event-1')).toBe(id);
    expect(eventAlertId('rule-2', 'event-1')).not.toBe(id);
    expect(eventAlertId('rule-1', 'event-2')).not.toBe(id);
  });

  it('does not confuse a shifted boundary between rule id and event id', () => {
    expect(eventAlertId('ab', 'c')).not.toBe(eventAlertId('a', 'bc'));
  });
});

describe('Deduper', () => {
  it('says first seen once, then duplicate', async () => {
    const deduper = new Deduper(new MemoryStateStore(), 3600);
    const id = eventAlertId('rule-1', 'event-1');
    expect(await deduper.firstSeen(id)).toBe(true);
    expect(await deduper.firstSeen(id)).toBe(false);
    expect(await deduper.firstSeen(eventAlertId('rule-1', 'event-2'))).toBe(true);
  });

  it('forgets an id after its TTL and after release', async () => {
    let now = new Date('2026-11-20T10:00:00Z');
    const clock = () => now;
    const deduper = new Deduper(new MemoryStateStore({ now: clock }), 60, clock);
    expect(await deduper.firstSeen('x')).toBe(true);
    now = new Date('2026-11-20T10:00:59Z');
    expect(await deduper.firstSeen('x')).toBe(false);
    now = new Date('2026-11-20T10:01:00Z');
    expect(await deduper.firstSeen('x')).toBe(true);
    await deduper.release('x');
    expect(await deduper.firstSeen('x')).toBe(true);
  });

  it('lets exactly one of many concurrent callers through', async () => {
    const deduper = new Deduper(new MemoryStateStore(), 3600);
    const results = await Promise.all(Array.from({ length: 10 }, () => deduper.firstSeen('same')));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('rejects a TTL that is not a positive number', () => {
    expect(() => new Deduper(new MemoryStateStore(), 0)).toThrow(/ttlSeconds must be a positive number/);
  });
});
