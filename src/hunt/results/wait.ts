/**
 * Waiting for a hunt execution: DescribeExecution with a growing pause until it ends or the
 * timeout passes, with the map run's progress when the port can give it.
 */
import type { ExecutionDescription, HuntResultsPort, MapRunProgress } from './port';
import { isTerminal } from './port';

export interface WaitProgress {
  execution: ExecutionDescription;
  elapsedMs: number;
  mapRun?: MapRunProgress;
  /** The last describe call failed with this message (it is retried). */
  retrying?: string;
}

export interface WaitOptions {
  timeoutMs: number;
  /** First pause between polls (default 5 s); it grows by half each poll up to maxDelayMs. */
  initialDelayMs?: number;
  /** Default 60 s. */
  maxDelayMs?: number;
  /** Failed describe calls in a row before giving up (default 5). */
  maxConsecutiveErrors?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  onProgress?: (progress: WaitProgress) => void;
}

export interface WaitOutcome {
  /** False when the timeout passed first (the execution goes on). */
  done: boolean;
  execution: ExecutionDescription;
  elapsedMs: number;
}

/** Errors that polling again cannot fix. */
const FATAL_ERRORS = new Set([
  'ExecutionDoesNotExist',
  'InvalidArn',
  'AccessDeniedException',
  'UnrecognizedClientException',
]);

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls DescribeExecution with backoff until the execution ends or `timeoutMs` passes. */
export async function waitForExecution(
  port: HuntResultsPort,
  executionArn: string,
  options: WaitOptions,
): Promise<WaitOutcome> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const maxDelay = options.maxDelayMs ?? 60_000;
  const maxErrors = options.maxConsecutiveErrors ?? 5;
  const start = now();
  let delay = Math.min(options.initialDelayMs ?? 5_000, maxDelay);
  let errors = 0;
  let last: ExecutionDescription | undefined;
  let mapRunArn: string | undefined;
  for (;;) {
    let retrying: string | undefined;
    try {
      last = await port.describeExecution(executionArn);
      errors = 0;
    } catch (err) {
      const name = (err as { name?: unknown })?.name;
      if (typeof name === 'string' && FATAL_ERRORS.has(name)) throw err;
      if (++errors >= maxErrors) throw err;
      retrying = err instanceof Error ? err.message : String(err);
    }
    const elapsedMs = now() - start;
    if (last && isTerminal(last.status)) return { done: true, execution: last, elapsedMs };
    if (elapsedMs >= options.timeoutMs)
      return { done: false, execution: last ?? { executionArn, status: 'UNKNOWN' }, elapsedMs };
    let mapRun: MapRunProgress | undefined;
    if (last && port.listMapRuns && port.describeMapRun) {
      // Progress is a nicety: a failed map-run call never stops the wait.
      try {
        mapRunArn ??= (await port.listMapRuns(executionArn))[0];
        if (mapRunArn) mapRun = await port.describeMapRun(mapRunArn);
      } catch {
        mapRun = undefined;
      }
    }
    options.onProgress?.({
      execution: last ?? { executionArn, status: 'UNKNOWN' },
      elapsedMs,
      ...(mapRun ? { mapRun } : {}),
      ...(retrying ? { retrying } : {}),
    });
    await sleep(Math.max(0, Math.min(delay, options.timeoutMs - elapsedMs)));
    delay = Math.min(Math.round(delay * 1.5), maxDelay);
  }
}
