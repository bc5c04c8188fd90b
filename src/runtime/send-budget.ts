import { TrailAlertsError } from '../core';
/**
 * The time an invocation has left, as the processor's sends see it: each send gets a signal that
 * fires SEND_MARGIN_MS before the Lambda would be killed, and is abandoned then (its promise left
 * to settle on its own), so the run fails cleanly (receipts written, leases released) and SQS
 * delivers the message again, instead of the sandbox dying mid-send. `scan` has no deadline.
 */

/** The invocation's clock: `context.getRemainingTimeInMillis()` in the Lambda. */
export interface TimeBudget {
  remainingMs(): number;
}

/** No deadline (`scan`, tests): sends run as long as they take. */
export const UNLIMITED: TimeBudget = { remainingMs: () => Infinity };

/**
 * Kept free after the last send: a release or a receipt is a few DynamoDB writes (each capped by
 * the client's request timeout), and the partial batch response must still be returned.
 */
export const SEND_MARGIN_MS = 5_000;

/** The invocation has no time left for this: the message is retried by SQS. */
export class OutOfTimeError extends TrailAlertsError {
  constructor(what: string, leftMs: number) {
    super(`${what}: stopped with ${Math.max(0, Math.round(leftMs))} ms left in the invocation`);
  }
}

/** Whether there is time to start something that must finish before the margin. */
export function hasTime(budget: TimeBudget): boolean {
  return budget.remainingMs() > SEND_MARGIN_MS;
}

/**
 * Runs `work` with a signal that fires when the budget (less the margin) is spent; rejects with
 * OutOfTimeError then, even when `work` ignores the signal (a call that never answers).
 */
export async function withinBudget<T>(
  budget: TimeBudget,
  what: string,
  work: (signal: AbortSignal | undefined) => Promise<T>,
): Promise<T> {
  const leftMs = budget.remainingMs();
  const allowedMs = leftMs - SEND_MARGIN_MS;
  if (!Number.isFinite(allowedMs)) return work(undefined);
  if (allowedMs <= 0) throw new OutOfTimeError(what, leftMs);
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new OutOfTimeError(what, budget.remainingMs());
      controller.abort(error);
      reject(error);
    }, allowedMs);
    // An abandoned run must not keep the process alive.
    timer.unref();
  });
  try {
    return await Promise.race([work(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}
