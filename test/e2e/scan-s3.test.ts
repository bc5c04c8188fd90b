/** `scan s3://bucket/prefix` against s3rver: lists log keys (digests left out) and streams each object. */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { MemoryStateStore } from '../../src/alerts/state/memory-store';
import type { Alert } from '../../src/alerts/alert';
import { parseAccountsConfig } from '../../src/org/config';
import { StaticAccountDirectory } from '../../src/org/directory';
import { Analyzer } from '../../src/runtime/analyze';
import { assembleProcessor } from '../../src/runtime/assemble';
import { buildPolicy, loadDetectionContent } from '../../src/runtime/build';
import { scan } from '../../src/runtime/scan';
import type { Diagnostic } from '../../src/core';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver');

const CONFIG = `
organization: { id: o-testorg0001, managementAccountId: '111111111111', securityAccountId: '222222222222', homeRegion: us-east-1 }
trail: { bucket: trail, accountId: '333333333333' }
destinations: { soc: { type: email, from: a@example.com, to: [b@example.com] } }
organizationalUnits: { /: { routes: [{ to: [soc] }] } }
`;

const stop = (id: string, account: string) => ({
  eventID: id,
  eventTime: '2026-11-20T10:00:00Z',
  eventSource: 'cloudtrail.amazonaws.com',
  eventName: 'StopLogging',
  awsRegion: 'us-east-1',
  recipientAccountId: account,
  requestParameters: { name: 'trail' },
  userIdentity: {
    type: 'IAMUser',
    arn: `arn:aws:iam::${account}:user/${id}`,
    accountId: account,
    userName: id,
  },
});

describe('scan s3://', () => {
  let dir: string;
  let server: { run(): Promise<{ port: number }>; close(): Promise<void> };
  let s3: S3Client;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ta-s3scan-'));
    server = new S3rver({
      port: 0,
      address: '127.0.0.1',
      silent: true,
      directory: dir,
      configureBuckets: [{ name: 'trail' }],
    });
    const { port } = await server.run();
    s3 = new S3Client({
      endpoint: `http://127.0.0.1:${port}`,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    const put = (key: string, body: Buffer) =>
      s3.send(new PutObjectCommand({ Bucket: 'trail', Key: key, Body: body }));
    const base = 'AWSLogs/o-testorg0001';
    await put(
      `${base}/444455556666/CloudTrail/us-east-1/2026/11/20/a.json.gz`,
      gzipSync(JSON.stringify({ Records: [stop('u1', '444455556666')] })),
    );
    await put(
      `${base}/555566667777/CloudTrail/eu-west-1/2026/11/20/b.json.gz`,
      gzipSync(JSON.stringify({ Records: [stop('u2', '555566667777')] })),
    );
    await put(
      `${base}/444455556666/CloudTrail-Digest/us-east-1/2026/11/20/d.json.gz`,
      gzipSync(JSON.stringify({ digestStartTime: 'x', logFiles: [] })),
    );
    await put(
      `${base}/444455556666/CloudTrail/us-east-1/2026/11/20/bad.json.gz`,
      Buffer.from('not gzip, not json'),
    );
  }, 30_000);

  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('streams every log object under the prefix through the pipeline and reports damaged ones', async () => {
    const config = parseAccountsConfig(CONFIG, 'accounts.yaml').config!;
    const content = loadDetectionContent(['rules'], config);
    const policy = buildPolicy(config, content, 'rules');
    const directory = new StaticAccountDirectory(config);
    const sent: Alert[] = [];
    const processor = assembleProcessor(config, content, policy, {
      store: new MemoryStateStore(),
      directory,
      sender: { send: async (a) => void sent.push(a) },
    });
    const problems: Diagnostic[] = [];
    const result = await scan({
      inputs: ['s3://trail/AWSLogs/o-testorg0001/'],
      analyzer: new Analyzer({ rules: content.bundle.rules, policy, directory }),
      processor,
      onProblem: (p) => problems.push(p),
      s3,
    });
    expect(result.records).toBe(2);
    expect(
      sent
        .filter((a) => /logging stopped/i.test(a.rule.title))
        .map((a) => a.account.id)
        .sort(),
    ).toEqual(['444455556666', '555566667777']);
    const errors = problems.filter((p) => p.severity === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0].file).toBe(
      's3://trail/AWSLogs/o-testorg0001/444455556666/CloudTrail/us-east-1/2026/11/20/bad.json.gz',
    );
  });

  it('rejects a malformed s3 URL with a clear message', async () => {
    const problems: Diagnostic[] = [];
    await scan({
      inputs: ['s3://'],
      analyzer: {} as Analyzer,
      processor: {} as never,
      onProblem: (p) => problems.push(p),
      s3,
    });
    expect(problems[0]).toMatchObject({ severity: 'error', message: 'expected s3://bucket/prefix' });
  });
});
