/**
 * S3 object source: lists and streams CloudTrail log objects. Used by the analyzer Lambda (one
 * object per S3 event) and by `trailalerts scan s3://bucket/prefix` (the usual credential chain).
 */
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { isCloudTrailLogKey } from '../cloudtrail/keys';

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
): AsyncGenerator<string> {
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: location.bucket,
        Prefix: location.prefix,
        ContinuationToken: token,
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
