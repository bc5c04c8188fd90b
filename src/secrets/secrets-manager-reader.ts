/**
 * The SecretReader of the processor Lambda: Secrets Manager through Powertools' parameters
 * utility, which keeps each value for `maxAgeSeconds`, so a warm container reads a secret once
 * per period whatever the number of alerts. Concurrent reads of one secret share one request.
 */
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { errorKind, type SecretReader } from './secret-reader';

/** How long a value is reused: a rotated secret is picked up within this time. */
export const SECRET_MAX_AGE_SECONDS = 300;

export interface SecretsManagerReaderOptions {
  maxAgeSeconds?: number;
}

export class SecretsManagerReader implements SecretReader {
  private readonly provider: SecretsProvider;
  private readonly maxAge: number;
  private readonly pending = new Map<string, Promise<string>>();
  private readonly stale = new Set<string>();

  /** `client` carries the processor's timeouts (processor/clients.ts). */
  constructor(client: SecretsManagerClient, options: SecretsManagerReaderOptions = {}) {
    this.provider = new SecretsProvider({ awsSdkV3Client: client });
    this.maxAge = options.maxAgeSeconds ?? SECRET_MAX_AGE_SECONDS;
  }

  read(secretId: string): Promise<string> {
    let read = this.pending.get(secretId);
    if (!read) {
      read = this.fetch(secretId).finally(() => this.pending.delete(secretId));
      this.pending.set(secretId, read);
    }
    return read;
  }

  forget(secretId: string): void {
    this.stale.add(secretId);
  }

  private async fetch(secretId: string): Promise<string> {
    const forceFetch = this.stale.delete(secretId);
    let value: unknown;
    try {
      value = await this.provider.get(secretId, { maxAge: this.maxAge, forceFetch });
    } catch (error) {
      throw new Error(`secret ${secretId}: could not be read (${errorKind(error)})`);
    }
    // A binary or empty secret is a configuration mistake, not something to send.
    if (typeof value !== 'string' || value === '')
      throw new Error(`secret ${secretId}: expected a non-empty SecretString`);
    return value;
  }
}
