/**
 * The S3 client every read of the organization trail bucket goes through. Control Tower and
 * Landing Zone Accelerator forbid changing the log bucket's policy, so the security account reads
 * it as a reader role inside the log-archive account (TRAIL_READER_ROLE_ARN), assumed through STS
 * and refreshed before expiry; without that role, the function's own credentials as before.
 */
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import { RoleCredentials } from '../org';

export interface TrailS3ClientOptions {
  /** The reader role in the log-archive account; undefined or '' = the default credential chain. */
  roleArn?: string;
  /** Names the function in the role's CloudTrail events, e.g. trailalerts-analyzer. */
  sessionName: string;
  /** Default: a client in the function's own region. */
  sts?: STSClient;
  /** Extra client settings (tests: endpoint, path style). */
  s3Config?: S3ClientConfig;
  now?: () => number;
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

export function trailS3Client(options: TrailS3ClientOptions): S3Client {
  const config = options.s3Config ?? {};
  if (!options.roleArn) return new S3Client(config);
  if (!ROLE_ARN.test(options.roleArn))
    throw new Error(
      `TRAIL_READER_ROLE_ARN: expected an IAM role ARN (arn:aws:iam::<account>:role/<name>), got "${options.roleArn.slice(0, 200)}"`,
    );
  const credentials = new RoleCredentials({
    sts: options.sts ?? new STSClient({}),
    roleArn: options.roleArn,
    sessionName: options.sessionName,
    now: options.now,
  });
  return new S3Client({ ...config, credentials: credentials.provider() });
}

/**
 * The trail client a Lambda builds at cold start: the reader role from TRAIL_READER_ROLE_ARN, in
 * the bucket's region (TRAIL_BUCKET_REGION) when the bucket is not in the function's own.
 */
export function trailS3ClientFromEnv(sessionName: string, env: NodeJS.ProcessEnv = process.env): S3Client {
  const region = env.TRAIL_BUCKET_REGION?.trim();
  return trailS3Client({
    roleArn: env.TRAIL_READER_ROLE_ARN?.trim(),
    sessionName,
    s3Config: region ? { region } : undefined,
  });
}
