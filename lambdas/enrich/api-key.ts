/**
 * Where the VPNAPI.io key comes from: a provider function, never an environment variable. The
 * Secrets Manager provider caches the key in memory for a while; errors name the secret id only.
 * The secret may hold the bare key or JSON such as `{"apiKey":"…"}` (also `key` or `api_key`).
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** Returns the API key; rejects with an error that never contains the key. */
export type ApiKeyProvider = () => Promise<string>;

export interface SecretsManagerKeyOptions {
  /** How long the key is reused before reading the secret again, in ms. Default 15 minutes. */
  ttlMs?: number;
  now?: () => number;
}

/** Extracts the key from a secret string (bare, or JSON with apiKey/key/api_key). */
export function keyFromSecretString(secret: string): string | undefined {
  const trimmed = secret.trim();
  if (trimmed.startsWith('{')) {
    try {
      const parsed = JSON.parse(trimmed) as Record<string, unknown>;
      for (const name of ['apiKey', 'key', 'api_key']) {
        const value = parsed[name];
        if (typeof value === 'string' && value.trim() !== '') return value.trim();
      }
      return undefined;
    } catch {
      return undefined;
    }
  }
  return trimmed === '' ? undefined : trimmed;
}

/** A cached key provider over Secrets Manager. Concurrent callers share one read. */
export function secretsManagerKeyProvider(
  client: SecretsManagerClient,
  secretId: string,
  options: SecretsManagerKeyOptions = {},
): ApiKeyProvider {
  const ttlMs = options.ttlMs ?? 15 * 60 * 1000;
  const now = options.now ?? Date.now;
  let cached: { key: string; expires: number } | undefined;
  let pending: Promise<string> | undefined;

  async function read(): Promise<string> {
    let secret: string | undefined;
    try {
      secret = (await client.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;
    } catch (error) {
      const name =
        typeof error === 'object' && error !== null && 'name' in error
          ? String((error as { name: unknown }).name)
          : 'Error';
      throw new Error(`IP-context API key secret ${secretId}: could not be read (${name})`);
    }
    const key = typeof secret === 'string' ? keyFromSecretString(secret) : undefined;
    if (!key)
      throw new Error(
        `IP-context API key secret ${secretId}: expected the key, or JSON with "apiKey", as SecretString`,
      );
    cached = { key, expires: now() + ttlMs };
    return key;
  }

  return async () => {
    if (cached && cached.expires > now()) return cached.key;
    pending ??= read().finally(() => {
      pending = undefined;
    });
    return pending;
  };
}
