/**
 * Where the VPNAPI.io key comes from: a provider function, never an environment variable. It reads
 * the secret through the shared reader (src/secrets/), which caches it; errors name the secret
 * id only. The secret may hold the bare key or JSON such as `{"apiKey":"…"}` (also `key` or `api_key`).
 */
import type { SecretReader } from '../secrets';

/** Returns the API key; rejects with an error that never contains the key. */
export type ApiKeyProvider = () => Promise<string>;

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

/** The key read through the shared secret reader (which caches it); errors never contain it. */
export function secretApiKey(secrets: SecretReader, secretId: string): ApiKeyProvider {
  return async () => {
    let secret: string;
    try {
      secret = await secrets.read(secretId);
    } catch (error) {
      throw new Error(
        `IP-context API key ${error instanceof Error ? error.message : 'secret: could not be read'}`,
      );
    }
    const key = keyFromSecretString(secret);
    if (!key)
      throw new Error(
        `IP-context API key secret ${secretId}: expected the key, or JSON with "apiKey", as SecretString`,
      );
    return key;
  };
}
