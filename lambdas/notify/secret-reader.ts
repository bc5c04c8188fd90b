/**
 * Reads secrets (webhook URLs) from Secrets Manager with a small in-memory cache, so a warm Lambda
 * does not call Secrets Manager for every alert. Secret values are never logged and never put in
 * error messages; errors name only the secret id.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export interface SecretReader {
  /** The secret's string value. */
  read(secretId: string): Promise<string>;
  /** Drops a cached value, if the reader caches (e.g. after the webhook refused the URL). */
  forget?(secretId: string): void;
}

export interface CachedSecretReaderOptions {
  /** How long a value is reused, in ms. Default 5 minutes. */
  ttlMs?: number;
  now?: () => number;
}

export class CachedSecretReader implements SecretReader {
  private readonly cache = new Map<string, { value: string; expires: number }>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(
    private readonly client: SecretsManagerClient,
    options: CachedSecretReaderOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 5 * 60 * 1000;
    this.now = options.now ?? Date.now;
  }

  async read(secretId: string): Promise<string> {
    const hit = this.cache.get(secretId);
    if (hit && hit.expires > this.now()) return hit.value;
    let value: string | undefined;
    try {
      const out = await this.client.send(new GetSecretValueCommand({ SecretId: secretId }));
      value = out.SecretString;
    } catch (error) {
      const name =
        typeof error === 'object' && error !== null && 'name' in error
          ? String((error as { name: unknown }).name)
          : 'Error';
      throw new Error(`secret ${secretId}: could not be read (${name})`);
    }
    if (typeof value !== 'string' || value === '')
      throw new Error(`secret ${secretId}: expected a non-empty SecretString`);
    this.cache.set(secretId, { value, expires: this.now() + this.ttlMs });
    return value;
  }

  /** Forgets a cached value (e.g. after the webhook rejected it), so the next read fetches it again. */
  forget(secretId: string): void {
    this.cache.delete(secretId);
  }
}
