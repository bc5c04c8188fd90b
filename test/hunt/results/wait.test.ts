/** Waiting for a hunt execution: backoff, the timeout, describe calls that fail and those that cannot pass. */
import {
  waitForExecution,
  type ExecutionDescription,
  type HuntResultsPort,
  type WaitProgress,
} from '../../../src/hunt/results';
import { EXECUTION, HUNT_ID, memoryPort, succeededExecution } from '../fixtures';

describe('waitForExecution', () => {
  function clock() {
    let t = 0;
    const sleeps: number[] = [];
    return { now: () => t, sleep: async (ms: number) => void (sleeps.push(ms), (t += ms)), sleeps };
  }

  function statuses(list: (string | Error)[]): HuntResultsPort & { calls: number } {
    const port = {
      calls: 0,
      describeExecution: async (): Promise<ExecutionDescription> => {
        const next = list[Math.min(port.calls++, list.length - 1)];
        if (next instanceof Error) throw next;
        return { executionArn: EXECUTION, name: HUNT_ID, status: next };
      },
      getObject: async () => '',
    };
    return port;
  }

  it('polls with a growing pause until the execution ends, reporting progress', async () => {
    const c = clock();
    const port = {
      ...memoryPort({}, succeededExecution()),
      ...statuses(['RUNNING', 'RUNNING', 'RUNNING', 'SUCCEEDED']),
    };
    const progress: WaitProgress[] = [];
    const outcome = await waitForExecution(port, EXECUTION, {
      timeoutMs: 3_600_000,
      initialDelayMs: 1000,
      maxDelayMs: 2000,
      ...c,
      onProgress: (p) => progress.push(p),
    });
    expect(outcome).toMatchObject({ done: true, execution: { status: 'SUCCEEDED' }, elapsedMs: 4500 });
    expect(c.sleeps).toEqual([1000, 1500, 2000]);
    expect(progress[0]).toMatchObject({
      execution: { status: 'RUNNING' },
      elapsedMs: 0,
      mapRun: { items: { total: 10, succeeded: 4, failed: 1 } },
    });
  });

  it('gives up at the timeout and says the execution is still running', async () => {
    const c = clock();
    const outcome = await waitForExecution(statuses(['RUNNING']), EXECUTION, {
      timeoutMs: 10_000,
      initialDelayMs: 4000,
      ...c,
    });
    expect(outcome).toMatchObject({ done: false, execution: { status: 'RUNNING' }, elapsedMs: 10_000 });
    expect(c.sleeps).toEqual([4000, 6000]);
  });

  it('retries failed describe calls a few times, but not errors that cannot pass', async () => {
    const c = clock();
    const flaky = statuses([new Error('socket hang up'), new Error('socket hang up'), 'SUCCEEDED']);
    const progress: WaitProgress[] = [];
    const outcome = await waitForExecution(flaky, EXECUTION, {
      timeoutMs: 60_000,
      ...c,
      onProgress: (p) => progress.push(p),
    });
    expect(outcome.done).toBe(true);
    expect(progress[0].retrying).toBe('socket hang up');
    const down = statuses([new Error('socket hang up')]);
    await expect(
      waitForExecution(down, EXECUTION, { timeoutMs: 3_600_000, ...c, maxConsecutiveErrors: 3 }),
    ).rejects.toThrow('socket hang up');
    expect(down.calls).toBe(3);
    const missing = statuses([
      Object.assign(new Error('Execution Does Not Exist'), { name: 'ExecutionDoesNotExist' }),
    ]);
    await expect(waitForExecution(missing, EXECUTION, { timeoutMs: 3_600_000, ...c })).rejects.toThrow(
      'Does Not Exist',
    );
    expect(missing.calls).toBe(1);
  });
});
