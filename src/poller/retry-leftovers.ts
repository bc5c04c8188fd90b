/**
 * Retries the part of a batch call AWS handed back (DynamoDB UnprocessedKeys / UnprocessedItems,
 * SQS Failed entries) with exponential backoff, as AWS asks for those.
 */

export interface LeftoverRetryOptions {
  /** Calls in all, the first included (default 4). */
  attempts?: number;
  /** Delay before the second call; doubles each time (default 100 ms). */
  baseDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const sleepFor = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Calls `attempt` with the items, then with what it returned as left over; returns what is still left. */
export async function retryLeftovers<T>(
  items: T[],
  attempt: (items: T[]) => Promise<T[]>,
  options: LeftoverRetryOptions = {},
): Promise<T[]> {
  const attempts = Math.max(1, options.attempts ?? 4);
  const base = options.baseDelayMs ?? 100;
  const sleep = options.sleep ?? sleepFor;
  let left = items;
  for (let n = 1; left.length > 0 && n <= attempts; n++) {
    if (n > 1) await sleep(base * 2 ** (n - 2));
    left = await attempt(left);
  }
  return left;
}
