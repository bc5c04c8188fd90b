/**
 * Fault injection, processor side: the cold-start load (accounts.yaml, rules, the directory)
 * failing. Before lazyRetrying, the rejected promise stayed cached (`??=`): every later message of
 * the container failed and the handler never threw, so Lambda never recycled it.
 */
import { BatchFailedError } from '../../src/runtime/sqs-batch';
import type { Runtime } from '../../src/runtime/runtime';
import { Container, failedIds, stopLogging, World } from './processor-fixture';

describe('processor faults: cold start', () => {
  const world = new World();
  beforeAll(() => world.start(), 30_000);
  afterAll(() => world.stop());
  beforeEach(() => world.reset());

  /** A loader that rejects `failures` times (as a throttled Organizations call would), then loads. */
  function flakyLoader(failures: number) {
    const calls = { count: 0 };
    const runtime = async (): Promise<Runtime> => {
      calls.count++;
      if (calls.count <= failures)
        throw Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' });
      return world.runtime;
    };
    return { calls, runtime };
  }

  it('the loader rejecting once → the batch fails whole (the handler throws), its redelivery loads again and sends once', async () => {
    const messages = await world.messages([stopLogging('cold-1', 'cold-a'), stopLogging('cold-2', 'cold-b')]);
    const loader = flakyLoader(1);
    const container = await Container.create(world, { runtime: loader.runtime });
    await expect(container.invoke(messages)).rejects.toBeInstanceOf(BatchFailedError);
    expect(container.metrics.count('ColdStartFailures')).toBe(1);
    expect(world.counts()).toEqual({ soc: 0, audit: 0, pager: 0 });

    // Lambda returned the whole batch to the queue; the same container gets it again.
    expect(failedIds(await container.invoke(messages))).toEqual([]);
    expect(loader.calls.count).toBe(2);
    expect(world.counts()).toEqual({ soc: 2, audit: 2, pager: 2 });
    expect(container.metrics.count('MatchFailures')).toBe(0);
  });

  it('a load that keeps failing → every invocation fails (an error Lambda sees), never a quiet success', async () => {
    const messages = await world.messages([stopLogging('cold-3', 'cold-c')]);
    const loader = flakyLoader(3);
    const container = await Container.create(world, { runtime: loader.runtime });
    for (let i = 0; i < 3; i++)
      await expect(container.invoke(messages)).rejects.toBeInstanceOf(BatchFailedError);
    expect(container.metrics.count('ColdStartFailures')).toBe(3);
    expect(failedIds(await container.invoke(messages))).toEqual([]);
    expect(world.counts()).toEqual({ soc: 1, audit: 1, pager: 1 });
  });
});
