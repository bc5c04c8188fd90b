/**
 * Exponential backoff with jitter for transient delivery failures (throttling, 429, 5xx).
 * After the last attempt the error propagates, so the SQS message is retried and finally
 * lands in the DLQ instead of being dropped. A send's `signal` (the invocation's time for it is
 * up) ends the loop at once, between attempts and during a backoff.
 */

/** Per send: aborted when the invocation has no time left for it (runtime/send-budget.ts). */
export interface SendOptions {
  signal?: AbortSignal;
}

export interface RetryOptions {
  /** Total attempts, including the first. Default 4. */
  attempts?: number;
  /** First delay in ms; doubles each time. Default 200. */
  baseDelayMs?: number;
  /** Upper bound of one delay in ms. Default 3000. */
  maxDelayMs?: number;
  /** Injected for tests. */
  sleep?: (ms: number) => Promise<void>;
  /** Injected for tests: a number in [0, 1). */
  random?: () => number;
}

export const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `fn`, retrying while `isRetryable(error)` holds, at most `attempts` times in all, and
 * never past `signal`: once it fires, its reason is thrown.
 */
export async function withRetry<T>(
  fn: () => Promise<T>,
  isRetryable: (error: unknown) => boolean,
  options: RetryOptions = {},
  signal?: AbortSignal,
): Promise<T> {
  const attempts = Math.max(1, options.attempts ?? 4);
  const base = options.baseDelayMs ?? 200;
  const max = options.maxDelayMs ?? 3000;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    try {
      return await fn();
    } catch (error) {
      // A request cut short by the signal failed for want of time, not by itself.
      signal?.throwIfAborted();
      if (attempt >= attempts || !isRetryable(error)) throw error;
      const ceiling = Math.min(max, base * 2 ** (attempt - 1));
      // "Equal jitter": half fixed, half random, so delays still grow.
      await untilAborted(sleep(Math.round(ceiling / 2 + (random() * ceiling) / 2)), signal);
    }
  }
}

/** `work`, or the signal's reason as soon as it fires (the work itself is left to finish). */
export function untilAborted<T>(work: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}

const THROTTLING_NAMES = new Set([
  'TooManyRequestsException',
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestLimitExceeded',
  'SlowDown',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalFailure',
  'InternalErrorException',
  'KMSThrottlingException',
]);

/** True for AWS SDK v3 errors that are worth retrying: throttling names, 429 and 5xx statuses. */
export function isRetryableAwsError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { name?: unknown; $metadata?: { httpStatusCode?: unknown }; $retryable?: unknown };
  if (typeof e.name === 'string' && THROTTLING_NAMES.has(e.name)) return true;
  if (e.$retryable) return true;
  const status = e.$metadata?.httpStatusCode;
  return typeof status === 'number' && (status === 429 || status >= 500);
}
