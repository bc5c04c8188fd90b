/** The delivery lease on an alert id: fresh, busy, resumed (released or expired), done. */
import { DELIVERY_LEASE_SECONDS, DeliveryLedger, leaseKey } from '../../src/alerts/delivery-lease';
import { MemoryStateStore } from '../../src/alerts/state/memory-store';

function setup() {
  let wall = Date.parse('2026-11-20T10:00:00Z');
  const now = () => new Date(wall);
  const store = new MemoryStateStore({ now });
  const ledger = new DeliveryLedger(store, { ttlSeconds: 14 * 24 * 3600, now });
  return { store, ledger, advance: (ms: number) => (wall += ms) };
}

async function held(ledger: DeliveryLedger, id: string) {
  const taken = await ledger.take(id);
  if (taken.state !== 'fresh' && taken.state !== 'resumed') throw new Error(`not taken: ${taken.state}`);
  return taken.lease;
}

describe('DeliveryLedger', () => {
  it('outlives the processor timeout (60 s) and ends before the matches queue redelivers (6 min)', () => {
    expect(DELIVERY_LEASE_SECONDS).toBeGreaterThan(60);
    expect(DELIVERY_LEASE_SECONDS).toBeLessThan(6 * 60);
  });

  it('takes a new id, says busy while the lease runs, and duplicate once done', async () => {
    const { ledger, advance } = setup();
    const lease = await held(ledger, 'a1');
    expect(lease).toMatchObject({ attempt: 1, resumed: false, expired: false });
    expect(await ledger.take('a1')).toEqual({ state: 'busy', untilMs: expect.any(Number) });
    advance(60_000);
    expect((await ledger.take('a1')).state).toBe('busy');
    await ledger.complete(lease);
    expect(await ledger.take('a1')).toEqual({ state: 'done' });
    // Done stays done past any lease.
    advance(DELIVERY_LEASE_SECONDS * 1000 * 10);
    expect(await ledger.take('a1')).toEqual({ state: 'done' });
  });

  it('a run that died: its lease runs out and the next run resumes it, counted as expired', async () => {
    const { ledger, advance } = setup();
    await held(ledger, 'a2');
    advance(DELIVERY_LEASE_SECONDS * 1000 - 1);
    expect((await ledger.take('a2')).state).toBe('busy');
    advance(1);
    const resumed = await held(ledger, 'a2');
    expect(resumed).toMatchObject({ attempt: 2, resumed: true, expired: true });
    // Held anew: a third run waits again.
    expect((await ledger.take('a2')).state).toBe('busy');
  });

  it('a released lease (a clean failure) is resumed at once, not counted as expired', async () => {
    const { ledger } = setup();
    await ledger.release(await held(ledger, 'a3'));
    expect(await held(ledger, 'a3')).toMatchObject({ attempt: 2, resumed: true, expired: false });
  });

  it('a stale holder can neither complete nor release a lease taken over from it', async () => {
    const { ledger, advance } = setup();
    const first = await held(ledger, 'a4');
    advance(DELIVERY_LEASE_SECONDS * 1000);
    const second = await held(ledger, 'a4');
    await ledger.release(first);
    await ledger.complete(first);
    expect((await ledger.take('a4')).state).toBe('busy');
    await ledger.complete(second);
    expect(await ledger.take('a4')).toEqual({ state: 'done' });
  });

  it('an id seen before leases existed (`{ seenAt }`) stays a duplicate', async () => {
    const { store, ledger } = setup();
    await store.putIfAbsent(leaseKey('old'), { seenAt: 1 }, Date.now() / 1000 + 3600 * 24 * 365 * 10);
    expect(await ledger.take('old')).toEqual({ state: 'done' });
  });

  it('exactly one of many concurrent runs takes an id', async () => {
    const { ledger } = setup();
    const results = await Promise.all(Array.from({ length: 10 }, () => ledger.take('same')));
    expect(results.filter((r) => r.state === 'fresh')).toHaveLength(1);
    expect(results.filter((r) => r.state === 'busy')).toHaveLength(9);
  });

  it('rejects a TTL that is not a positive number', () => {
    expect(() => new DeliveryLedger(new MemoryStateStore(), { ttlSeconds: 0 })).toThrow(/ttlSeconds/);
  });
});
