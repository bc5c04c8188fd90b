/**
 * A cold-start load shared by every message of a container, retried when it failed: a rejected
 * promise is forgotten, so the next message loads again instead of failing forever with the
 * first error (a throttled Organizations call at cold start must not poison the container).
 */
import { TrailAlertsError } from '../core';

/** The cold-start load failed: the message is fine, the container is not (yet); retried with it. */
export class ColdStartError extends TrailAlertsError {
  constructor(cause: unknown) {
    super(`cold-start load failed: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
      retryable: true,
    });
  }
}

export interface LazyRetrying<T> {
  /** The loaded value; loads (again) when nothing loaded yet or the last load failed. */
  get(): Promise<T>;
  /** Failed loads in a row (0 once a load succeeded). */
  readonly consecutiveFailures: number;
}

export function lazyRetrying<T>(load: () => Promise<T>): LazyRetrying<T> {
  let pending: Promise<T> | undefined;
  let failures = 0;
  return {
    get(): Promise<T> {
      pending ??= load().then(
        (value) => {
          failures = 0;
          return value;
        },
        (err: unknown) => {
          failures++;
          pending = undefined;
          throw err;
        },
      );
      return pending;
    },
    get consecutiveFailures() {
      return failures;
    },
  };
}
