/**
 * The one failure convention (docs/architecture.md, "Failures"): a check of input returns its
 * problems (Diagnostic lists for files, a Problem for one value) and throws nothing; a call that
 * cannot do its job throws a TrailAlertsError subclass, whose `retryable` says whether the same call
 * may succeed later.
 */
export class TrailAlertsError extends Error {
  readonly retryable: boolean;

  constructor(message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined);
    this.name = new.target.name;
    this.retryable = options.retryable ?? false;
  }
}

/** What a check of one value found wrong: what was expected, in words, without the where. */
export interface Problem {
  problem: string;
}

export function isProblem(value: unknown): value is Problem {
  return typeof value === 'object' && value !== null && typeof (value as Problem).problem === 'string';
}
