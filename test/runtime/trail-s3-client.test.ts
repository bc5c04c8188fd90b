/**
 * Trail reads through the log-archive account's reader role: a real S3Client against s3rver, which
 * checks every request's signature against the key pairs it knows, so a read succeeds only when
 * it was signed with the credentials STS (aws-sdk-client-mock) handed out for the role.
 */
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RoleAssumptionError } from '../../src/org/role-credentials';
import { trailS3Client, trailS3ClientFromEnv } from '../../src/runtime/trail-s3-client';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver');
// s3rver's account registry: the role's temporary key pairs are registered here, as STS would.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { DUMMY_ACCOUNT } = require('s3rver/lib/models/account') as {
  DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void; revokeAccessKey(id: string): void };
};

const ROLE = 'arn:aws:iam::333333333333:role/trailalerts-trail-reader';
const KEY = 'o-abc123defg/AWSLogs/o-abc123defg/444455556666/CloudTrail/us-east-1/2026/11/20/x.json.gz';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const TOKEN = 'IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN';

describe('trailS3Client', () => {
  const sts = mockClient(STSClient);
  let dir: string;
  let server: { run(): Promise<{ port: number }>; close(): Promise<void> };
  let endpoint: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ta-trail-reader-'));
    server = new S3rver({
      port: 0,
      address: '127.0.0.1',
      silent: true,
      directory: join(dir, 's3'),
      configureBuckets: [{ name: 'trail' }],
    });
    endpoint = `http://127.0.0.1:${(await server.run()).port}`;
    const admin = s3Config({ accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });
    const owner = new S3Client(admin);
    await owner.send(new PutObjectCommand({ Bucket: 'trail', Key: KEY, Body: 'log bytes' }));
    owner.destroy();
  }, 30_000);

  afterAll(async () => {
    sts.restore();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => sts.reset());

  function s3Config(credentials?: { accessKeyId: string; secretAccessKey: string }) {
    return { endpoint, forcePathStyle: true, region: 'us-east-1', ...(credentials ? { credentials } : {}) };
  }

  /** STS hands out key pair n (registered with s3rver), valid for `validMs` from the current clock. */
  function issueKeys(validMs = 3_600_000) {
    let n = 0;
    sts.on(AssumeRoleCommand).callsFake(async () => {
      n++;
      DUMMY_ACCOUNT.createKeyPair(`ASIAREADER${n}`, `${SECRET}${n}`);
      return {
        Credentials: {
          AccessKeyId: `ASIAREADER${n}`,
          SecretAccessKey: `${SECRET}${n}`,
          SessionToken: `${TOKEN}${n}`,
          Expiration: new Date(Date.now() + validMs),
        },
      };
    });
  }

  const reader = (sessionName = 'trailalerts-analyzer') =>
    trailS3Client({
      roleArn: ROLE,
      sessionName,
      sts: new STSClient({ region: 'us-east-1' }),
      s3Config: s3Config(),
    });

  async function read(s3: S3Client): Promise<string> {
    const res = await s3.send(new GetObjectCommand({ Bucket: 'trail', Key: KEY }));
    return res.Body!.transformToString();
  }

  it('signs reads with the assumed role and calls AssumeRole once for many reads', async () => {
    issueKeys();
    const s3 = reader();
    const texts = await Promise.all(Array.from({ length: 12 }, () => read(s3)));
    for (let i = 0; i < 13; i++) texts.push(await read(s3));
    expect(new Set(texts)).toEqual(new Set(['log bytes']));
    const calls = sts.commandCalls(AssumeRoleCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0].args[0].input).toMatchObject({ RoleArn: ROLE, RoleSessionName: 'trailalerts-analyzer' });
    s3.destroy();
  });

  it('proves the client signs with what STS returned: a key s3rver does not know is refused', async () => {
    sts.on(AssumeRoleCommand).resolves({
      Credentials: {
        AccessKeyId: 'ASIAUNKNOWN',
        SecretAccessKey: 'x',
        SessionToken: 't',
        Expiration: new Date(Date.now() + 3_600_000),
      },
    });
    const s3 = reader();
    await expect(read(s3)).rejects.toMatchObject({ name: 'InvalidAccessKeyId' });
    s3.destroy();
  });

  // Credentials valid for 5 minutes and 1 second: after a 1.1 s pause they are inside both the SDK's
  // and RoleCredentials' 5-minute refresh margin (real clocks: s3rver checks the request time).
  const SHORT_LIVED_MS = 5 * 60_000 + 1000;
  const pause = () => new Promise((resolve) => setTimeout(resolve, 1100));

  it('assumes the role again when the credentials are within 5 minutes of expiry', async () => {
    issueKeys(SHORT_LIVED_MS);
    const s3 = reader('trailalerts-hunt-worker');
    await read(s3);
    await read(s3);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1);
    await pause();
    // The old key is revoked, so this read must be signed with the new one.
    DUMMY_ACCOUNT.revokeAccessKey('ASIAREADER1');
    expect(await read(s3)).toBe('log bytes');
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);
    expect(sts.commandCalls(AssumeRoleCommand)[1].args[0].input.RoleSessionName).toBe(
      'trailalerts-hunt-worker',
    );
    s3.destroy();
  });

  it('fails a read with an error naming the role when AssumeRole is denied, carrying no credentials', async () => {
    issueKeys(SHORT_LIVED_MS);
    const s3 = reader();
    await read(s3);
    // The refresh is denied (the trust policy was changed): the error must not carry the old credentials.
    sts
      .on(AssumeRoleCommand)
      .rejects(
        Object.assign(
          new Error(
            `User: arn:aws:sts::222222222222:assumed-role/analyzer/x is not authorized to perform: sts:AssumeRole on resource: ${ROLE}`,
          ),
          { name: 'AccessDenied', $metadata: { httpStatusCode: 403, requestId: 'req-1' } },
        ),
      );
    await pause();
    const err = await read(s3).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(RoleAssumptionError);
    expect(err!.message).toContain(
      `AssumeRole into ${ROLE} (session trailalerts-analyzer) failed: AccessDenied`,
    );
    expect(err!.message).toContain('trust policy');
    const everything = [
      err!.message,
      err!.stack,
      JSON.stringify(err),
      ...Object.values(err!).map(String),
    ].join('\n');
    for (const secret of ['ASIAREADER', SECRET, TOKEN]) expect(everything).not.toContain(secret);
    s3.destroy();
  });

  it('uses the default credential chain when no role is set, and never calls STS', async () => {
    const s3 = trailS3Client({
      sessionName: 'trailalerts-analyzer',
      roleArn: '',
      s3Config: s3Config({ accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }),
    });
    expect(await read(s3)).toBe('log bytes');
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
    s3.destroy();
  });

  it('rejects a TRAIL_READER_ROLE_ARN that is not a role ARN, naming the variable', () => {
    expect(() =>
      trailS3ClientFromEnv('trailalerts-analyzer', { TRAIL_READER_ROLE_ARN: 'trail-reader' }),
    ).toThrow(
      'TRAIL_READER_ROLE_ARN: expected an IAM role ARN (arn:aws:iam::<account>:role/<name>), got "trail-reader"',
    );
    expect(trailS3ClientFromEnv('trailalerts-analyzer', {})).toBeInstanceOf(S3Client);
    expect(trailS3ClientFromEnv('trailalerts-analyzer', { TRAIL_READER_ROLE_ARN: ROLE })).toBeInstanceOf(
      S3Client,
    );
  });
});

describe('Lambda entry points build their trail client from TRAIL_READER_ROLE_ARN', () => {
  it.each([
    ['../../src/analyzer/handler', 'trailalerts-analyzer'],
    ['../../src/hunt/handler', 'trailalerts-hunt-worker'],
    ['../../src/poller/handler', 'trailalerts-poller'],
  ])('%s uses session %s', (module, sessionName) => {
    const fromEnv = jest.fn(() => new S3Client({ region: 'us-east-1' }));
    jest.isolateModules(() => {
      jest.doMock('../../src/runtime/trail-s3-client', () => ({ trailS3ClientFromEnv: fromEnv }));
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require(module);
    });
    expect(fromEnv).toHaveBeenCalledWith(sessionName);
  });
});
