/**
 * Reads and writes one statement of a bucket policy through S3, safely next to other writers:
 * the policy is read twice around the merge and re-read after the write, and the whole round is
 * retried when another writer changed the policy in between (S3 has no conditional policy write).
 */
import {
  DeleteBucketPolicyCommand,
  GetBucketPolicyCommand,
  PutBucketPolicyCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  hasStatement,
  mergeStatement,
  parsePolicy,
  removeStatement,
  type PolicyStatement,
} from './bucket-policy';

export interface SyncOptions {
  /** Read-merge-write rounds before giving up (default 5). */
  attempts?: number;
  /** Waits between rounds; injectable for tests (default: 200 ms × round). */
  sleep?: (ms: number) => Promise<void>;
}

export type SyncOutcome = 'unchanged' | 'written' | 'deleted';

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The bucket's policy text, or undefined when it has none. */
export async function readBucketPolicy(s3: S3Client, bucket: string): Promise<string | undefined> {
  try {
    const out = await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }));
    return out.Policy;
  } catch (err) {
    if ((err as { name?: string }).name === 'NoSuchBucketPolicy') return undefined;
    throw err;
  }
}

/** Adds or replaces `statement` (by Sid) in the bucket policy; other statements are untouched. */
export async function putPolicyStatement(
  s3: S3Client,
  bucket: string,
  statement: PolicyStatement,
  options: SyncOptions = {},
): Promise<SyncOutcome> {
  return retryRounds(bucket, options, async () => {
    const before = await readBucketPolicy(s3, bucket);
    const doc = parsePolicy(before);
    if (hasStatement(doc, statement)) return 'unchanged';
    const merged = mergeStatement(doc, statement);
    if ((await readBucketPolicy(s3, bucket)) !== before) return undefined;
    await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(merged) }));
    return hasStatement(parsePolicy(await readBucketPolicy(s3, bucket)), statement) ? 'written' : undefined;
  });
}

/** Removes the statement `sid` from the bucket policy (deleting the policy if it was the last). */
export async function deletePolicyStatement(
  s3: S3Client,
  bucket: string,
  sid: string,
  options: SyncOptions = {},
): Promise<SyncOutcome> {
  return retryRounds(bucket, options, async () => {
    const before = await readBucketPolicy(s3, bucket);
    const doc = parsePolicy(before);
    if (!doc.Statement.some((s) => s.Sid === sid)) return 'unchanged';
    const rest = removeStatement(doc, sid);
    if ((await readBucketPolicy(s3, bucket)) !== before) return undefined;
    if (rest === undefined) {
      await s3.send(new DeleteBucketPolicyCommand({ Bucket: bucket }));
    } else {
      await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(rest) }));
    }
    const after = parsePolicy(await readBucketPolicy(s3, bucket));
    return after.Statement.some((s) => s.Sid === sid)
      ? undefined
      : rest === undefined
        ? 'deleted'
        : 'written';
  });
}

/** Runs `round` until it returns an outcome (undefined means "the policy changed under us"). */
async function retryRounds(
  bucket: string,
  options: SyncOptions,
  round: () => Promise<SyncOutcome | undefined>,
): Promise<SyncOutcome> {
  const attempts = options.attempts ?? 5;
  const sleep = options.sleep ?? wait;
  for (let i = 1; i <= attempts; i++) {
    const outcome = await round();
    if (outcome !== undefined) return outcome;
    if (i < attempts) await sleep(200 * i);
  }
  throw new Error(
    `bucket ${bucket}: the policy kept changing during ${attempts} attempts; retry the deployment`,
  );
}
