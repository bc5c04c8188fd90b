/**
 * The AWS adapter of the FindingsImporter port: one BatchImportFindings call per batch, its
 * FailedFindings as the port's FailedFinding list. Only the processor Lambda imports it (the CLI
 * writes findings to the outbox), so the Security Hub client stays out of the CLI bundle.
 */
import {
  BatchImportFindingsCommand,
  type AwsSecurityFinding,
  type SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import type { AsffFinding } from './asff';
import type { FailedFinding, FindingsImporter } from './securityhub-notifier';

export class SecurityHubImporter implements FindingsImporter {
  constructor(readonly client: SecurityHubClient) {}

  /** Closes the client's connections, as the other clients' destroy() does. */
  destroy(): void {
    this.client.destroy();
  }

  async batchImport(findings: AsffFinding[], signal?: AbortSignal): Promise<FailedFinding[]> {
    const out = await this.client.send(
      // AsffFinding is the subset of AwsSecurityFinding this project writes.
      new BatchImportFindingsCommand({ Findings: findings satisfies AwsSecurityFinding[] }),
      signal ? { abortSignal: signal } : undefined,
    );
    return (out.FailedFindings ?? []).map((f) => ({ id: f.Id, code: f.ErrorCode, message: f.ErrorMessage }));
  }
}
