/** In-memory state adapter: the same contract as DynamoDB, plus its bounds. */
import { MemoryStateStore } from '../../src/alerts/state/memory-store';
import { clip, clipSummary, type CorrelationObservation } from '../../src/alerts/state/store';

const obs = (key: string, timeMs: number): CorrelationObservation => ({
  key,
  ruleIndex: 0,
  timeMs,
  events: [],
});

describe('MemoryStateStore', () => {
  it('compare-and-set and expiry', async () => {
    let now = new Date('2026-11-20T10:00:00Z');
    const s = new MemoryStateStore({ now: () => now });
    const sec = () => Math.floor(now.getTime() / 1000);
    expect(await s.putIfVersion('k', { n: 1 }, undefined, sec() + 10)).toBe(true);
    expect(await s.putIfVersion('k', { n: 2 }, 2, sec() + 10)).toBe(false);
    expect(await s.putIfVersion('k', { n: 2 }, 1, sec() + 10)).toBe(true);
    const got = await s.get('k');
    expect(got).toEqual({ value: { n: 2 }, version: 2 });
    // Read without copying, so a reader cannot change the store: the value is frozen.
    expect(() => {
      got!.value.n = 99;
    }).toThrow(TypeError);
    expect((await s.get('k'))?.value).toEqual({ n: 2 });
    now = new Date(now.getTime() + 10_000);
    expect(await s.get('k')).toBeUndefined();
    expect(await s.putIfAbsent('k', {}, sec() + 10)).toBe(true);
  });

  it('keeps observations sorted, dedupes, and drops those older than the retention', async () => {
    const s = new MemoryStateStore();
    expect(await s.addObservation('g', obs('b', 2000), 10_000, 0)).toBe(true);
    expect(await s.addObservation('g', obs('a', 1000), 10_000, 0)).toBe(true);
    expect(await s.addObservation('g', obs('a', 1000), 10_000, 0)).toBe(false);
    expect((await s.listObservations('g', 0, 5000, 10)).map((o) => o.key)).toEqual(['a', 'b']);
    expect(await s.addObservation('g', obs('c', 11_500), 10_000, 0)).toBe(true);
    expect((await s.listObservations('g', 0, 20_000, 10)).map((o) => o.key)).toEqual(['b', 'c']);
    expect((await s.listObservations('g', 0, 20_000, 1)).map((o) => o.key)).toEqual(['b']);
    expect(await s.listObservations('other', 0, 20_000, 10)).toEqual([]);
  });

  it('stores a frozen copy: what the caller adds or reads cannot change what is held', async () => {
    const s = new MemoryStateStore();
    const mine = { ...obs('a', 1000), events: [{ eventID: 'e1' }] };
    await s.addObservation('g', mine, 60_000);
    mine.events[0].eventID = 'changed';
    const [held] = await s.listObservations('g', 0, 2000, 10);
    expect(held.events[0].eventID).toBe('e1');
    expect(Object.isFrozen(held) && Object.isFrozen(held.events) && Object.isFrozen(held.events[0])).toBe(
      true,
    );
    expect(() => {
      (held.events[0] as { eventID?: string }).eventID = 'x';
    }).toThrow(TypeError);
  });

  it('lists a time range in order with its limit, and forgets dropped observations as duplicates', async () => {
    const s = new MemoryStateStore({ maxObservationsPerGroup: 3 });
    for (const t of [5, 1, 3, 2, 4]) await s.addObservation('g', obs(`k${t}`, t * 1000), 3_600_000);
    // The cap keeps the newest three: 3, 4, 5.
    expect((await s.listObservations('g', 0, 10_000, 10)).map((o) => o.timeMs)).toEqual([3000, 4000, 5000]);
    expect((await s.listObservations('g', 3500, 5000, 1)).map((o) => o.key)).toEqual(['k4']);
    expect(await s.listObservations('g', 6000, 9000, 10)).toEqual([]);
    expect(await s.addObservation('g', obs('k4', 4000), 3_600_000)).toBe(false);
    // k1 was dropped by the cap: seen again, it is stored again (then dropped again as the oldest).
    expect(await s.addObservation('g', obs('k1', 1000), 3_600_000)).toBe(true);
  });

  it('caps observations per group', async () => {
    const s = new MemoryStateStore({ maxObservationsPerGroup: 3 });
    for (let i = 0; i < 5; i++) await s.addObservation('g', obs(`k${i}`, i), 60_000, 0);
    expect((await s.listObservations('g', 0, 10, 10)).map((o) => o.key)).toEqual(['k2', 'k3', 'k4']);
  });

  it('claims non-overlapping windows only', async () => {
    const s = new MemoryStateStore();
    expect(await s.claimWindow('g', { startMs: 0, endMs: 10 }, 100, 0)).toBe(true);
    expect(await s.claimWindow('g', { startMs: 10, endMs: 20 }, 100, 0)).toBe(false);
    expect(await s.claimWindow('g', { startMs: 11, endMs: 21 }, 100, 0)).toBe(true);
    expect(await s.claimWindow('h', { startMs: 0, endMs: 10 }, 100, 0)).toBe(true);
    await s.releaseWindow('h', { startMs: 0, endMs: 10 });
    expect(await s.claimWindow('h', { startMs: 5, endMs: 15 }, 100, 0)).toBe(true);
  });
});

describe('MemoryStateStore due index', () => {
  it('lists what is due up to a time, oldest first, idempotent, without expired entries', async () => {
    const now = new Date('2026-11-20T10:00:00Z');
    const s = new MemoryStateStore({ now: () => now });
    const ttl = Math.floor(now.getTime() / 1000) + 60;
    await s.putDue({ key: 'b', dueAtMs: 2000 }, ttl);
    await s.putDue({ key: 'a', dueAtMs: 1000 }, ttl);
    await s.putDue({ key: 'a', dueAtMs: 1000 }, ttl);
    await s.putDue({ key: 'c', dueAtMs: 9000 }, ttl);
    await s.putDue({ key: 'gone', dueAtMs: 500 }, ttl - 120);
    expect(await s.listDue(5000, 10)).toEqual([
      { key: 'a', dueAtMs: 1000 },
      { key: 'b', dueAtMs: 2000 },
    ]);
    expect(await s.listDue(Number.MAX_SAFE_INTEGER, 1)).toEqual([{ key: 'a', dueAtMs: 1000 }]);
    await s.deleteDue({ key: 'a', dueAtMs: 1000 });
    expect((await s.listDue(Number.MAX_SAFE_INTEGER, 10)).map((d) => d.key)).toEqual(['b', 'c']);
  });
});

describe('clipping', () => {
  it('bounds stored text', () => {
    expect(clip('x'.repeat(1000))).toHaveLength(256);
    expect(clip('short')).toBe('short');
    expect(clipSummary({ eventName: 'y'.repeat(5000), eventID: 'id' })).toEqual({
      eventName: `${'y'.repeat(255)}…`,
      eventID: 'id',
    });
  });
});
