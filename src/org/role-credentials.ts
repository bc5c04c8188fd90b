/**
 * Credentials from STS AssumeRole into another account's role (the management account's
 * read-only role for the account directory, the log-archive account's trail reader role),
 * cached and refreshed before they expire. Concurrent callers during a refresh share one
 * AssumeRole call. The credentials live only in memory; they are never logged, and no error
 * carries them.
 */
import { AssumeRoleCommand, type AssumeRoleCommandOutput, type STSClient } from '@aws-sdk/client-sts';
import { TrailAlertsError } from '../core';

export interface TemporaryCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

/** An SDK v3 credential provider (`new S3Client({ credentials })`), structurally AwsCredentialIdentityProvider. */
export type CredentialProvider = () => Promise<TemporaryCredentials>;

export interface RoleCredentialsOptions {
  sts: STSClient;
  roleArn: string;
  /** Names the caller in the role's CloudTrail events (default trailalerts-account-directory). */
  sessionName?: string;
  /** Refresh this long before expiry (default 5 minutes). */
  refreshMarginMs?: number;
  durationSeconds?: number;
  now?: () => number;
}

/** AssumeRole failed: names the role and session and STS's reason; never holds credentials. */
export class RoleAssumptionError extends TrailAlertsError {
  constructor(
    readonly roleArn: string,
    readonly sessionName: string,
    /** STS's error name, e.g. AccessDenied. */
    readonly reason: string,
    stsMessage: string,
  ) {
    const hint =
      reason === 'AccessDenied'
        ? "; expected the role to exist and its trust policy to let this function's own role assume it"
        : '';
    super(`AssumeRole into ${roleArn} (session ${sessionName}) failed: ${reason}: ${stsMessage}${hint}`);
  }
}

const DEFAULT_SESSION_NAME = 'trailalerts-account-directory';

export class RoleCredentials {
  private current?: TemporaryCredentials;
  private pending?: Promise<TemporaryCredentials>;
  private readonly now: () => number;

  constructor(private readonly options: RoleCredentialsOptions) {
    this.now = options.now ?? (() => Date.now());
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

  /** This cache as an SDK v3 credential provider. */
  provider(): CredentialProvider {
    return () => this.get();
  }

  private async assume(): Promise<TemporaryCredentials> {
    const sessionName = this.options.sessionName ?? DEFAULT_SESSION_NAME;
    let out: AssumeRoleCommandOutput;
    try {
      out = await this.options.sts.send(
        new AssumeRoleCommand({
          RoleArn: this.options.roleArn,
          RoleSessionName: sessionName,
          DurationSeconds: this.options.durationSeconds ?? 3600,
        }),
      );
    } catch (err) {
      // Only STS's error name and message go on: the SDK error also holds the raw response.
      const e = err as { name?: string; message?: string };
      throw new RoleAssumptionError(this.options.roleArn, sessionName, e.name ?? 'Error', String(e.message));
    }
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
