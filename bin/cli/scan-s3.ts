/**
 * The S3 client `trailalerts scan s3://…` reads through: the region and profile given on the
 * command line, and errors that say what to do (src/runtime/s3-objects.ts s3ErrorHint). A
 * listing that fails is reported as unreadable input and ends that prefix only, so the other inputs
 * are still scanned; an object that cannot be read fails with the hint and the scan goes on.
 */
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { s3ErrorHint } from '../../src/runtime';
import type { Diagnostic } from '../../src/core';

export interface ScanS3Options {
  region?: string;
  profile?: string;
}

export function scanS3Client(options: ScanS3Options, onProblem: (p: Diagnostic) => void): S3Client {
  const client = new S3Client({
    ...(options.region ? { region: options.region } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
    // A bucket in another region than --region is found rather than refused.
    followRegionRedirects: true,
  });
  const send = async (command: unknown): Promise<unknown> => {
    try {
      return await client.send(command as ListObjectsV2Command);
    } catch (err) {
      if (command instanceof ListObjectsV2Command) {
        const { Bucket = '', Prefix = '' } = command.input;
        const call = {
          operation: 'ListObjectsV2' as const,
          bucket: Bucket,
          key: Prefix,
          profile: options.profile,
        };
        const hint = s3ErrorHint(err, call);
        onProblem({ severity: 'error', file: `s3://${Bucket}/${Prefix}`, message: hint });
        // An empty last page: the scan moves on to its next input.
        return { Contents: [], IsTruncated: false, $metadata: {} };
      }
      if (command instanceof GetObjectCommand) {
        const { Bucket = '', Key = '' } = command.input;
        throw new Error(
          s3ErrorHint(err, { operation: 'GetObject', bucket: Bucket, key: Key, profile: options.profile }),
        );
      }
      throw err;
    }
  };
  return new Proxy(client, {
    get: (target, property, receiver) =>
      property === 'send' ? send : (Reflect.get(target, property, receiver) as unknown),
  });
}
