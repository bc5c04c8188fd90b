/**
 * CloudTrail S3 key layout: parses organization and account trail keys
 * (`[prefix/]AWSLogs/[<org-id>/]<account>/CloudTrail/<region>/YYYY/MM/DD/<file>.json.gz`),
 * decides which keys are log files, decodes S3 event keys, and says which account owns a record.
 */
import { ACCOUNT_ID_SOURCE, isAccountId, ORGANIZATION_ID_SOURCE, type CloudTrailRecord } from '../core';

export type TrailKeyKind = 'log' | 'digest' | 'insight' | 'other';

export interface TrailKey {
  /** Text before `AWSLogs/` without the trailing slash ('' when none; `s3://bucket/` removed). */
  prefix: string;
  orgId?: string;
  accountId: string;
  region: string;
  /** `YYYY-MM-DD` from the key's date folders. */
  date: string;
  kind: TrailKeyKind;
  /** Last path segment. */
  fileName: string;
}

const KEY_PATTERN = new RegExp(
  `^(?:(.*?)/)?AWSLogs/(?:(${ORGANIZATION_ID_SOURCE})/)?(${ACCOUNT_ID_SOURCE})/([A-Za-z0-9-]+)/([a-z0-9-]+)/(\\d{4})/(\\d{2})/(\\d{2})/([^/]+)$`,
);

const KIND_BY_FOLDER: Record<string, TrailKeyKind> = {
  CloudTrail: 'log',
  'CloudTrail-Digest': 'digest',
  'CloudTrail-Insight': 'insight',
};

/** Parses a trail key, an `s3://bucket/key` URL or a local path in the trail layout; undefined otherwise. */
export function parseTrailKey(key: string): TrailKey | undefined {
  if (typeof key !== 'string' || key.length > 2048) return undefined;
  const normalized = key.replace(/\\/g, '/').replace(/^s3:\/\/[^/]+\/?/, '');
  const m = KEY_PATTERN.exec(normalized);
  if (!m) return undefined;
  const [, prefix, orgId, accountId, folder, region, year, month, day, fileName] = m;
  const monthNumber = Number(month);
  const dayNumber = Number(day);
  if (monthNumber < 1 || monthNumber > 12 || dayNumber < 1 || dayNumber > 31) return undefined;
  let kind: TrailKeyKind = KIND_BY_FOLDER[folder] ?? 'other';
  if (kind === 'log' && !/\.json(\.gz)?$/.test(fileName)) kind = 'other';
  return {
    prefix: prefix ?? '',
    ...(orgId ? { orgId } : {}),
    accountId,
    region,
    date: `${year}-${month}-${day}`,
    kind,
    fileName,
  };
}

/** True for CloudTrail log files (not digests, Insights or other services): what the analyzer reads. */
export function isCloudTrailLogKey(key: string): boolean {
  return parseTrailKey(key)?.kind === 'log';
}

/**
 * Decodes an object key from an S3 event notification (URL-encoded, `+` for space). A key that
 * is not valid percent-encoding is returned with only `+` replaced, never throwing.
 */
export function decodeS3EventKey(key: string): string {
  const spaced = key.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

function accountText(value: unknown): string | undefined {
  return isAccountId(value) ? value : undefined;
}

/**
 * The account that owns an event: `recipientAccountId`, else the account in the object key,
 * else `userIdentity.accountId`. Only well-formed 12-digit ids count.
 */
export function accountOf(record: CloudTrailRecord, keyAccountId?: string): string | undefined {
  const recipient = accountText(record?.recipientAccountId);
  if (recipient) return recipient;
  const fromKey = accountText(keyAccountId);
  if (fromKey) return fromKey;
  const identity = record?.userIdentity;
  if (typeof identity === 'object' && identity !== null)
    return accountText((identity as Record<string, unknown>).accountId);
  return undefined;
}
