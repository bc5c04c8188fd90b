/**
 * Grouping per (rule, account, actor): exact repeats counted, other targets folded into a digest
 * (or alone at high), digests carried or flushed when due, and retries answered the same.
 */
import type { Alert } from '../../src/alerts/alert';
import { Grouping, groupStateKey, type GroupKey } from '../../src/alerts/grouping';
import { MAX_DIGEST_ENTRIES } from '../../src/alerts/grouping-state';
import { MemoryStateStore } from '../../src/alerts/state/memory-store';
import type { DueIndex, StateStore } from '../../src/alerts/state/store';
import type { Level } from '../../src/core';

const key: GroupKey = {
  ruleId: 'rule-1',
  accountId: '111122223333',
  actorId: 'arn:aws:iam::111122223333:user/tf',
};
const T0 = Date.parse('2026-11-20T10:00:00Z');
const t = (minute: number) => new Date(T0 + minute * 60_000).toISOString();

/** Just what grouping reads: id, time, level, target, event id and name. */
function alert(id: string, minute: number, target: string, level: Level = 'medium'): Alert {
  return {
    id,
    kind: 'event',
    rule: {
      id: key.ruleId,
      title: 'Route Changed',
      level,
      tags: [],
      references: [],
      falsepositives: [],
      file: 'r.yml',
      line: 1,
    },
    level,
    time: t(minute),
    account: { id: key.accountId, name: 'prod', ouPath: '/', known: true },
    actor: { type: 'IAMUser', id: key.actorId, identifiers: [key.actorId], display: 'user/tf' },
    eventName: 'CreateRoute',
    eventID: `ev-${id}`,
    event: { eventID: `ev-${id}`, eventName: 'CreateRoute' },
    target: { key: `CreateRoute ${target}`, label: target },
  };
}

function setup(startWall = T0) {
  let wall = startWall;
  const now = () => new Date(wall);
  const store = new MemoryStateStore({ now });
  const grouping = new Grouping(store, { now, graceSeconds: 300, leaseSeconds: 60 });
  return { grouping, store, advance: (minutes: number) => (wall += minutes * 60_000), now };
}

describe('Grouping', () => {
  it('sends the first alert, counts exact repeats, and the next alert carries the count', async () => {
    const { grouping } = setup();
    expect(await grouping.decide(key, alert('a1', 0, 'rtb-1 10.0.0.0/24'), 900)).toEqual({ kind: 'send' });
    expect(await grouping.decide(key, alert('a2', 3, 'rtb-1 10.0.0.0/24'), 900)).toEqual({
      kind: 'repeat',
      until: t(15),
    });
    expect(await grouping.decide(key, alert('a3', 4, 'rtb-1 10.0.0.0/24'), 900)).toMatchObject({
      kind: 'repeat',
    });
    const next = await grouping.decide(key, alert('a4', 20, 'rtb-1 10.0.0.0/24'), 900);
    expect(next.kind).toBe('send');
    const carried = next.kind === 'send' ? next.carried?.digest : undefined;
    expect(carried).toMatchObject({
      entries: [],
      repeats: 2,
      sinceMs: T0 + 3 * 60_000,
      untilMs: T0 + 4 * 60_000,
    });
  });

  it('folds other targets below high into one digest that lists each with time and event id', async () => {
    const { grouping } = setup();
    expect((await grouping.decide(key, alert('r0', 0, 'route 0'), 900)).kind).toBe('send');
    for (let i = 1; i < 30; i++)
      expect(await grouping.decide(key, alert(`r${i}`, i * 0.1, `route ${i}`), 900)).toEqual({
        kind: 'fold',
      });
    const carrier = await grouping.decide(key, alert('late', 30, 'route 0'), 900);
    expect(carrier.kind).toBe('send');
    const digest = carrier.kind === 'send' ? carrier.carried!.digest : undefined;
    expect(digest?.entries).toHaveLength(29);
    expect(digest?.entries[0]).toEqual({
      time: t(0.1),
      eventID: 'ev-r1',
      eventName: 'CreateRoute',
      target: 'route 1',
      alertId: 'r1',
    });
    expect(digest?.entries.map((e) => e.target)).toEqual(
      Array.from({ length: 29 }, (_, i) => `route ${i + 1}`),
    );
  });

  it('sends another target at high or critical alone, at once, carrying the open digest', async () => {
    const { grouping } = setup();
    await grouping.decide(key, alert('p443', 0, 'sg-1 tcp 443 from 0.0.0.0/0'), 900);
    expect(await grouping.decide(key, alert('low', 0.02, 'sg-1 tcp 8080 from 10.0.0.0/8'), 900)).toEqual({
      kind: 'fold',
    });
    const p22 = await grouping.decide(key, alert('p22', 0.05, 'sg-1 tcp 22 from 0.0.0.0/0', 'high'), 900);
    expect(p22.kind).toBe('send');
    expect(p22.kind === 'send' && p22.carried?.digest.entries.map((e) => e.alertId)).toEqual(['low']);
    const crit = await grouping.decide(key, alert('p3389', 0.1, 'sg-1 tcp 3389', 'critical'), 900);
    expect(crit).toEqual({ kind: 'send' });
    // The high alert's target is now known: its exact repeat is counted.
    expect(
      (await grouping.decide(key, alert('p22b', 1, 'sg-1 tcp 22 from 0.0.0.0/0', 'high'), 900)).kind,
    ).toBe('repeat');
  });

  it('opens a new window outside the old one (either side), and sends everything with window 0', async () => {
    const { grouping } = setup();
    await grouping.decide(key, alert('w1', 30, 'x'), 600);
    expect((await grouping.decide(key, alert('w2', 25, 'x'), 600)).kind).toBe('repeat');
    expect((await grouping.decide(key, alert('w3', 5, 'x'), 600)).kind).toBe('send');
    expect((await grouping.decide(key, alert('w4', 41, 'x'), 600)).kind).toBe('send');
    for (let i = 0; i < 3; i++)
      expect(await grouping.decide(key, alert(`z${i}`, 0, 'x'), 0)).toEqual({ kind: 'send' });
  });

  it('keys on rule, account and actor separately', async () => {
    const { grouping } = setup();
    await grouping.decide(key, alert('k1', 0, 'x'), 600);
    for (const other of [
      { ...key, ruleId: 'rule-2' },
      { ...key, accountId: '444455556666' },
      { ...key, actorId: 'bob' },
    ])
      expect(
        (await grouping.decide(other, alert(`k-${other.ruleId}-${other.actorId}`, 1, 'x'), 600)).kind,
      ).toBe('send');
    expect((await grouping.decide(key, alert('k5', 1, 'x'), 600)).kind).toBe('repeat');
  });

  it('flushes a digest once its window closed (plus grace), not before, and only once', async () => {
    const { grouping, advance } = setup();
    await grouping.decide(key, alert('f0', 0, 'a'), 600);
    await grouping.decide(key, alert('f1', 1, 'b'), 600);
    await grouping.decide(key, alert('f2', 2, 'c'), 600);
    advance(14);
    expect(await grouping.due(T0 + 14 * 60_000, 10)).toEqual([]);
    advance(1);
    const due = await grouping.due(T0 + 15 * 60_000, 10);
    expect(due).toEqual([{ key: groupStateKey(key), dueAtMs: T0 + 15 * 60_000 }]);
    const [claimed, ...none] = await grouping.claimDue(due[0]);
    expect(none).toEqual([]);
    expect(claimed.key).toEqual(key);
    expect(claimed.digest.entries.map((e) => e.alertId)).toEqual(['f1', 'f2']);
    expect(claimed.digest.base?.id).toBe('f1');
    // Leased: a concurrent flush finds nothing to take.
    expect(await grouping.claimDue(due[0])).toEqual([]);
    await grouping.settle(claimed, true);
    await grouping.forgetDue(due[0]);
    advance(60);
    for (const item of await grouping.due(T0 + 80 * 60_000, 10))
      expect(await grouping.claimDue(item)).toEqual([]);
  });

  it('a failed send is due again at once, with the same digest, and is sent after its lease by a flush', async () => {
    const { grouping, advance } = setup();
    await grouping.decide(key, alert('s0', 0, 'a'), 600);
    await grouping.decide(key, alert('s1', 1, 'b'), 600);
    const carrier = await grouping.decide(key, alert('s2', 2, 'c', 'high'), 600);
    const carried = carrier.kind === 'send' ? carrier.carried! : undefined;
    expect(carried?.digest.entries.map((e) => e.alertId)).toEqual(['s1']);
    await grouping.settle(carried!, false);
    advance(0.001);
    const due = await grouping.due(T0 + 60, 10);
    expect(due.length).toBeGreaterThan(0);
    const again = await grouping.claimDue(due[0]);
    expect(again.map((c) => c.digest.id)).toEqual([carried!.digest.id]);
    advance(0.5);
    expect((await grouping.claimDue(due[0])).length).toBe(0);
    advance(1);
    expect((await grouping.claimDue(due[0])).map((c) => c.digest.id)).toEqual([carried!.digest.id]);
  });

  it('answers a retried alert as the first time: same carried digest, nothing counted twice', async () => {
    const { grouping } = setup();
    await grouping.decide(key, alert('q0', 0, 'a'), 600);
    expect((await grouping.decide(key, alert('q1', 1, 'a'), 600)).kind).toBe('repeat');
    expect((await grouping.decide(key, alert('q1', 1, 'a'), 600)).kind).toBe('repeat');
    expect(await grouping.decide(key, alert('q2', 2, 'b'), 600)).toEqual({ kind: 'fold' });
    expect(await grouping.decide(key, alert('q2', 2, 'b'), 600)).toEqual({ kind: 'fold' });
    const first = await grouping.decide(key, alert('q3', 3, 'c', 'high'), 600);
    const carried = first.kind === 'send' ? first.carried! : undefined;
    expect(carried?.digest).toMatchObject({
      repeats: 1,
      entries: [expect.objectContaining({ alertId: 'q2' })],
    });
    await grouping.settle(carried!, false);
    const retry = await grouping.decide(key, alert('q3', 3, 'c', 'high'), 600);
    expect(retry.kind === 'send' && retry.carried?.digest).toEqual({
      ...carried!.digest,
      lease: expect.anything(),
    });
    await grouping.settle(retry.kind === 'send' ? retry.carried! : carried!, true);
    const later = await grouping.decide(key, alert('q4', 30, 'a'), 600);
    expect(later).toEqual({ kind: 'send' });
  });

  it('sends a digest on its own when it fills up, and keeps folding into a new one', async () => {
    const { grouping } = setup();
    await grouping.decide(key, alert('m0', 0, 'first'), 3600);
    let full;
    for (let i = 1; i <= MAX_DIGEST_ENTRIES; i++) {
      const d = await grouping.decide(key, alert(`m${i}`, i * 0.01, `target ${i}`), 3600);
      expect(d.kind).toBe('fold');
      if (d.kind === 'fold' && d.full) full = { at: i, digest: d.full.digest };
    }
    expect(full?.at).toBe(MAX_DIGEST_ENTRIES);
    expect(full?.digest.entries).toHaveLength(MAX_DIGEST_ENTRIES);
    expect(await grouping.decide(key, alert('m-next', 2, 'target next'), 3600)).toEqual({ kind: 'fold' });
  });

  it('lets exactly one of concurrent first alerts through and counts or folds the others', async () => {
    const { grouping } = setup();
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        grouping.decide(key, alert(`c${i}`, i * 0.1, i < 4 ? 'same' : `other ${i}`), 600),
      ),
    );
    expect(results.filter((r) => r.kind === 'send')).toHaveLength(1);
  });

  it('retries a lost conditional write, and names the rule when conflicts never end', async () => {
    const store = new MemoryStateStore();
    let conflicts = 1;
    const flaky: StateStore & DueIndex = Object.assign(Object.create(store) as MemoryStateStore, {
      putIfVersion: async (...a: Parameters<MemoryStateStore['putIfVersion']>) =>
        conflicts-- > 0 ? false : store.putIfVersion(...a),
    });
    const grouping = new Grouping(flaky);
    expect((await grouping.decide(key, alert('l0', 0, 'x'), 600)).kind).toBe('send');
    expect((await grouping.decide(key, alert('l1', 1, 'x'), 600)).kind).toBe('repeat');
    const stuck = Object.assign(Object.create(store) as MemoryStateStore, {
      putIfVersion: async () => false,
    });
    await expect(new Grouping(stuck).decide(key, alert('l2', 0, 'y'), 600)).rejects.toThrow(
      /grouping for rule rule-1: gave up/,
    );
  });

  it('treats an unreadable event time as now', async () => {
    const { grouping } = setup();
    expect((await grouping.decide(key, { ...alert('u0', 0, 'x'), time: 'not a time' }, 600)).kind).toBe(
      'send',
    );
    expect((await grouping.decide(key, alert('u1', 1, 'x'), 600)).kind).toBe('repeat');
  });

  it('ignores a stored item of another shape (it is overwritten on its version)', async () => {
    const { grouping, store } = setup();
    await store.putIfAbsent(groupStateKey(key), { lastAlertMs: 'garbage' }, Math.floor(T0 / 1000) + 600);
    expect((await grouping.decide(key, alert('g0', 0, 'x'), 600)).kind).toBe('send');
    expect((await grouping.decide(key, alert('g1', 1, 'x'), 600)).kind).toBe('repeat');
  });

  it('keeps the head small however many targets a window sees, and forgets none of them', async () => {
    const { grouping, store } = setup();
    await grouping.decide(key, alert('h0', 0, 'first'), 3600);
    for (let i = 1; i <= 1500; i++)
      await grouping.decide(key, alert(`h${i}`, 1, `bucket ${i}`, 'high'), 3600);
    for (let i = 1; i <= 60; i++) await grouping.decide(key, alert(`l${i}`, 2, `object ${i}`), 3600);
    const head = await store.get(groupStateKey(key));
    expect(JSON.stringify(head?.value).length).toBeLessThan(4096);
    // The first target of 1,500 is still known: its exact repeat is counted, not sent again.
    expect((await grouping.decide(key, alert('again', 3, 'bucket 1', 'high'), 3600)).kind).toBe('repeat');
    const carrier = await grouping.decide(key, alert('next', 4, 'bucket new', 'high'), 3600);
    const carried = carrier.kind === 'send' ? carrier.carried?.digest : undefined;
    expect(carried?.entries).toHaveLength(60);
    expect(carried?.repeats).toBe(1);
    expect(carried?.base?.id).toBe('l1');
  });

  it('a run that died between the target and the head is answered the same on retry, listed once', async () => {
    const store = new MemoryStateStore({ now: () => new Date(T0) });
    let failing = false;
    const dying: StateStore & DueIndex = Object.assign(Object.create(store) as MemoryStateStore, {
      putIfVersion: async (...a: Parameters<MemoryStateStore['putIfVersion']>) => {
        if (failing) throw new Error('connection reset');
        return store.putIfVersion(...a);
      },
    });
    const grouping = new Grouping(dying, { now: () => new Date(T0) });
    await grouping.decide(key, alert('d0', 0, 'a'), 600);
    failing = true;
    await expect(grouping.decide(key, alert('d1', 1, 'b'), 600)).rejects.toThrow(/connection reset/);
    failing = false;
    expect(await grouping.decide(key, alert('d1', 1, 'b'), 600)).toEqual({ kind: 'fold' });
    expect(await grouping.decide(key, alert('d1', 1, 'b'), 600)).toEqual({ kind: 'fold' });
    const carrier = await grouping.decide(key, alert('d2', 2, 'c', 'high'), 600);
    expect(carrier.kind === 'send' && carrier.carried?.digest.entries.map((e) => e.alertId)).toEqual(['d1']);
  });
});
