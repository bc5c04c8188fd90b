/**
 * Fault injection, processor side: DynamoDB throttling the writes that record delivery. The real
 * processor handler on dynalite (one write refused with ProvisionedThroughputExceededException,
 * past the SDK's own retries), SES and SNS mocked. Before leases, a throttled release lost the
 * destinations not yet served (soc 1, audit 1, pager 0, and the retry reported success).
 */
import { eventAlertId } from '../../src/alerts/dedupe';
import { Container, failedIds, stopLogging, VISIBILITY_TIMEOUT_MS, World } from './processor-fixture';

const STOP_RULE = '7c1f0a52-0d3e-4c1a-9a7e-5b2d3c4e5f01';

/** Throttles the first DynamoDB call whose input contains every one of `parts`. */
function throttleOnce(world: World, ...parts: string[]): () => number {
  let hits = 0;
  world.dynamo = (_command, input) => {
    if (hits > 0 || !parts.every((p) => input.includes(p))) return undefined;
    hits++;
    return 'throttle';
  };
  return () => hits;
}

describe('processor faults: throttled state writes', () => {
  const world = new World();
  beforeAll(() => world.start(), 30_000);
  afterAll(() => world.stop());
  beforeEach(() => world.reset());

  it('throttled release → pager failed and its release was throttled; the redelivery serves pager only', async () => {
    const [message] = await world.messages([stopLogging('thr-1', 'throttled-release')]);
    let pagerFailures = 1;
    world.send = (to) => (to === 'pager' && pagerFailures-- > 0 ? new Error('InternalError') : 'ok');
    const throttles = throttleOnce(world, '"released"');
    const first = await Container.create(world);
    expect(failedIds(await first.invoke([message]))).toEqual([message.messageId]);
    expect(throttles()).toBe(1);
    expect(world.counts()).toEqual({ soc: 1, audit: 1, pager: 0 });
    expect(first.metrics.count('StateWriteFailures')).toBe(1);

    // The lease stays taken until it runs out; the redelivery comes after the visibility timeout.
    world.advance(VISIBILITY_TIMEOUT_MS);
    const retry = await Container.create(world);
    expect(failedIds(await retry.invoke([message]))).toEqual([]);
    expect(world.counts()).toEqual({ soc: 1, audit: 1, pager: 1 });
    expect(retry.metrics.count('LeasesExpired')).toBe(1);
    // The failed pager send may have reached SNS: its repeat is counted.
    expect(retry.metrics.count('RepeatedSends')).toBe(1);
  });

  it('throttled receipt write (after a send that succeeded) → the destination counts as served, exactly once', async () => {
    const [message] = await world.messages([stopLogging('thr-2', 'throttled-receipt')]);
    const alertId = eventAlertId(STOP_RULE, 'thr-2');
    const throttles = throttleOnce(world, `${alertId}@pager`, '"sent"');
    const container = await Container.create(world);
    expect(failedIds(await container.invoke([message]))).toEqual([]);
    expect(throttles()).toBe(1);
    expect(await world.receipt(alertId, 'pager')).toBe('sending');
    expect(container.metrics.count('StateWriteFailures')).toBe(1);
    world.advance(VISIBILITY_TIMEOUT_MS);
    expect(failedIds(await (await Container.create(world)).invoke([message]))).toEqual([]);
    expect(world.counts()).toEqual({ soc: 1, audit: 1, pager: 1 });
  });

  it('throttled receipt write and throttled done → a later duplicate resends pager once, counted and bounded', async () => {
    const [message] = await world.messages([stopLogging('thr-3', 'throttled-receipt-done')]);
    const alertId = eventAlertId(STOP_RULE, 'thr-3');
    let hits = 0;
    world.dynamo = (_command, input) => {
      const receipt = input.includes(`${alertId}@pager`) && input.includes('"sent"');
      const done = input.includes(`dedupe#${alertId}"`) && input.includes('"done"');
      if (!receipt && !done) return undefined;
      hits++;
      return 'throttle';
    };
    const container = await Container.create(world);
    expect(failedIds(await container.invoke([message]))).toEqual([]);
    expect(hits).toBe(2);
    expect(container.metrics.count('StateWriteFailures')).toBe(2);
    world.dynamo = () => undefined;
    // The same match again (a duplicate S3 event) after the lease ran out: pager was never
    // confirmed, so it goes again, counted; soc and audit are not repeated.
    world.advance(VISIBILITY_TIMEOUT_MS);
    const duplicate = await Container.create(world);
    expect(failedIds(await duplicate.invoke([message]))).toEqual([]);
    expect(world.counts()).toEqual({ soc: 1, audit: 1, pager: 2 });
    expect(duplicate.metrics.count('RepeatedSends')).toBe(1);
    expect(duplicate.metrics.count('LeasesExpired')).toBe(1);
    // Bounded: done now, nothing more ever goes out for it.
    expect(failedIds(await (await Container.create(world)).invoke([message]))).toEqual([]);
    expect(world.counts()).toEqual({ soc: 1, audit: 1, pager: 2 });
  });

  it('throttled receipt write (before a send) → that destination is not sent, and its retry sends it once', async () => {
    const [message] = await world.messages([stopLogging('thr-4', 'throttled-sending')]);
    const alertId = eventAlertId(STOP_RULE, 'thr-4');
    throttleOnce(world, `${alertId}@audit`, '"sending"');
    const container = await Container.create(world);
    expect(failedIds(await container.invoke([message]))).toEqual([message.messageId]);
    expect(world.counts()).toEqual({ soc: 1, audit: 0, pager: 1 });
    expect(failedIds(await container.invoke([message]))).toEqual([]);
    expect(world.counts()).toEqual({ soc: 1, audit: 1, pager: 1 });
    expect(container.metrics.count('RepeatedSends')).toBe(0);
  });

  it('throttled lease → the message fails before anything is sent, and its retry sends once', async () => {
    const [message] = await world.messages([stopLogging('thr-5', 'throttled-lease')]);
    throttleOnce(world, `dedupe#${eventAlertId(STOP_RULE, 'thr-5')}"`);
    const container = await Container.create(world);
    expect(failedIds(await container.invoke([message]))).toEqual([message.messageId]);
    expect(world.counts()).toEqual({ soc: 0, audit: 0, pager: 0 });
    expect(failedIds(await container.invoke([message]))).toEqual([]);
    expect(world.counts()).toEqual({ soc: 1, audit: 1, pager: 1 });
  });
});
