/**
 * `scan s3://…` errors say what to do: the region, the credentials (a profile, `aws sso login`), the
 * permission a denial lacks. Offline: the SDK fails locally for a missing region or credentials.
 */
import { GetObjectCommand, ListObjectsV2Command, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { runScan } from '../../bin/cli/scan';
import { s3ErrorHint } from '../../src/runtime/s3-objects';
import { captureIO, record, stopLoggingRule, tempTree } from './fixtures';

const cli = join(__dirname, '..', '..', 'bin', 'trailalerts.js');
const dir = tempTree({
  'rules/stop.yml': stopLoggingRule,
  't.json': JSON.stringify({ Records: [record('StopLogging')] }),
});

/** No region, no credentials, no instance metadata: whatever the machine running the tests has. */
function offlineEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env))
    if (name.startsWith('AWS_') && name !== 'AWS_CA_BUNDLE') delete env[name];
  return {
    ...env,
    AWS_CONFIG_FILE: join(dir, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra,
  };
}

const scanProcess = (env: NodeJS.ProcessEnv, ...args: string[]) =>
  spawnSync(
    process.execPath,
    [
      cli,
      'scan',
      's3://org-trail-logs/AWSLogs/o-exampleorg1/',
      't.json',
      '--rules',
      'rules',
      '--out',
      'out',
      ...args,
    ],
    { cwd: dir, env, encoding: 'utf8', timeout: 60_000 },
  );

describe('scan s3:// without a region or credentials (whole process, offline)', () => {
  it('says to pass --region or set AWS_REGION, exits 5 and still scans the local file', () => {
    const r = scanProcess(offlineEnv());
    expect(r.stderr).toContain(
      "error: s3://org-trail-logs/AWSLogs/o-exampleorg1/ => no AWS region is set: pass --region <the bucket's region> or set AWS_REGION (Region is missing)",
    );
    expect(r.stdout).toContain('1 alerts sent');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.status).toBe(5);
  }, 60_000);

  it('says to use a profile or `aws sso login` when no credentials are found', () => {
    const r = scanProcess(offlineEnv(), '--region', 'eu-west-1');
    expect(r.stderr).toContain(
      'no AWS credentials found: pass --profile <name> or set AWS_PROFILE (run `aws sso login --profile <name>` first for IAM Identity Center)',
    );
    expect(r.status).toBe(5);
  }, 60_000);

  it('names a --profile that does not exist', () => {
    const r = scanProcess(offlineEnv(), '--region', 'eu-west-1', '--profile', 'audit');
    expect(r.stderr).toContain(
      'error: s3://org-trail-logs/AWSLogs/o-exampleorg1/ => profile "audit" gave no credentials: check it exists (`aws configure list-profiles`), and for IAM Identity Center run `aws sso login --profile audit`',
    );
    expect(r.status).toBe(5);
  }, 60_000);
});

describe('scan s3:// when S3 refuses', () => {
  const s3 = mockClient(S3Client);
  afterEach(() => s3.reset());
  afterAll(() => s3.restore());
  const denied = () =>
    new S3ServiceException({
      name: 'AccessDenied',
      $fault: 'client',
      $metadata: { httpStatusCode: 403 },
      message: 'Access Denied',
    });
  const key =
    'AWSLogs/o-exampleorg1/111122223333/CloudTrail/us-east-1/2026/11/20/111122223333_CloudTrail_us-east-1_20261120T1000Z_abc.json.gz';

  async function scanS3(): Promise<{ code: number; stderr: string }> {
    const io = captureIO();
    const code = await runScan(
      ['s3://org-trail-logs/AWSLogs/', join(dir, 't.json')],
      {
        rules: [join(dir, 'rules')],
        out: join(dir, 'out'),
        format: 'table',
        progress: false,
        region: 'us-east-1',
      },
      io as never,
    );
    return { code, stderr: io.stderr() };
  }

  it('a listing denied names s3:ListBucket on the bucket', async () => {
    s3.on(ListObjectsV2Command).rejects(denied());
    const { code, stderr } = await scanS3();
    expect(stderr).toContain(
      'error: s3://org-trail-logs/AWSLogs/ => access denied: the credentials need s3:ListBucket on arn:aws:s3:::org-trail-logs',
    );
    expect(code).toBe(5);
  });

  it('an object denied names s3:GetObject and kms:Decrypt', async () => {
    s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: key }], IsTruncated: false });
    s3.on(GetObjectCommand).rejects(denied());
    const { code, stderr } = await scanS3();
    expect(stderr).toContain(
      `error: s3://org-trail-logs/${key} => access denied: the credentials need s3:GetObject on arn:aws:s3:::org-trail-logs/*, and kms:Decrypt`,
    );
    expect(code).toBe(5);
  });
});

describe('s3ErrorHint', () => {
  const list = { operation: 'ListObjectsV2' as const, bucket: 'b', key: 'p/' };
  const error = (name: string, message: string, status?: number) =>
    Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });

  it.each([
    [
      'NoSuchBucket',
      error('NoSuchBucket', 'The specified bucket does not exist', 404),
      'bucket "b" does not exist',
    ],
    ['another region', error('PermanentRedirect', 'moved', 301), 'in another region: pass --region'],
    [
      'an expired SSO session',
      error('CredentialsProviderError', 'The SSO session associated with this profile has expired.'),
      'the sign-in session has expired: run `aws sso login --profile <profile>`',
    ],
    [
      'an expired token',
      error('ExpiredToken', 'The provided token has expired.', 400),
      'session has expired',
    ],
    [
      'no network',
      Object.assign(new Error('getaddrinfo ENOTFOUND b'), { code: 'ENOTFOUND' }),
      'cannot reach S3',
    ],
    [
      'anything else',
      error('InternalError', 'internal error', 500),
      'ListObjectsV2 failed (InternalError: internal error)',
    ],
  ])('%s', (_name, err, hint) => {
    expect(s3ErrorHint(err, list)).toContain(hint);
  });
});
