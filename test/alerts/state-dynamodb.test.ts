/** DynamoDB state adapter against dynalite (in-process, random port): conditional writes, TTL, races. */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoStateStore } from '../../src/alerts/state/dynamodb-store';
import { DeliveryLedger } from '../../src/alerts/delivery-lease';
import { MemoryStateStore } from '../../src/alerts/state/memory-store';
import type { Alert } from '../../src/alerts/alert';
import { Grouping, groupStateKey } from '../../src/alerts/grouping';
import { CorrelationEngine } from '../../src/alerts/correlate/engine';
import type { CorrelationObservation } from '../../src/alerts/state/store';
import { correlation, event, rule } from './correlate/helpers';
import { startStateTable, type LocalStateTable } from '../helpers/dynalite';

const TABLE = 'trailalerts-state';
let local: LocalStateTable;
let raw: DynamoDBClient;
let doc: DynamoDBDocumentClient;
let now = new Date('2026-11-20T10:00:00Z');
const clock = () => now;

beforeAll(async () => {
  local = await startStateTable(TABLE);
  raw = local.client;
  doc = DynamoDBDocumentClient.from(raw);
});

afterAll(async () => {
  await local?.close();
});

beforeEach(() => {
  now = new Date('2026-11-20T10:00:00Z');
});

const store = () => new DynamoStateStore({ client: doc, tableName: TABLE, now: clock });
const nowSec = () => Math.floor(now.getTime() / 1000);

describe('DynamoStateStore generic state', () => {
  it('putIfAbsent: first writer wins, an expired item counts as absent', async () => {
    const s = store();
    expect(await s.putIfAbsent('k1', { a: 1 }, nowSec() + 60)).toBe(true);
    expect(await s.putIfAbsent('k1', { a: 2 }, nowSec() + 60)).toBe(false);
    expect(await s.get('k1')).toEqual({ value: { a: 1 }, version: 1 });
    now = new Date(now.getTime() + 61_000);
    expect(await s.get('k1')).toBeUndefined();
    expect(await s.putIfAbsent('k1', { a: 3 }, nowSec() + 60)).toBe(true);
    expect((await s.get('k1'))?.value).toEqual({ a: 3 });
  });

  it('putIfVersion is a compare-and-set on the version', async () => {
    const s = store();
    expect(await s.putIfVersion('k2', { n: 1 }, undefined, nowSec() + 60)).toBe(true);
    expect(await s.putIfVersion('k2', { n: 2 }, undefined, nowSec() + 60)).toBe(false);
    expect(await s.putIfVersion('k2', { n: 2 }, 1, nowSec() + 60)).toBe(true);
    expect(await s.putIfVersion('k2', { n: 3 }, 1, nowSec() + 60)).toBe(false);
    expect(await s.get('k2')).toEqual({ value: { n: 2 }, version: 2 });
    await s.delete('k2');
    expect(await s.get('k2')).toBeUndefined();
  });

  it('writes the ttl attribute in epoch seconds and drops undefined members', async () => {
    const s = store();
    await s.putIfAbsent('k3', { a: 'x', b: undefined }, nowSec() + 90);
    const out = await doc.send(new GetCommand({ TableName: TABLE, Key: { pk: 'state#k3', sk: '-' } }));
    expect(out.Item).toEqual({ pk: 'state#k3', sk: '-', v: { a: 'x' }, ver: 1, ttl: nowSec() + 90 });
  });

  it('getMany reads more than one batch, leaving out absent and expired keys', async () => {
    const s = store();
    const keys = Array.from({ length: 130 }, (_, i) => `many-${i}`);
    for (const [i, key] of keys.entries()) await s.putIfAbsent(key, { i }, nowSec() + (i === 7 ? 5 : 600));
    now = new Date(now.getTime() + 10_000);
    const got = await s.getMany([...keys, 'many-absent', keys[3]]);
    expect(got.size).toBe(129);
    expect(got.has(keys[7])).toBe(false);
    expect(got.get(keys[129])).toEqual({ value: { i: 129 }, version: 1 });
  });

  it('race: two writers of the same key, exactly one wins', async () => {
    const a = store();
    const b = store();
    for (let round = 0; round < 5; round++) {
      const results = await Promise.all([
        a.putIfAbsent(`race-${round}`, { by: 'a' }, nowSec() + 60),
        b.putIfAbsent(`race-${round}`, { by: 'b' }, nowSec() + 60),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results[0] ? 'a' : 'b';
      expect((await a.get(`race-${round}`))?.value).toEqual({ by: winner });
    }
  });

  it('race: two compare-and-set writers on the same version, exactly one wins', async () => {
    const s = store();
    await s.putIfAbsent('cas', { n: 0 }, nowSec() + 60);
    const results = await Promise.all([
      s.putIfVersion('cas', { n: 'a' }, 1, nowSec() + 60),
      s.putIfVersion('cas', { n: 'b' }, 1, nowSec() + 60),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect((await s.get('cas'))?.version).toBe(2);
  });
});

describe('DynamoStateStore due index', () => {
  it('lists what is due up to a time, oldest first, across day partitions, without a scan', async () => {
    const s = store();
    const ttl = nowSec() + 3600;
    const yesterday = Date.parse('2026-11-19T23:59:00Z');
    const today = Date.parse('2026-11-20T09:00:00Z');
    const later = Date.parse('2026-11-20T11:00:00Z');
    await s.putDue({ key: 'group#b', dueAtMs: today }, ttl);
    await s.putDue({ key: 'group#a', dueAtMs: yesterday }, ttl);
    await s.putDue({ key: 'group#c', dueAtMs: later }, ttl);
    await s.putDue({ key: 'group#b', dueAtMs: today }, ttl);
    expect(await s.listDue(now.getTime(), 10)).toEqual([
      { key: 'group#a', dueAtMs: yesterday },
      { key: 'group#b', dueAtMs: today },
    ]);
    expect(await s.listDue(now.getTime(), 1)).toEqual([{ key: 'group#a', dueAtMs: yesterday }]);
    await s.deleteDue({ key: 'group#a', dueAtMs: yesterday });
    expect(await s.listDue(later, 10)).toEqual([
      { key: 'group#b', dueAtMs: today },
      { key: 'group#c', dueAtMs: later },
    ]);
    await s.deleteDue({ key: 'group#b', dueAtMs: today });
    await s.deleteDue({ key: 'group#c', dueAtMs: later });
  });

  it('an expired entry is not listed', async () => {
    const s = store();
    await s.putDue({ key: 'group#old', dueAtMs: now.getTime() - 1000 }, nowSec() - 1);
    expect(await s.listDue(now.getTime(), 10)).toEqual([]);
  });
});

describe('DynamoStateStore correlation state', () => {
  const obs = (key: string, timeMs: number, value?: string): CorrelationObservation => ({
    key,
    ruleIndex: 0,
    timeMs,
    value,
    events: [{ eventID: key, eventTime: new Date(timeMs).toISOString(), actor: undefined }],
  });

  it('stores observations once and lists them by time range, oldest first', async () => {
    const s = store();
    const base = Date.parse('2026-11-20T10:00:00Z');
    expect(await s.addObservation('g1', obs('b', base + 2000, '7'), 60_000, nowSec() + 600)).toBe(true);
    expect(await s.addObservation('g1', obs('a', base + 1000), 60_000, nowSec() + 600)).toBe(true);
    expect(await s.addObservation('g1', obs('a', base + 1000), 60_000, nowSec() + 600)).toBe(false);
    expect(await s.addObservation('g1', obs('c', base + 9000), 60_000, nowSec() + 600)).toBe(true);
    expect(await s.addObservation('g2', obs('z', base + 1500), 60_000, nowSec() + 600)).toBe(true);
    const listed = await s.listObservations('g1', base, base + 5000, 100);
    expect(listed.map((o) => o.key)).toEqual(['a', 'b']);
    expect(listed[1]).toEqual(obs('b', base + 2000, '7'));
    expect((await s.listObservations('g1', base, base + 9000, 2)).map((o) => o.key)).toEqual(['a', 'b']);
    expect((await s.listObservations('g1', base + 1000, base + 9000, 100)).map((o) => o.key)).toEqual([
      'a',
      'b',
      'c',
    ]);
  });

  it('counts like the memory store (scan): beyond the lateness allowance of the newest, an event is dropped', async () => {
    const dynamo = store();
    const memory = new MemoryStateStore({ now: clock });
    const base = Date.parse('2026-11-20T10:00:00Z');
    const retention = 40 * 60_000;
    // An early event, then one 100 minutes on (the first falls out), then two late ones: 65 min is
    // within the allowance of the newest (100 - 40), 55 min is not.
    const arrivals = [obs('e0', base), obs('e100', base + 100 * 60_000), obs('e65', base + 65 * 60_000)];
    arrivals.push(obs('e55', base + 55 * 60_000));
    for (const o of arrivals) {
      const added = await Promise.all([
        dynamo.addObservation('late', o, retention, nowSec() + 3600),
        memory.addObservation('late', o, retention, nowSec() + 3600),
      ]);
      expect(added[0]).toBe(added[1]);
    }
    const range = [base - 60_000, base + 120 * 60_000, 100] as const;
    const keys = async (st: typeof dynamo | typeof memory) =>
      (await st.listObservations('late', ...range)).map((o) => o.key);
    expect(await keys(dynamo)).toEqual(['e65', 'e100']);
    expect(await keys(dynamo)).toEqual(await keys(memory));
    // The late window [55 min, 65 min] counts one event in both, whatever TTL sweeping did.
    const late = [base + 55 * 60_000, base + 65 * 60_000, 100] as const;
    expect((await dynamo.listObservations('late', ...late)).length).toBe(
      (await memory.listObservations('late', ...late)).length,
    );
  });

  it('never lists an observation past its TTL, swept or not', async () => {
    const s = store();
    const base = Date.parse('2026-11-20T10:00:00Z');
    expect(await s.addObservation('ttl', obs('old', base), 3_600_000, nowSec() + 60)).toBe(true);
    expect(await s.addObservation('ttl', obs('new', base + 1000), 3_600_000, nowSec() + 600)).toBe(true);
    now = new Date(now.getTime() + 61_000);
    expect((await s.listObservations('ttl', base - 1000, base + 5000, 10)).map((o) => o.key)).toEqual([
      'new',
    ]);
    // Expired means absent: stored again as new.
    expect(await s.addObservation('ttl', obs('old', base), 3_600_000, nowSec() + 600)).toBe(true);
  });

  it('a window claimed by an observation is claimed again by that observation only, when reclaiming', async () => {
    const s = store();
    const ttl = nowSec() + 600;
    const w = { startMs: 0, endMs: 1000, by: 'obs-a' };
    expect(await s.claimWindow('re', w, 5000, ttl)).toBe(true);
    expect(await s.claimWindow('re', w, 5000, ttl)).toBe(false);
    expect(await s.claimWindow('re', w, 5000, ttl, true)).toBe(true);
    expect(await s.claimWindow('re', { ...w, by: 'obs-b' }, 5000, ttl, true)).toBe(false);
    expect(await s.claimWindow('re', { ...w, endMs: 1001 }, 5000, ttl, true)).toBe(false);
    const held = await doc.send(new GetCommand({ TableName: TABLE, Key: { pk: 'corr#re', sk: 'fired' } }));
    expect(held.Item?.w).toEqual([w]);
  });

  it('claims a window once, refuses overlapping windows, accepts a later disjoint one', async () => {
    const s = store();
    const ttl = nowSec() + 600;
    expect(await s.claimWindow('w1', { startMs: 0, endMs: 1000 }, 5000, ttl)).toBe(true);
    expect(await s.claimWindow('w1', { startMs: 500, endMs: 1500 }, 5000, ttl)).toBe(false);
    expect(await s.claimWindow('w1', { startMs: 1000, endMs: 2000 }, 5000, ttl)).toBe(false);
    expect(await s.claimWindow('w1', { startMs: 1001, endMs: 2001 }, 5000, ttl)).toBe(true);
  });

  it('releases a claimed window so that it can be claimed again', async () => {
    const s = store();
    const ttl = nowSec() + 600;
    expect(await s.claimWindow('rel', { startMs: 0, endMs: 1000 }, 5000, ttl)).toBe(true);
    expect(await s.claimWindow('rel', { startMs: 2000, endMs: 3000 }, 5000, ttl)).toBe(true);
    await s.releaseWindow('rel', { startMs: 0, endMs: 1000 });
    await s.releaseWindow('rel', { startMs: 7, endMs: 8 });
    await s.releaseWindow('never-claimed', { startMs: 0, endMs: 1000 });
    expect(await s.claimWindow('rel', { startMs: 0, endMs: 1000 }, 5000, ttl)).toBe(true);
    expect(await s.claimWindow('rel', { startMs: 2500, endMs: 3500 }, 5000, ttl)).toBe(false);
  });

  it('race: two processors claiming the same window, exactly one wins', async () => {
    const a = store();
    const b = store();
    const ttl = nowSec() + 600;
    for (let round = 0; round < 5; round++) {
      // Odd rounds start from an existing fired-windows item (the compare-and-set path).
      if (round % 2)
        expect(await a.claimWindow(`rw-${round}`, { startMs: -9000, endMs: -8000 }, 20_000, ttl)).toBe(true);
      const results = await Promise.all([
        a.claimWindow(`rw-${round}`, { startMs: 0, endMs: 1000 }, 20_000, ttl),
        b.claimWindow(`rw-${round}`, { startMs: 100, endMs: 1100 }, 20_000, ttl),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
    }
  });
});

describe('services on DynamoDB', () => {
  it('DeliveryLedger: one of two concurrent runs takes an id; done after it completes', async () => {
    const ledger = new DeliveryLedger(store(), { ttlSeconds: 3600, now: clock });
    const results = await Promise.all([ledger.take('alert-1'), ledger.take('alert-1')]);
    expect(results.map((r) => r.state).sort()).toEqual(['busy', 'fresh']);
    const held = results.find((r) => r.state === 'fresh');
    if (held?.state !== 'fresh') throw new Error('no lease');
    await ledger.complete(held.lease);
    expect(await ledger.take('alert-1')).toEqual({ state: 'done' });
  });

  it('Grouping lets one of two concurrent first alerts through, counts the repeat and carries it', async () => {
    const grouping = new Grouping(store(), { now: clock });
    const key = { ruleId: 'r', accountId: '111122223333', actorId: 'alice' };
    const results = await Promise.all([
      grouping.decide(key, groupAlert('g1', '2026-11-20T10:00:00Z', 'trail-a'), 600),
      grouping.decide(key, groupAlert('g2', '2026-11-20T10:00:01Z', 'trail-a'), 600),
    ]);
    expect(results.map((r) => r.kind).sort()).toEqual(['repeat', 'send']);
    const next = await grouping.decide(key, groupAlert('g3', '2026-11-20T10:30:00Z', 'trail-a'), 600);
    expect(next.kind === 'send' && next.carried?.digest).toMatchObject({ repeats: 1, entries: [] });
  });

  it('Grouping on DynamoDB: a digest is found through the due index and sent once, after its window', async () => {
    const grouping = new Grouping(store(), { now: clock, graceSeconds: 60 });
    const key = { ruleId: 'r-due', accountId: '111122223333', actorId: 'terraform' };
    await grouping.decide(key, groupAlert('d0', '2026-11-20T10:00:00Z', 'route 0'), 600);
    for (let i = 1; i <= 3; i++)
      await grouping.decide(key, groupAlert(`d${i}`, `2026-11-20T10:00:0${i}Z`, `route ${i}`), 600);
    // The table is shared by the suite: only this key's entries count.
    const mine = async () =>
      (await grouping.due(now.getTime(), 100)).filter((d) => d.key === groupStateKey(key));
    expect(await mine()).toEqual([]);
    now = new Date('2026-11-20T10:11:00Z');
    const due = await mine();
    expect(due).toEqual([{ key: groupStateKey(key), dueAtMs: Date.parse('2026-11-20T10:11:00Z') }]);
    const [a, b] = await Promise.all([grouping.claimDue(due[0]), grouping.claimDue(due[0])]);
    const claimed = [...a, ...b];
    expect(claimed).toHaveLength(1);
    expect(claimed[0].digest.entries.map((e) => e.alertId)).toEqual(['d1', 'd2', 'd3']);
    await grouping.settle(claimed[0], true);
    await grouping.forgetDue(due[0]);
    now = new Date('2026-11-20T10:20:00Z');
    // The lease's own entry (a crash guard) finds nothing left to send.
    for (const item of await mine()) expect(await grouping.claimDue(item)).toEqual([]);
  });

  it('CorrelationEngine fires once on DynamoDB state, also with a redelivered event', async () => {
    const failed = rule('r-dyn', 'dyn_failed');
    const c = correlation('c-dyn', 'event_count', ['dyn_failed'], { condition: { gte: 3 } });
    const engine = new CorrelationEngine([c], store(), { now: clock });
    const e0 = event(0);
    const fired: number[] = [];
    const seq = [e0, { ...e0 }, event(1), event(2), event(3)];
    for (const [i, record] of seq.entries()) {
      const hits = await engine.observe({ rule: failed, record, accountId: '111122223333' });
      if (hits.length) fired.push(i);
    }
    expect(fired).toEqual([3]);
  });

  it('two processors observing one burst concurrently raise exactly one hit', async () => {
    const failed = rule('r-dyn2', 'dyn_failed2');
    const c = correlation('c-dyn2', 'event_count', ['dyn_failed2'], { condition: { gte: 4 } });
    for (let round = 0; round < 3; round++) {
      const user = { userIdentity: { arn: `arn:aws:iam::111122223333:user/u${round}` } };
      const a = new CorrelationEngine([c], store(), { now: clock });
      const b = new CorrelationEngine([c], store(), { now: clock });
      const events = [0, 1, 2, 3, 4, 5].map((m) => event(m, user));
      const feed = async (engine: CorrelationEngine, records: typeof events) => {
        let n = 0;
        for (const record of records)
          n += (await engine.observe({ rule: failed, record, accountId: '111122223333' })).length;
        return n;
      };
      const counts = await Promise.all([
        feed(
          a,
          events.filter((_, i) => i % 2 === 0),
        ),
        feed(
          b,
          events.filter((_, i) => i % 2 === 1),
        ),
      ]);
      expect(counts[0] + counts[1]).toBe(1);
    }
  });
});

function groupAlert(id: string, time: string, target: string): Alert {
  return {
    id,
    kind: 'event',
    rule: {
      id: 'r',
      title: 'R',
      level: 'medium',
      tags: [],
      references: [],
      falsepositives: [],
      file: 'r.yml',
      line: 1,
    },
    level: 'medium',
    time,
    account: { id: '111122223333', name: 'prod', ouPath: '/', known: true },
    actor: { type: 'IAMUser', id: 'alice', identifiers: ['alice'], display: 'alice' },
    eventID: `ev-${id}`,
    eventName: 'CreateRoute',
    event: { eventID: `ev-${id}` },
    target: { key: target, label: target },
  };
}
