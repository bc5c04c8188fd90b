/**
 * S3 object source: lists and streams CloudTrail log objects. Used by the analyzer Lambda (one
 * object per S3 event) and by `trailalerts scan s3://bucket/prefix` (the usual credential chain).
 */
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { isCloudTrailLogKey } from '../cloudtrail';

export interface S3Location {
  bucket: string;
  prefix: string;
}

/** Parses `s3://bucket/prefix`; returns undefined for anything else. */
export function parseS3Url(url: string): S3Location | undefined {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  return m ? { bucket: m[1], prefix: m[2] ?? '' } : undefined;
}

/** Lists CloudTrail log object keys under a prefix (digests and Insights left out), in key order. */
export async function* listLogKeys(
  s3: S3Client,
  location: S3Location,
  /** Told about each key that is not a CloudTrail log object (digests, Insights, other files). */
  onSkipped?: (key: string) => void,
  /** Only keys after this one (ListObjectsV2 StartAfter). */
  startAfter?: string,
): AsyncGenerator<string> {
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: location.bucket,
        Prefix: location.prefix,
        ContinuationToken: token,
        ...(startAfter !== undefined && token === undefined ? { StartAfter: startAfter } : {}),
      }),
    );
    for (const obj of page.Contents ?? []) {
      if (!obj.Key) continue;
      if (isCloudTrailLogKey(obj.Key)) yield obj.Key;
      else onSkipped?.(obj.Key);
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

/** Opens an object as a byte stream (never buffered whole). */
export async function openObject(s3: S3Client, bucket: string, key: string): Promise<Readable> {
  const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (!res.Body) throw new Error(`s3://${bucket}/${key}: empty response body`);
  return res.Body as Readable;
}

/** What a failed S3 call was doing, for the hint. */
export interface S3Call {
  operation: 'ListObjectsV2' | 'GetObject';
  bucket: string;
  /** The prefix listed or the key read. */
  key: string;
  /** The named profile the credentials came from, when one was chosen. */
  profile?: string;
}

/**
 * An S3 error as something to do: the region, the credentials (a profile, `aws sso login`), the
 * permission a denial lacks. The SDK's own words follow in parentheses; the caller names the
 * s3:// location.
 */
export function s3ErrorHint(error: unknown, call: S3Call): string {
  const e = (error ?? {}) as {
    name?: unknown;
    message?: unknown;
    code?: unknown;
    $metadata?: { httpStatusCode?: number };
  };
  const name = typeof e.name === 'string' ? e.name : '';
  const message = typeof e.message === 'string' ? e.message : String(error);
  const code = typeof e.code === 'string' ? e.code : '';
  const status = e.$metadata?.httpStatusCode;
  const sdk = `(${name && name !== 'Error' ? `${name}: ` : ''}${message.split('\n')[0].slice(0, 300)})`;
  const say = (what: string) => `${what} ${sdk}`;
  const listing = call.operation === 'ListObjectsV2';
  if (/region is missing/i.test(message))
    return say("no AWS region is set: pass --region <the bucket's region> or set AWS_REGION");
  if (/sso|token/i.test(message) && /expired|refresh|invalid/i.test(message))
    return say('the sign-in session has expired: run `aws sso login --profile <profile>` and try again');
  if (call.profile && (name === 'CredentialsProviderError' || /could not load credentials/i.test(message)))
    return say(
      `profile "${call.profile}" gave no credentials: check it exists (\`aws configure list-profiles\`), and for IAM Identity Center run \`aws sso login --profile ${call.profile}\``,
    );
  if (name === 'CredentialsProviderError' || /could not load credentials/i.test(message))
    return say(
      'no AWS credentials found: pass --profile <name> or set AWS_PROFILE (run `aws sso login --profile <name>` first for IAM Identity Center), or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
    );
  if (/^(ExpiredToken|TokenRefreshRequired|RequestExpired)/.test(name))
    return say('the credentials have expired: refresh them (`aws sso login --profile <profile>`)');
  if (name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch')
    return say('the access key is not valid: check the profile or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY');
  if (name === 'NoSuchBucket')
    return say(
      `bucket "${call.bucket}" does not exist: expected the organization trail's bucket (trail.bucket in accounts.yaml)`,
    );
  if (name === 'PermanentRedirect' || name === 'AuthorizationHeaderMalformed' || status === 301)
    return say("the bucket is in another region: pass --region <the bucket's region>");
  if (name === 'NoSuchKey')
    return say('the object no longer exists (deleted or expired since it was listed)');
  if (name === 'AccessDenied' || name === 'Forbidden' || status === 403)
    return say(
      listing
        ? `access denied: the credentials need s3:ListBucket on arn:aws:s3:::${call.bucket} (the trail bucket is in the log-archive account: use a profile or role that can read it)`
        : `access denied: the credentials need s3:GetObject on arn:aws:s3:::${call.bucket}/*, and kms:Decrypt on the trail's KMS key when the bucket uses SSE-KMS`,
    );
  if (/^(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT)$/.test(code) || name === 'TimeoutError')
    return say('cannot reach S3: check the network, a proxy (HTTPS_PROXY) and --region');
  return say(`${call.operation} failed`);
}
