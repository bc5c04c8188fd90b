/**
 * Credentials from STS AssumeRole into the management account's read-only role, cached and
 * refreshed before they expire. Concurrent callers during a refresh share one AssumeRole call.
 * The credentials live only in memory; they are never logged.
 */
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';

export interface TemporaryCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

export interface RoleCredentialsOptions {
  sts: STSClient;
  roleArn: string;
  sessionName?: string;
  /** Refresh this long before expiry (default 5 minutes). */
  refreshMarginMs?: number;
  durationSeconds?: number;
  now?: () => number;
}

export class RoleCredentials {
  private current?: TemporaryCredentials;
  private pending?: Promise<TemporaryCredentials>;
  private readonly now: () => number;

  constructor(private readonly options: RoleCredentialsOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Valid credentials, assuming the role again when they expire within the margin. */
  get(): Promise<TemporaryCredentials> {
    const margin = this.options.refreshMarginMs ?? 5 * 60_000;
    if (this.current && this.current.expiration.getTime() - margin > this.now())
      return Promise.resolve(this.current);
    this.pending ??= this.assume().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async assume(): Promise<TemporaryCredentials> {
    const out = await this.options.sts.send(
      new AssumeRoleCommand({
        RoleArn: this.options.roleArn,
        RoleSessionName: this.options.sessionName ?? 'trailalerts-account-directory',
        DurationSeconds: this.options.durationSeconds ?? 3600,
      }),
    );
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) {
      throw new Error(`AssumeRole ${this.options.roleArn} returned no credentials`);
    }
    this.current = {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
      expiration: new Date(c.Expiration),
    };
    return this.current;
  }
}
