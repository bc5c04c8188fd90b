/** Correlation engine: event sequences in, expected hits out (memory store). */
import { CorrelationEngine, type CorrelationHit } from '../../../src/alerts/correlate/engine';
import { MemoryStateStore } from '../../../src/alerts/state/memory-store';
import type { CloudTrailRecord } from '../../../src/core';
import type { CorrelationRuleModel, RuleMeta } from '../../../src/sigma/model';
import { at, correlation, event, rule } from './helpers';

const failed = rule('r-failed', 'failed_login');
const success = rule('r-success', 'successful_login');
const other = rule('r-other');

async function run(
  correlations: CorrelationRuleModel[],
  steps: [RuleMeta, CloudTrailRecord][],
): Promise<{ hits: CorrelationHit[][]; engine: CorrelationEngine }> {
  const engine = new CorrelationEngine(correlations, new MemoryStateStore());
  const hits: CorrelationHit[][] = [];
  for (const [r, record] of steps)
    hits.push(await engine.observe({ rule: r, record, accountId: '111122223333' }));
  return { hits, engine };
}

/** Indexes of the steps that produced at least one hit. */
const firing = (hits: CorrelationHit[][]): number[] => hits.flatMap((h, i) => (h.length > 0 ? [i] : []));

describe('event_count', () => {
  const c = correlation('c-count', 'event_count', ['failed_login'], { condition: { gte: 3 } });

  it('fires once when the threshold is reached within the timespan', async () => {
    const { hits } = await run(
      [c],
      [0, 1, 2, 3, 4].map((m) => [failed, event(m)]),
    );
    expect(firing(hits)).toEqual([2]);
    const hit = hits[2][0];
    expect(hit.value).toBe(3);
    expect(hit.groupBy).toEqual({ 'userIdentity.arn': 'arn:aws:iam::111122223333:user/alice' });
    expect(hit.time).toBe(at(2));
    expect(hit.events.map((e) => e.eventTime)).toEqual([at(0), at(1), at(2)]);
    expect(hit.events[0].ruleTitle).toBe(failed.title);
    expect(hit.id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('does not fire when the events are spread wider than the timespan', async () => {
    const { hits } = await run(
      [c],
      [0, 6, 12, 18].map((m) => [failed, event(m)]),
    );
    expect(firing(hits)).toEqual([]);
  });

  it('treats an event exactly at the timespan boundary as inside the window', async () => {
    const { hits } = await run(
      [c],
      [0, 5, 10].map((m) => [failed, event(m)]),
    );
    expect(firing(hits)).toEqual([2]);
    const { hits: outside } = await run(
      [c],
      [0, 5, 10.001].map((m) => [failed, event(m)]),
    );
    expect(firing(outside)).toEqual([]);
  });

  it('counts each group separately', async () => {
    const bob = { userIdentity: { arn: 'arn:aws:iam::111122223333:user/bob' } };
    const { hits } = await run(
      [c],
      [
        [failed, event(0)],
        [failed, event(1, bob)],
        [failed, event(2)],
        [failed, event(3, bob)],
        [failed, event(4, bob)],
        [failed, event(5)],
      ],
    );
    expect(firing(hits)).toEqual([4, 5]);
    expect(hits[4][0].groupBy['userIdentity.arn']).toMatch(/bob$/);
    expect(hits[5][0].groupBy['userIdentity.arn']).toMatch(/alice$/);
    expect(hits[4][0].id).not.toBe(hits[5][0].id);
  });

  it('fires again only after the fired window has fully passed', async () => {
    const minutes = [0, 1, 2, 5, 6, 7, 13, 14, 15];
    const { hits } = await run(
      [c],
      minutes.map((m) => [failed, event(m)]),
    );
    // Fired window [-8, 2]; windows ending at 5..7 overlap it; the window ending at 13 is
    // [3, 13], which starts after the fired one ended: 5, 6, 7, 13.
    expect(firing(hits)).toEqual([2, 6]);
    expect(hits[6][0].value).toBe(4);
    expect(hits[6][0].id).not.toBe(hits[2][0].id);
  });

  it('counts the same eventID observed twice once', async () => {
    const e = event(0);
    const { hits, engine } = await run(
      [c],
      [
        [failed, e],
        [failed, { ...e }],
        [failed, event(1)],
        [failed, { ...e }],
      ],
    );
    expect(firing(hits)).toEqual([]);
    expect(engine.counters.duplicates).toBe(2);
  });

  it('counts a late, out-of-order event in every window that contains it', async () => {
    // Events at 10 and 12 arrive first, then an event from minute 5 arrives late.
    const { hits } = await run(
      [c],
      [
        [failed, event(10)],
        [failed, event(12)],
        [failed, event(5)],
      ],
    );
    // The window ending at 10 ([0, 10]) holds 5 and 10 only; the one ending at 12 holds all three.
    expect(firing(hits)).toEqual([2]);
    expect(hits[2][0].time).toBe(at(12));
    expect(hits[2][0].value).toBe(3);
    expect(hits[2][0].events.map((e) => e.eventTime)).toEqual([at(5), at(10), at(12)]);
  });

  it('keeps state for timespan + lateness allowance: later than that, an event no longer counts', async () => {
    const c2 = correlation('c-late', 'event_count', ['failed_login'], { condition: { gte: 2 } });
    const seq = (): [RuleMeta, CloudTrailRecord][] => [
      [failed, event(0)],
      [failed, event(45)],
      [failed, event(1)], // 44 minutes behind the newest: beyond 10m + 30m, within 10m + 60m
    ];
    const strict = new CorrelationEngine([c2], new MemoryStateStore(), { latenessMs: 30 * 60_000 });
    const lenient = new CorrelationEngine([c2], new MemoryStateStore(), { latenessMs: 60 * 60_000 });
    const fired = async (engine: CorrelationEngine) => {
      const out: number[] = [];
      for (const [i, [r, record]] of seq().entries()) {
        if ((await engine.observe({ rule: r, record, accountId: '1' })).length) out.push(i);
      }
      return out;
    };
    expect(await fired(strict)).toEqual([]);
    expect(await fired(lenient)).toEqual([2]);
  });

  it('stores at most maxObservationsPerWindow observations per window and counts the rest', async () => {
    const c2 = correlation('c-cap', 'event_count', ['failed_login'], { condition: { gte: 2 } });
    const store = new MemoryStateStore();
    const engine = new CorrelationEngine([c2], store, { maxObservationsPerWindow: 3 });
    const fired: number[] = [];
    for (const [i, m] of [0, 1, 2, 3, 4, 30, 31].entries()) {
      if ((await engine.observe({ rule: failed, record: event(m), accountId: '1' })).length) fired.push(i);
    }
    expect(fired).toEqual([1, 6]);
    expect(engine.counters.saturated).toBe(2);
    const big = correlation('c-big', 'event_count', ['failed_login'], { condition: { gte: 5 } });
    const raised = new CorrelationEngine([big], new MemoryStateStore(), { maxObservationsPerWindow: 3 });
    const hits = [];
    for (const m of [0, 1, 2, 3, 4])
      hits.push(...(await raised.observe({ rule: failed, record: event(m), accountId: '1' })));
    expect(hits.map((h) => h.value)).toEqual([5]);
  });

  it('after release (failed delivery), the redelivered match raises the same hit again, once', async () => {
    const engine = new CorrelationEngine([c], new MemoryStateStore());
    const events = [event(0), event(1), event(2)];
    for (const e of events.slice(0, 2)) await engine.observe({ rule: failed, record: e, accountId: '1' });
    const [hit] = await engine.observe({ rule: failed, record: events[2], accountId: '1' });
    expect(hit).toBeDefined();
    expect(await engine.observe({ rule: failed, record: { ...events[2] }, accountId: '1' })).toEqual([]);
    await engine.release(hit.id);
    const again = await engine.observe({ rule: failed, record: { ...events[2] }, accountId: '1' });
    expect(again.map((h) => h.id)).toEqual([hit.id]);
    expect(await engine.observe({ rule: failed, record: { ...events[2] }, accountId: '1' })).toEqual([]);
    await engine.release('unknown-hit');
  });

  it('reclaim: the redelivered event that raised a hit raises it again (same id); no other event does', async () => {
    const engine = new CorrelationEngine([c], new MemoryStateStore());
    const events = [event(0), event(1), event(2)];
    for (const e of events.slice(0, 2)) await engine.observe({ rule: failed, record: e, accountId: '1' });
    const [hit] = await engine.observe({ rule: failed, record: events[2], accountId: '1' });
    expect(hit).toBeDefined();
    // Without reclaim a redelivery raises nothing (the processor resumes with reclaim only).
    expect(await engine.observe({ rule: failed, record: { ...events[2] }, accountId: '1' })).toEqual([]);
    const again = await engine.observe(
      { rule: failed, record: { ...events[2] }, accountId: '1' },
      { reclaim: true },
    );
    expect(again.map((h) => [h.id, h.value])).toEqual([[hit.id, hit.value]]);
    // Another event of the window, even reclaiming, does not raise the claimed window.
    expect(
      await engine.observe({ rule: failed, record: { ...events[1] }, accountId: '1' }, { reclaim: true }),
    ).toEqual([]);
  });

  it('ignores events of rules it does not reference and events with no usable time', async () => {
    const { hits, engine } = await run(
      [c],
      [
        [other, event(0)],
        [other, event(1)],
        [failed, event(2, { eventTime: 'yesterday' })],
        [failed, event(3, { eventTime: 42 })],
        [failed, event(4)],
      ],
    );
    expect(firing(hits)).toEqual([]);
    expect(engine.counters.invalidTime).toBe(2);
  });

  it('refers to rules by id as well as by name', async () => {
    const byId = correlation('c-byid', 'event_count', ['r-failed'], { condition: { gte: 2 } });
    const { hits } = await run(
      [byId],
      [
        [failed, event(0)],
        [failed, event(1)],
      ],
    );
    expect(firing(hits)).toEqual([1]);
  });

  it('applies combined operators (a range)', async () => {
    const range = correlation('c-range', 'event_count', ['failed_login'], { condition: { gt: 1, lte: 2 } });
    const { hits } = await run(
      [range],
      [0, 1, 2].map((m) => [failed, event(m)]),
    );
    expect(firing(hits)).toEqual([1]);
    expect(hits[1][0].value).toBe(2);
    const neq = correlation('c-neq', 'event_count', ['failed_login'], { condition: { neq: 1 } });
    const { hits: neqHits } = await run(
      [neq],
      [0, 1].map((m) => [failed, event(m)]),
    );
    expect(firing(neqHits)).toEqual([1]);
    const eq = correlation('c-eq', 'event_count', ['failed_login'], { condition: { eq: 3 } });
    const { hits: eqHits } = await run(
      [eq],
      [0, 1, 2, 3].map((m) => [failed, event(m)]),
    );
    expect(firing(eqHits)).toEqual([2]);
  });

  it('groups by several fields and treats a missing field as the empty value', async () => {
    const multi = correlation('c-multi', 'event_count', ['failed_login'], {
      groupBy: ['userIdentity.arn', 'sourceIPAddress'],
      condition: { gte: 2 },
    });
    const { hits } = await run(
      [multi],
      [
        [failed, event(0, { sourceIPAddress: '198.51.100.1' })],
        [failed, event(1, { sourceIPAddress: '198.51.100.2' })],
        [failed, event(2)],
        [failed, event(3)],
      ],
    );
    expect(firing(hits)).toEqual([3]);
    expect(hits[3][0].groupBy).toEqual({
      'userIdentity.arn': 'arn:aws:iam::111122223333:user/alice',
      sourceIPAddress: '',
    });
  });
});

describe('value_count', () => {
  it('counts distinct values of the field per group', async () => {
    const c = correlation('c-vc', 'value_count', ['failed_login'], {
      groupBy: ['sourceIPAddress'],
      condition: { field: 'userIdentity.userName', gte: 3 },
    });
    const ip = { sourceIPAddress: '203.0.113.9' };
    const user = (u: string) => ({ ...ip, userIdentity: { userName: u } });
    const { hits } = await run(
      [c],
      [
        [failed, event(0, user('a'))],
        [failed, event(1, user('a'))],
        [failed, event(2, user('b'))],
        [failed, event(3, ip)],
        [failed, event(4, user('b'))],
        [failed, event(5, user('c'))],
      ],
    );
    expect(firing(hits)).toEqual([5]);
    expect(hits[5][0].value).toBe(3);
    expect(hits[5][0].groupBy).toEqual({ sourceIPAddress: '203.0.113.9' });
  });
});

describe('temporal and temporal_ordered', () => {
  const unordered = correlation('c-temporal', 'temporal', ['failed_login', 'successful_login']);
  const ordered = correlation('c-ordered', 'temporal_ordered', ['failed_login', 'successful_login']);

  it('temporal fires when every rule matched in the window, in any order', async () => {
    const { hits } = await run(
      [unordered],
      [
        [success, event(0)],
        [success, event(1)],
        [failed, event(3)],
      ],
    );
    expect(firing(hits)).toEqual([2]);
    expect(hits[2][0].value).toBe(2);
  });

  it('temporal_ordered needs the listed order', async () => {
    const { hits: wrongOrder } = await run(
      [ordered],
      [
        [success, event(0)],
        [failed, event(3)],
      ],
    );
    expect(firing(wrongOrder)).toEqual([]);
    const { hits: rightOrder } = await run(
      [ordered],
      [
        [success, event(0)],
        [failed, event(3)],
        [success, event(4)],
      ],
    );
    expect(firing(rightOrder)).toEqual([2]);
  });

  it('temporal_ordered uses event time, not arrival order', async () => {
    // The success (minute 4) arrives before the failure (minute 2) it follows.
    const { hits } = await run(
      [ordered],
      [
        [success, event(4)],
        [failed, event(2)],
      ],
    );
    expect(firing(hits)).toEqual([1]);
    expect(hits[1][0].time).toBe(at(4));
  });

  it('temporal does not fire when the rules match outside the timespan', async () => {
    const { hits } = await run(
      [unordered],
      [
        [failed, event(0)],
        [success, event(11)],
      ],
    );
    expect(firing(hits)).toEqual([]);
  });

  it('the same event matching two referenced rules counts for each rule', async () => {
    const e = event(0);
    const { hits } = await run(
      [unordered],
      [
        [failed, e],
        [success, e],
      ],
    );
    expect(firing(hits)).toEqual([1]);
  });
});

describe('numeric aggregates', () => {
  const bytes = (n: unknown) => ({ additionalEventData: { bytesTransferredOut: n } });

  it('value_sum adds the numeric values of the field', async () => {
    const c = correlation('c-sum', 'value_sum', ['failed_login'], {
      condition: { field: 'additionalEventData.bytesTransferredOut', gt: 1000 },
    });
    const { hits } = await run(
      [c],
      [
        [failed, event(0, bytes(400))],
        [failed, event(1, bytes('not a number'))],
        [failed, event(2, bytes('500'))],
        [failed, event(3, bytes(200))],
      ],
    );
    expect(firing(hits)).toEqual([3]);
    expect(hits[3][0].value).toBe(1100);
  });

  it('value_avg compares the mean', async () => {
    const c = correlation('c-avg', 'value_avg', ['failed_login'], {
      condition: { field: 'additionalEventData.bytesTransferredOut', gte: 50 },
    });
    const { hits } = await run(
      [c],
      [
        [failed, event(0, bytes(10))],
        [failed, event(1, bytes(60))],
        [failed, event(2, bytes(80))],
      ],
    );
    expect(firing(hits)).toEqual([2]);
    expect(hits[2][0].value).toBe(50);
  });

  it('value_percentile compares the nearest-rank percentile (median by default)', async () => {
    const median = correlation('c-p50', 'value_percentile', ['failed_login'], {
      condition: { field: 'additionalEventData.bytesTransferredOut', gte: 100 },
    });
    const { hits } = await run(
      [median],
      [
        [failed, event(0, bytes(500))],
        [failed, event(1, bytes(1))],
        [failed, event(2, bytes(2))],
        [failed, event(3, bytes(300))],
        [failed, event(4, bytes(400))],
      ],
    );
    // Windows: [500] -> 500 fires at once.
    expect(firing(hits)).toEqual([0]);
    const p90 = correlation('c-p90', 'value_percentile', ['failed_login'], {
      condition: { field: 'additionalEventData.bytesTransferredOut', percentile: 90, gte: 300 },
    });
    const { hits: p90Hits } = await run(
      [p90],
      [
        [failed, event(0, bytes(1))],
        [failed, event(1, bytes(2))],
        [failed, event(2, bytes(300))],
      ],
    );
    expect(firing(p90Hits)).toEqual([2]);
    expect(p90Hits[2][0].value).toBe(300);
  });
});

describe('aliases', () => {
  it('groups different fields of different rules under one alias', async () => {
    const c = correlation('c-alias', 'temporal', ['failed_login', 'successful_login'], {
      groupBy: ['principal'],
      aliases: {
        principal: { failed_login: 'userIdentity.arn', successful_login: 'requestParameters.targetArn' },
      },
    });
    const target = 'arn:aws:iam::111122223333:user/alice';
    const { hits } = await run(
      [c],
      [
        [failed, event(0)],
        [
          success,
          event(1, {
            userIdentity: { arn: 'arn:aws:iam::111122223333:user/admin' },
            requestParameters: { targetArn: 'someone-else' },
          }),
        ],
        [
          success,
          event(2, {
            userIdentity: { arn: 'arn:aws:iam::111122223333:user/admin' },
            requestParameters: { targetArn: target },
          }),
        ],
      ],
    );
    expect(firing(hits)).toEqual([2]);
    expect(hits[2][0].groupBy).toEqual({ principal: target });
  });
});

describe('chaining and generate', () => {
  const many = correlation('c-many', 'event_count', ['failed_login'], {
    name: 'many_failed',
    condition: { gte: 3 },
  });
  const then = correlation('c-then', 'temporal_ordered', ['many_failed', 'successful_login'], {
    generate: false,
  });

  it('a correlation refers to another by name and observes its hits', async () => {
    const { hits } = await run(
      [many, then],
      [
        [failed, event(0)],
        [failed, event(1)],
        [failed, event(2)],
        [success, event(4)],
      ],
    );
    // The inner correlation's hit is not an alert (only referenced with generate: false).
    expect(firing(hits)).toEqual([3]);
    expect(hits[3].map((h) => h.correlation.meta.id)).toEqual(['c-then']);
    expect(hits[3][0].groupBy).toEqual({ 'userIdentity.arn': 'arn:aws:iam::111122223333:user/alice' });
    expect(hits[3][0].events.map((e) => e.eventTime)).toEqual([at(0), at(1), at(2), at(4)]);
  });

  it('a success before the burst does not complete the ordered chain', async () => {
    const { hits } = await run(
      [many, then],
      [
        [success, event(0)],
        [failed, event(1)],
        [failed, event(2)],
        [failed, event(3)],
      ],
    );
    expect(firing(hits)).toEqual([]);
  });

  it('generates() is false only when every referencing correlation has generate: false', () => {
    const engine = new CorrelationEngine([many, then], new MemoryStateStore());
    expect(engine.generates(failed)).toBe(false);
    expect(engine.generates(success)).toBe(false);
    expect(engine.generates(other)).toBe(true);
    const keep = correlation('c-keep', 'event_count', ['r-success'], {
      generate: true,
      condition: { gte: 5 },
    });
    const mixed = new CorrelationEngine([many, then, keep], new MemoryStateStore());
    expect(mixed.generates(success)).toBe(true);
  });

  it('an inner correlation that another references with generate: true alerts too', async () => {
    const outer = { ...then, generate: true };
    const { hits } = await run(
      [many, outer],
      [
        [failed, event(0)],
        [failed, event(1)],
        [failed, event(2)],
        [success, event(4)],
      ],
    );
    expect(hits[2].map((h) => h.correlation.meta.id)).toEqual(['c-many']);
    expect(hits[3].map((h) => h.correlation.meta.id)).toEqual(['c-then']);
  });

  it('survives a reference cycle', async () => {
    const a = correlation('c-a', 'event_count', ['c-b', 'failed_login'], {
      name: 'a',
      condition: { gte: 1 },
      generate: true,
    });
    const b = correlation('c-b', 'event_count', ['a'], { name: 'b', condition: { gte: 1 }, generate: true });
    const { hits } = await run([a, b], [[failed, event(0)]]);
    expect(hits[0].map((h) => h.correlation.meta.id)).toEqual(['c-a', 'c-b']);
  });
});

describe('hit ids', () => {
  it('are stable across engines for the same correlation, group and window', async () => {
    const c = correlation('c-id', 'event_count', ['failed_login'], { condition: { gte: 2 } });
    const seq: [RuleMeta, CloudTrailRecord][] = [
      [failed, event(0)],
      [failed, event(1)],
    ];
    const first = await run([c], seq);
    const second = await run([c], seq);
    expect(first.hits[1][0].id).toBe(second.hits[1][0].id);
  });
});

describe('invalid models', () => {
  it('are skipped with a diagnostic naming the file, and the others still run', async () => {
    const bad = correlation('c-bad', 'event_count', ['failed_login'], { timespanMs: NaN, timespan: 'soon' });
    const noField = correlation('c-nofield', 'value_sum', ['failed_login'], { condition: { gt: 1 } });
    const good = correlation('c-good', 'event_count', ['failed_login'], { condition: { gte: 1 } });
    const { hits, engine } = await run([bad, noField, good], [[failed, event(0)]]);
    expect(hits[0].map((h) => h.correlation.meta.id)).toEqual(['c-good']);
    expect(engine.diagnostics.map((d) => `${d.file}:${d.line} ${d.message}`)).toEqual([
      'rules/c-bad.yml:1 timespan must be a positive duration, got "soon"; correlation skipped',
      'rules/c-nofield.yml:1 value_sum needs condition.field; correlation skipped',
    ]);
  });
});
