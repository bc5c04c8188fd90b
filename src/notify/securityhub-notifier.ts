/**
 * Imports alerts into AWS Security Hub as ASFF findings (render-asff.ts), through a port
 * (`FindingsImporter`: one BatchImportFindings call; securityhub-client.ts is the AWS adapter) so
 * the core holds no SDK client. Findings go in batches of at most 100; throttling and 5xx are
 * retried with backoff within the send's time (`signal`). Security Hub answers 200 even when it
 * refuses findings: a FailedFindings entry with a transient code is tried again, and any left
 * make the send fail, naming the finding and the error code, so the alert is retried and counted.
 */
import type { Alert } from '../alerts';
import { asffProblems, type AsffFinding } from './asff';
import type { NamedDestination } from './destination';
import { NotificationError, type Notifier } from './notifier';
import { asffFinding, type FindingsAccount } from './render-asff';
import { isRetryableAwsError, withRetry, type RetryOptions, type SendOptions } from './retry';
import { cleanLine } from './sanitize';
import { TrailAlertsError } from '../core';

/** A finding BatchImportFindings did not take. */
export interface FailedFinding {
  id?: string;
  code?: string;
  message?: string;
}

/** One BatchImportFindings call; the AWS adapter passes `signal` to the SDK as its abortSignal. */
export interface FindingsImporter {
  batchImport(findings: AsffFinding[], signal?: AbortSignal): Promise<FailedFinding[]>;
}

/** The most findings one BatchImportFindings call accepts. */
export const IMPORT_BATCH_LIMIT = 100;

/**
 * Whether a refused finding may be taken on a second try: Security Hub's throttling and
 * internal errors (LimitExceededException is its request-rate limit), not invalid input or
 * missing permissions, which fail the same way every time.
 */
export function isTransientFailure(failure: FailedFinding): boolean {
  const code = failure.code ?? '';
  return code === 'LimitExceededException' || isRetryableAwsError({ name: code });
}

/** The findings of one call that failed for now: tried again, alone, by withRetry. */
class TransientFailures extends TrailAlertsError {
  constructor(readonly failures: FailedFinding[]) {
    super(`${failures.length} finding(s) refused for now`);
  }
}

/**
 * Imports any number of findings in batches of at most 100; returns every finding Security Hub
 * refused. A call that throws a retryable AWS error is tried again whole; findings refused with a
 * transient code are tried again on their own, with the same backoff, until the attempts run out.
 */
export async function importFindings(
  importer: FindingsImporter,
  findings: AsffFinding[],
  options: { retry?: RetryOptions; signal?: AbortSignal } = {},
): Promise<FailedFinding[]> {
  const failed: FailedFinding[] = [];
  for (let i = 0; i < findings.length; i += IMPORT_BATCH_LIMIT) {
    let pending = findings.slice(i, i + IMPORT_BATCH_LIMIT);
    try {
      await withRetry(
        async () => {
          const refused = await importer.batchImport(pending, options.signal);
          const transient = refused.filter(isTransientFailure);
          failed.push(...refused.filter((f) => !isTransientFailure(f)));
          if (transient.length === 0) return;
          const again = new Set(transient.map((f) => f.id));
          const next = pending.filter((f) => again.has(f.Id));
          // Refusals that name none of the findings sent cannot be tried again on their own.
          if (next.length < transient.length) {
            failed.push(...transient);
            return;
          }
          pending = next;
          throw new TransientFailures(transient);
        },
        (e) => e instanceof TransientFailures || isRetryableAwsError(e),
        options.retry,
        options.signal,
      );
    } catch (error) {
      if (!(error instanceof TransientFailures)) throw error;
      failed.push(...error.failures);
    }
  }
  return failed;
}

/**
 * When each finding was first and last observed, over all its imports. Security Hub keeps what
 * the latest import of a finding id says, so without it a repeat would move the finding's
 * CreatedAt and FirstObservedAt to the repeat's time, and a late retry its LastObservedAt back.
 */
export interface FindingTimes {
  /**
   * Merges this import's times (ISO-8601 UTC) with those remembered for the finding id: the
   * earliest first, the latest last. Returns the merged times, which are remembered.
   */
  observe(id: string, first: string, last: string): Promise<{ first: string; last: string }>;
}

export interface SecurityHubNotifierOptions {
  importer: FindingsImporter;
  /** The processor's own account and region (accounts.yaml: securityAccountId, homeRegion). */
  account: FindingsAccount;
  /** Without it each import carries only its own alert's times. */
  times?: FindingTimes;
  /** Stamps UpdatedAt. */
  now?: () => Date;
  retry?: RetryOptions;
}

/** A failure as a log-safe line: ids and codes as given, Security Hub's message cleaned and capped. */
function describeFailure(f: FailedFinding): string {
  const message = cleanLine(f.message, 200);
  return `${cleanLine(f.id, 100) || '(no id)'}: ${cleanLine(f.code, 64) || 'error'}${message ? ` (${message})` : ''}`;
}

/** The finding an alert becomes, checked: what the notifier imports and the outbox writes. */
export function findingFor(
  alert: Alert,
  named: NamedDestination,
  account: FindingsAccount,
  now: Date,
): AsffFinding {
  const finding = asffFinding(alert, account, now);
  const problems = asffProblems(finding);
  if (problems.length > 0)
    throw new NotificationError(
      `securityhub ${named.name}: not a valid finding (${problems.join('; ')})`,
      false,
    );
  return finding;
}

/**
 * The finding with the times of all its imports (FindingTimes), when there is a store of them. A
 * store that fails fails the send, retryable: the alert is retried, not imported with wrong times.
 */
export async function observedFinding(
  finding: AsffFinding,
  times: FindingTimes | undefined,
): Promise<AsffFinding> {
  if (!times) return finding;
  const first = finding.FirstObservedAt ?? finding.CreatedAt;
  const last = finding.LastObservedAt ?? first;
  let observed: { first: string; last: string };
  try {
    observed = await times.observe(finding.Id, first, last);
  } catch (err) {
    throw new NotificationError(
      `securityhub: could not read the observed times of finding ${finding.Id} (${cleanLine((err as Error)?.message, 200)})`,
      true,
    );
  }
  return {
    ...finding,
    CreatedAt: observed.first,
    FirstObservedAt: observed.first,
    LastObservedAt: observed.last,
    UpdatedAt: finding.UpdatedAt < observed.last ? observed.last : finding.UpdatedAt,
  };
}

export class SecurityHubNotifier implements Notifier {
  private readonly now: () => Date;

  constructor(private readonly options: SecurityHubNotifierOptions) {
    this.now = options.now ?? (() => new Date());
  }

  async send(alert: Alert, named: NamedDestination, options: SendOptions = {}): Promise<void> {
    if (named.destination.type !== 'securityhub')
      throw new Error(
        `destination ${named.name}: expected a securityhub destination, got ${named.destination.type}`,
      );
    const finding = await observedFinding(
      findingFor(alert, named, this.options.account, this.now()),
      this.options.times,
    );
    const failed = await importFindings(this.options.importer, [finding], {
      retry: this.options.retry,
      signal: options.signal,
    });
    // Not delivered: the message goes back to SQS and is retried, then waits in the DLQ.
    if (failed.length > 0)
      throw new NotificationError(
        `securityhub ${named.name}: Security Hub refused ${failed.length} finding(s): ${failed.slice(0, 3).map(describeFailure).join('; ')}`,
        failed.every(isTransientFailure),
      );
  }
}
