/** In-memory state adapter: the same contract as DynamoDB, plus its bounds. */
import { MemoryStateStore } from '../../lambdas/alerts/state/memory-store';
import { clip, clipSummary, type CorrelationObservation } from '../../lambdas/alerts/state/store';

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
    got!.value.n = 99;
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
