/**
 * value_count and value_sum hits name the distinct values they counted (`hit.values`): first-seen
 * order by event time, capped at MAX_VALUES_PER_HIT, the same from the in-memory and the DynamoDB
 * state (dynalite), and for the shipped secrets-harvesting correlation, the secrets that were read.
 */
import { readFileSync } from 'node:fs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CorrelationEngine, type CorrelationHit } from '../../../src/alerts/correlate/engine';
import { MAX_VALUES_PER_HIT } from '../../../src/alerts/correlate/aggregate';
import { MemoryStateStore } from '../../../src/alerts/state/memory-store';
import { DynamoStateStore } from '../../../src/alerts/state/dynamodb-store';
import type { CorrelationStore } from '../../../src/alerts/state/store';
import { loadRules } from '../../../src/sigma/load';
import type { CloudTrailRecord } from '../../../src/core';
import type { CorrelationRuleModel, RuleMeta } from '../../../src/sigma/model';
import { startStateTable, type LocalStateTable } from '../../helpers/dynalite';
import { correlation, event, rule } from './helpers';

const read = rule('r-read', 'secret_read');
const secret = (id: string) => ({
  eventName: 'GetSecretValue',
  eventSource: 'secretsmanager.amazonaws.com',
  requestParameters: { secretId: id },
});
const counting = (gte: number, extra: Partial<CorrelationRuleModel> = {}) =>
  correlation('c-values', 'value_count', ['secret_read'], {
    condition: { field: 'requestParameters.secretId', gte },
    ...extra,
  });

async function hitsOf(
  c: CorrelationRuleModel,
  steps: [RuleMeta, CloudTrailRecord][],
  store: CorrelationStore = new MemoryStateStore(),
  options: ConstructorParameters<typeof CorrelationEngine>[2] = {},
): Promise<CorrelationHit[]> {
  const engine = new CorrelationEngine([c], store, options);
  const hits: CorrelationHit[] = [];
  for (const [r, record] of steps) hits.push(...(await engine.observe({ rule: r, record, accountId: '1' })));
  return hits;
}

describe('hit.values', () => {
  it('value_count lists the distinct values counted, once each, in first-seen order', async () => {
    const ids = ['prod/db', 'prod/db', 'prod/stripe', 'prod/jwt', 'prod/stripe', 'prod/smtp'];
    const hits = await hitsOf(
      counting(4),
      ids.map((id, m) => [read, event(m, secret(id))]),
    );
    expect(hits).toHaveLength(1);
    expect(hits[0].value).toBe(4);
    expect(hits[0].values).toEqual(['prod/db', 'prod/stripe', 'prod/jwt', 'prod/smtp']);
  });

  it('orders by event time, not by arrival, and leaves out events outside the window that fired', async () => {
    const hits = await hitsOf(counting(3), [
      [read, event(0, secret('old/outside-window'))],
      [read, event(15, secret('c'))],
      [read, event(13, secret('b'))],
      [read, event(12, secret('a'))],
    ]);
    expect(hits).toHaveLength(1);
    expect(hits[0].values).toEqual(['a', 'b', 'c']);
  });

  it(`is capped at ${MAX_VALUES_PER_HIT} values by default (the count stays complete) and by maxValuesPerHit`, async () => {
    const steps: [RuleMeta, CloudTrailRecord][] = Array.from({ length: 80 }, (_, i) => [
      read,
      event(i / 10, secret(`s-${String(i).padStart(2, '0')}`)),
    ]);
    const [hit] = await hitsOf(counting(80), steps);
    expect(hit.value).toBe(80);
    expect(hit.values).toHaveLength(MAX_VALUES_PER_HIT);
    expect(hit.values?.[0]).toBe('s-00');
    expect(hit.values?.[MAX_VALUES_PER_HIT - 1]).toBe(`s-${MAX_VALUES_PER_HIT - 1}`);
    const [small] = await hitsOf(counting(80), steps, new MemoryStateStore(), { maxValuesPerHit: 3 });
    expect(small.values).toEqual(['s-00', 's-01', 's-02']);
  });

  it('value_sum lists the distinct numeric values it added, and not the ones it ignored', async () => {
    const c = correlation('c-sum', 'value_sum', ['secret_read'], {
      condition: { field: 'additionalEventData.bytesTransferredOut', gt: 1000 },
    });
    const bytes = (n: unknown) => ({ additionalEventData: { bytesTransferredOut: n } });
    const [hit] = await hitsOf(c, [
      [read, event(0, bytes(400))],
      [read, event(1, bytes('not a number'))],
      [read, event(2, bytes(400))],
      [read, event(3, bytes('350'))],
    ]);
    expect(hit.value).toBe(1150);
    expect(hit.values).toEqual(['400', '350']);
  });

  it('is absent from the other correlation types', async () => {
    const c = correlation('c-count', 'event_count', ['secret_read'], { condition: { gte: 2 } });
    const [hit] = await hitsOf(c, [
      [read, event(0, secret('a'))],
      [read, event(1, secret('b'))],
    ]);
    expect(hit).toBeDefined();
    expect(hit).not.toHaveProperty('values');
  });

  it('a full value_count window still takes a value it does not hold yet, so repeats cannot hide it', async () => {
    const c = correlation('c-ip', 'value_count', ['secret_read'], {
      condition: { field: 'sourceIPAddress', gte: 2 },
    });
    const from = (ip: string) => ({ sourceIPAddress: ip });
    const steps: [RuleMeta, CloudTrailRecord][] = [0, 0.1, 0.2, 0.3, 0.4].map((m) => [
      read,
      event(m, from('10.0.1.5')),
    ]);
    steps.push([read, event(0.5, from('10.0.1.5'))], [read, event(0.6, from('10.0.9.9'))]);
    const engine = new CorrelationEngine([c], new MemoryStateStore(), { maxObservationsPerWindow: 3 });
    const hits: CorrelationHit[] = [];
    for (const [r, record] of steps)
      hits.push(...(await engine.observe({ rule: r, record, accountId: '1' })));
    expect(engine.counters.saturated).toBe(3);
    expect(hits.map((h) => h.values)).toEqual([['10.0.1.5', '10.0.9.9']]);
  });
});

describe('hit.values from the DynamoDB state (dynalite) equal those from memory', () => {
  let local: LocalStateTable;
  beforeAll(async () => {
    local = await startStateTable('values-state');
  });
  afterAll(async () => {
    await local?.close();
  });

  it('for a value_count whose events arrive out of order', async () => {
    const ids = ['prod/a', 'prod/b', 'prod/a', 'prod/c', 'prod/d', 'prod/b', 'prod/e'];
    const order = [3, 0, 6, 1, 5, 2, 4];
    const steps: [RuleMeta, CloudTrailRecord][] = order.map((i) => [read, event(i, secret(ids[i]))]);
    const memory = await hitsOf(counting(5), steps);
    const dynamo = await hitsOf(
      counting(5),
      steps,
      new DynamoStateStore({ client: DynamoDBDocumentClient.from(local.client), tableName: 'values-state' }),
    );
    expect(memory.map((h) => h.values)).toEqual([['prod/a', 'prod/b', 'prod/c', 'prod/d', 'prod/e']]);
    expect(dynamo.map((h) => ({ id: h.id, value: h.value, values: h.values }))).toEqual(
      memory.map((h) => ({ id: h.id, value: h.value, values: h.values })),
    );
  });
});

describe('the shipped secrets-harvesting correlation', () => {
  it('lists which secrets were read', async () => {
    const bundle = loadRules(['rules/correlations/secrets_manager_secret_harvesting.yml']);
    const harvesting = bundle.correlations.find((c) => c.meta.name === 'secrets_manager_secret_harvesting');
    expect(harvesting).toBeDefined();
    const tests = JSON.parse(
      readFileSync('rules/correlations/secrets_manager_secret_harvesting_tests.json', 'utf8'),
    ) as { should_match: CloudTrailRecord[][] };
    const sequence = tests.should_match[0];
    const engine = new CorrelationEngine(bundle.correlations, new MemoryStateStore());
    const hits: CorrelationHit[] = [];
    for (const record of sequence)
      for (const r of bundle.rules)
        if (r.match(record))
          hits.push(
            ...(await engine.observe({ rule: r.meta, record, accountId: String(record.recipientAccountId) })),
          );
    expect(hits).toHaveLength(1);
    const read = [
      ...new Set(sequence.map((e) => (e.requestParameters as { secretId: string }).secretId)),
    ].slice(0, hits[0].value);
    expect(hits[0].values).toEqual(read);
    expect(hits[0].values).toContain('prod/payments/secret-00');
    expect(hits[0].values).toHaveLength(10);
  });
});
