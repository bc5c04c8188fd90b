/**
 * Imports alerts into AWS Security Hub as ASFF findings (render-asff.ts), through a port
 * (`FindingsImporter`: one BatchImportFindings call) so the core holds no SDK client. Findings go
 * in batches of at most 100; throttling and 5xx are retried with backoff within the send's time
 * (`signal`). Security Hub answers 200 even when it refuses findings: each FailedFindings entry
 * makes the send fail, naming the finding and the error code, so the alert is retried and counted.
 */
import type { Alert } from '../alerts/alert';
import { asffProblems, type AsffFinding } from './asff';
import type { NamedDestination } from './destination';
import { NotificationError, type Notifier } from './notifier';
import { asffFinding, type FindingsAccount } from './render-asff';
import { isRetryableAwsError, withRetry, type RetryOptions, type SendOptions } from './retry';
import { cleanLine } from './sanitize';

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

/** Imports any number of findings in batches; returns every finding Security Hub refused. */
export async function importFindings(
  importer: FindingsImporter,
  findings: AsffFinding[],
  options: { retry?: RetryOptions; signal?: AbortSignal } = {},
): Promise<FailedFinding[]> {
  const failed: FailedFinding[] = [];
  for (let i = 0; i < findings.length; i += IMPORT_BATCH_LIMIT) {
    const batch = findings.slice(i, i + IMPORT_BATCH_LIMIT);
    failed.push(
      ...(await withRetry(
        () => importer.batchImport(batch, options.signal),
        isRetryableAwsError,
        options.retry,
        options.signal,
      )),
    );
  }
  return failed;
}

export interface SecurityHubNotifierOptions {
  importer: FindingsImporter;
  /** The processor's own account and region (accounts.yaml: securityAccountId, homeRegion). */
  account: FindingsAccount;
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
    const failed = await importFindings(
      this.options.importer,
      [findingFor(alert, named, this.options.account, this.now())],
      {
        retry: this.options.retry,
        signal: options.signal,
      },
    );
    if (failed.length > 0)
      throw new NotificationError(
        `securityhub ${named.name}: Security Hub refused ${failed.length} finding(s): ${failed.slice(0, 3).map(describeFailure).join('; ')}`,
        false,
      );
  }
}
