/**
 * AWS identifiers as the product accepts them, defined once. The `*_SOURCE` strings compose into
 * larger patterns (keys, ARNs); the anchored patterns test a whole value.
 */

export const ACCOUNT_ID_SOURCE = '\\d{12}';

/** us-east-1, ap-southeast-7, us-gov-west-1: a two-letter area, one or more words, a number. */
export const REGION_SOURCE = '[a-z]{2}(?:-[a-z]+)+-\\d{1,2}';

/** An organization id (o-…), as in AWSLogs/o-…/ of an organization trail. */
export const ORGANIZATION_ID_SOURCE = 'o-[a-z0-9]{10,32}';

export const ACCOUNT_ID = new RegExp(`^${ACCOUNT_ID_SOURCE}$`);
export const REGION = new RegExp(`^${REGION_SOURCE}$`);

/** Whether `value` is a 12-digit account id (any other value, including a number, is not). */
export function isAccountId(value: unknown): value is string {
  return typeof value === 'string' && ACCOUNT_ID.test(value);
}
