/**
 * The secret-reading port: webhook URLs, the PagerDuty routing key and the VPNAPI.io key are all
 * read through one reader (secrets-manager-reader.ts in the processor, a fake in tests). A value
 * is never logged nor put in an error message: errors name the secret id and the error kind.
 */

export interface SecretReader {
  /** The secret's string value; rejects with an error that never contains it. */
  read(secretId: string): Promise<string>;
  /** The next read fetches the value again (e.g. after the endpoint refused it as revoked). */
  forget?(secretId: string): void;
}

/** The kind of a failure (its `name`, or its cause's), never its message: messages can carry values. */
export function errorKind(error: unknown): string {
  const named = (e: unknown): string | undefined =>
    typeof e === 'object' && e !== null && 'name' in e && typeof e.name === 'string' ? e.name : undefined;
  const cause = typeof error === 'object' && error !== null && 'cause' in error ? error.cause : undefined;
  return named(cause) ?? named(error) ?? 'Error';
}
