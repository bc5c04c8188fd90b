/** The cold-start loader: shared while pending, kept once loaded, retried after a failure. */
import { lazyRetrying } from '../../src/runtime/lazy-retrying';

describe('lazyRetrying', () => {
  it('loads once for concurrent and later callers', async () => {
    let calls = 0;
    const lazy = lazyRetrying(async () => ++calls);
    expect(await Promise.all([lazy.get(), lazy.get()])).toEqual([1, 1]);
    expect(await lazy.get()).toBe(1);
    expect(calls).toBe(1);
  });

  it('loads again on the next call after a rejected load, and counts failures in a row', async () => {
    let calls = 0;
    const lazy = lazyRetrying(async () => {
      calls++;
      if (calls <= 2) throw new Error(`throttled ${calls}`);
      return 'rules';
    });
    await expect(lazy.get()).rejects.toThrow('throttled 1');
    await expect(lazy.get()).rejects.toThrow('throttled 2');
    expect(lazy.consecutiveFailures).toBe(2);
    expect(await lazy.get()).toBe('rules');
    expect(lazy.consecutiveFailures).toBe(0);
    expect(calls).toBe(3);
  });
});
