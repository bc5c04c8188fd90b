/**
 * The hunt worker core and Lambda handler: day prefixes listed through a mocked S3, objects read
 * from gzip buffers, rules narrowed by reference, the time window (of events, and of objects by
 * the time in their key), alert vs report mode, damaged content told from objects that could
 * not be read, queue failures fatal, the time budget, prefixes counted once, bad batches, and
 * matches the queue took only trimmed.
 */
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import type { Match } from '../../src/alerts/alert';
import { createHuntHandler } from '../../src/hunt/handler';
import { HuntInputError, parseHuntBatch, type HuntItem } from '../../src/hunt/input';
import { parseHuntTime } from '../../src/hunt/plan';
import {
  huntBatch,
  MatchSinkError,
  selectRules,
  TIME_RESERVE_MS,
  type HuntWorkerDeps,
} from '../../src/hunt/worker';
import { parseAccountsConfig } from '../../src/org/config';
import { StaticAccountDirectory } from '../../src/org/directory';
import { buildPolicy, loadDetectionContent } from '../../src/runtime/build';
import type { Runtime } from '../../src/runtime/runtime';
import type { CompiledRule } from '../../src/sigma/model';
import { parseRules } from '../../src/sigma';

const ROOT = 'AWSLogs/o-testorg0001/';
const ACCOUNT = '444455556666';
const DAY = `${ROOT}${ACCOUNT}/CloudTrail/us-east-1/2026/08/02/`;
const DAY2 = `${ROOT}${ACCOUNT}/CloudTrail/us-east-1/2026/08/03/`;

const CONFIG = `
organization: { id: o-testorg0001, managementAccountId: '111111111111', securityAccountId: '222222222222', homeRegion: us-east-1 }
trail: { bucket: trail, accountId: '333333333333' }
destinations: { soc: { type: email, from: a@example.com, to: [b@example.com] } }
organizationalUnits: { /: { routes: [{ to: [soc] }] } }
`;

const rule = (id: string, title: string, eventName: string) => `title: ${title}
id: ${id}
status: test
logsource: { product: aws, service: cloudtrail }
detection:
  selection: { eventSource: cloudtrail.amazonaws.com, eventName: ${eventName} }
  condition: selection
level: high
`;

const STOP_ID = '11111111-1111-4111-8111-111111111111';
const DELETE_ID = '22222222-2222-4222-8222-222222222222';

const event = (id: string, name: string, time: string) => ({
  eventVersion: '1.08',
  eventID: id,
  eventTime: time,
  eventSource: 'cloudtrail.amazonaws.com',
  eventName: name,
  awsRegion: 'us-east-1',
  recipientAccountId: ACCOUNT,
  userIdentity: { type: 'IAMUser', arn: `arn:aws:iam::${ACCOUNT}:user/x`, accountId: ACCOUNT },
});

const logFile = (...records: unknown[]) => gzipSync(JSON.stringify({ Records: records }));

let dir: string;
let rules: CompiledRule[];
let runtime: Runtime;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ta-hunt-'));
  writeFileSync(join(dir, 'stop.yml'), rule(STOP_ID, 'CloudTrail Stopped', 'StopLogging'));
  writeFileSync(join(dir, 'delete.yml'), rule(DELETE_ID, 'CloudTrail Deleted', 'DeleteTrail'));
  const { config } = parseAccountsConfig(CONFIG, 'accounts.yaml');
  if (!config) throw new Error('test config did not load');
  const content = loadDetectionContent([dir], config);
  rules = content.bundle.rules;
  expect(rules).toHaveLength(2);
  runtime = {
    config,
    content,
    policy: buildPolicy(config, content, dir),
    directory: new StaticAccountDirectory(config),
  };
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const s3Mock = mockClient(S3Client);
const sqsMock = mockClient(SQSClient);
beforeEach(() => {
  s3Mock.reset();
  sqsMock.reset();
});

/**
 * Objects of the fake bucket: key → gzip body (a Buffer), an Error thrown when opened, or a
 * Readable (a body that fails part-way). Listing honours Prefix and StartAfter, in key order.
 */
function fakeBucket(objects: Record<string, Buffer | Error | (() => Readable)>, opened: string[] = []) {
  s3Mock.on(ListObjectsV2Command).callsFake((input: { Prefix?: string; StartAfter?: string }) => ({
    Contents: Object.keys(objects)
      .sort()
      .filter(
        (k) => k.startsWith(input.Prefix ?? '') && (input.StartAfter === undefined || k > input.StartAfter),
      )
      .map((Key) => ({ Key })),
    IsTruncated: false,
  }));
  return async (_bucket: string, key: string): Promise<Readable> => {
    opened.push(key);
    const body = objects[key];
    if (body === undefined) throw new Error(`NoSuchKey ${key}`);
    if (body instanceof Error) throw body;
    if (typeof body === 'function') return body();
    return Readable.from([body]);
  };
}

/** A body that yields the first half of `bytes`, then fails as a reset connection does. */
const resetHalfway = (bytes: Buffer) => () =>
  new Readable({
    read() {
      this.push(bytes.subarray(0, bytes.length >> 1));
      this.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
    },
  });

const logKey = (prefix: string, stamp: string, tag: string) =>
  `${prefix}${ACCOUNT}_CloudTrail_us-east-1_${stamp}_${tag}.json.gz`;

const item = (over: Partial<HuntItem> = {}): HuntItem => ({
  huntId: 'hunt-1',
  prefix: DAY,
  since: '2026-08-01T00:00:00.000Z',
  until: '2026-08-02T23:59:59.999Z',
  mode: 'report',
  rules: [],
  ...over,
});

function deps(open: HuntWorkerDeps['open'], over: Partial<HuntWorkerDeps> = {}): HuntWorkerDeps {
  return {
    s3: new S3Client({ region: 'us-east-1' }),
    trailBucket: 'trail',
    open,
    rules,
    analyzerOptions: { policy: runtime.policy, directory: runtime.directory },
    remainingMs: () => 10 * 60_000,
    sleep: async () => {},
    ...over,
  };
}

describe('huntBatch', () => {
  it('counts matches per rule and lists them in report mode, dropping events outside the window', async () => {
    const open = fakeBucket({
      [`${DAY}a_CloudTrail_us-east-1_x.json.gz`]: logFile(
        event('e1', 'StopLogging', '2026-08-02T10:00:00Z'),
        event('e2', 'DeleteTrail', '2026-08-02T11:00:00Z'),
        event('e3', 'StopLogging', '2026-08-03T00:00:01Z'),
        event('e4', 'ListBuckets', '2026-08-02T12:00:00Z'),
      ),
      [`${DAY}readme.txt`]: Buffer.from('not a log file'),
    });
    const result = await huntBatch([item()], deps(open));
    expect(result).toMatchObject({
      huntId: 'hunt-1',
      prefixes: 1,
      objects: 1,
      records: 4,
      outOfRange: 1,
      matches: 2,
      damagedObjects: 0,
      skippedObjects: 1, // readme.txt
      unfinished: [],
      unknownRules: [],
    });
    expect(result.byRule).toEqual({
      [STOP_ID]: { title: 'CloudTrail Stopped', count: 1 },
      [DELETE_ID]: { title: 'CloudTrail Deleted', count: 1 },
    });
    expect(result.listed.map((m) => [m.eventID, m.accountId])).toEqual([
      ['e1', ACCOUNT],
      ['e2', ACCOUNT],
    ]);
    expect(sqsMock.calls()).toHaveLength(0);
  });

  it('applies Sigma filter documents in report mode (counts are what would alert), not in alert mode', async () => {
    const { filters } = parseRules(
      `title: Automation may stop trails
logsource: { product: aws, service: cloudtrail }
filter:
  rules: [${STOP_ID}]
  selection:
    userIdentity.arn|endswith: ':user/automation'
  condition: not selection
`,
      'filter.yml',
    );
    expect(filters).toHaveLength(1);
    const automation = { ...event('e5', 'StopLogging', '2026-08-02T10:30:00Z') } as Record<string, unknown>;
    automation.userIdentity = {
      type: 'IAMUser',
      arn: `arn:aws:iam::${ACCOUNT}:user/automation`,
      accountId: ACCOUNT,
    };
    const open = fakeBucket({
      [`${DAY}a.json.gz`]: logFile(event('e1', 'StopLogging', '2026-08-02T10:00:00Z'), automation),
    });
    const report = await huntBatch([item()], deps(open, { filters }));
    expect(report.byRule).toEqual({ [STOP_ID]: { title: 'CloudTrail Stopped', count: 1 } });
    sqsMock.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const sent: Match[] = [];
    const pipeline = await huntBatch(
      [item({ mode: 'alert' })],
      deps(open, { filters, sink: { send: async (m) => void sent.push(...m) } }),
    );
    // The processor applies the filter (with the exceptions) to what the pipeline sends.
    expect(pipeline.byRule).toEqual({ [STOP_ID]: { title: 'CloudTrail Stopped', count: 2 } });
    expect(sent).toHaveLength(2);
  });

  it('runs only the rules named by id or title and reports references that match nothing', async () => {
    const open = fakeBucket({
      [`${DAY}a.json.gz`]: logFile(
        event('e1', 'StopLogging', '2026-08-02T10:00:00Z'),
        event('e2', 'DeleteTrail', '2026-08-02T11:00:00Z'),
      ),
    });
    const byTitle = await huntBatch([item({ rules: ['cloudtrail deleted', 'No Such Rule'] })], deps(open));
    expect(Object.keys(byTitle.byRule)).toEqual([DELETE_ID]);
    expect(byTitle.unknownRules).toEqual(['No Such Rule']);
    const byId = await huntBatch([item({ rules: [STOP_ID] })], deps(open));
    expect(Object.keys(byId.byRule)).toEqual([STOP_ID]);
  });

  it('sends in-window matches to the sink in alert mode', async () => {
    const open = fakeBucket({
      [`${DAY}a.json.gz`]: logFile(
        event('e1', 'StopLogging', '2026-08-02T10:00:00Z'),
        event('e0', 'StopLogging', '2026-07-31T23:59:59Z'),
      ),
    });
    const sent: Match[] = [];
    const result = await huntBatch(
      [item({ mode: 'alert' })],
      deps(open, { sink: { send: async (m) => void sent.push(...m) } }),
    );
    expect(result.matches).toBe(1);
    expect(sent.map((m) => [m.record.eventID, m.rule.id, m.source.file])).toEqual([
      ['e1', STOP_ID, `s3://trail/${DAY}a.json.gz`],
    ]);
    // Marked as the hunt's, so the processor dedupes it against old alerts and says so.
    expect(sent[0].hunt).toEqual({ id: 'hunt-1' });
  });

  it('tells damaged content from objects that could not be read, and hunts only the latter again', async () => {
    const good = logFile(event('e1', 'StopLogging', '2026-08-02T10:00:00Z'));
    const open = fakeBucket({
      [`${DAY}a-truncated.json.gz`]: good.subarray(0, good.length - 8),
      [`${DAY}b-not-json.json.gz`]: gzipSync('{"Records": [ nope'),
      [`${DAY}c-good.json.gz`]: good,
      [`${DAY2}a-denied.json.gz`]: Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }),
      [`${DAY2}b-reset.json.gz`]: resetHalfway(good),
      [`${DAY2}c-good.json.gz`]: good,
    });
    const result = await huntBatch([item(), item({ prefix: DAY2 })], deps(open));
    // Damaged content is final: the prefix is read and counted, the damage listed.
    expect(result.prefixes).toBe(1);
    expect(result.objects).toBe(3);
    expect(result.damagedObjects).toBe(2);
    expect(result.damaged.map((d) => d.key)).toEqual([
      `${DAY}a-truncated.json.gz`,
      `${DAY}b-not-json.json.gz`,
    ]);
    expect(result.matches).toBe(2);
    // A denied read and a reset connection are not damage: the prefix is left out, to hunt again.
    expect(result.unreadableObjects).toBe(2);
    expect(result.unreadable).toEqual([
      { key: `${DAY2}a-denied.json.gz`, problems: ['AccessDenied: Access Denied'] },
      { key: `${DAY2}b-reset.json.gz`, problems: ['ECONNRESET: aborted'] },
    ]);
    expect(result.unreadablePrefixes).toEqual([DAY2]);
    expect(result.unfinished).toEqual([]);
  });

  it('reads an object again after transient errors (SlowDown, KMS throttling, 5xx, reset) and counts it once', async () => {
    const good = logFile(event('e1', 'StopLogging', '2026-08-02T10:00:00Z'));
    const failures = [
      Object.assign(new Error('Please reduce your request rate.'), {
        name: 'SlowDown',
        $metadata: { httpStatusCode: 503 },
      }),
      Object.assign(new Error('Rate exceeded'), { name: 'KMS.ThrottlingException' }),
      resetHalfway(good)(),
    ];
    const opened: string[] = [];
    const open = async (_bucket: string, key: string): Promise<Readable> => {
      opened.push(key);
      const next = failures.shift();
      if (next instanceof Error) throw next;
      return next ?? Readable.from([good]);
    };
    fakeBucket({ [`${DAY}a.json.gz`]: good });
    const pauses: number[] = [];
    const result = await huntBatch([item()], deps(open, { sleep: async (ms) => void pauses.push(ms) }));
    expect(opened).toHaveLength(4);
    // Backoff grows: 200 ms, 400 ms, 800 ms caps, half of each at least.
    expect(pauses).toHaveLength(3);
    pauses.forEach((ms, i) => {
      expect(ms).toBeGreaterThanOrEqual(100 * 2 ** i);
      expect(ms).toBeLessThanOrEqual(200 * 2 ** i);
    });
    expect(result).toMatchObject({ prefixes: 1, objects: 1, records: 1, matches: 1, unreadableObjects: 0 });
    expect(result.unreadablePrefixes).toEqual([]);
  });

  it('lists an object whose reads keep failing as unread, not damaged, after its attempts; a denial is not retried', async () => {
    const opened: string[] = [];
    const open = fakeBucket(
      {
        [`${DAY}a-throttled.json.gz`]: Object.assign(new Error('We encountered an internal error.'), {
          name: 'InternalError',
          $metadata: { httpStatusCode: 500 },
        }),
        [`${DAY}b-denied.json.gz`]: Object.assign(
          new Error('The ciphertext refers to a customer master key that does not exist'),
          { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } },
        ),
        [`${DAY}c-good.json.gz`]: logFile(event('e1', 'StopLogging', '2026-08-02T10:00:00Z')),
      },
      opened,
    );
    const result = await huntBatch([item()], deps(open, { readAttempts: 3 }));
    expect(opened.filter((k) => k.endsWith('a-throttled.json.gz'))).toHaveLength(3);
    expect(opened.filter((k) => k.endsWith('b-denied.json.gz'))).toHaveLength(1);
    expect(result.damagedObjects).toBe(0);
    expect(result.unreadableObjects).toBe(2);
    expect(result.unreadable.map((u) => u.key)).toEqual([
      `${DAY}a-throttled.json.gz`,
      `${DAY}b-denied.json.gz`,
    ]);
    // The prefix is not complete: its counts wait for the re-run.
    expect(result.prefixes).toBe(0);
    expect(result.matches).toBe(0);
    expect(result.unreadablePrefixes).toEqual([DAY]);
  });

  it('keeps at most getsInFlight objects in flight across the batch, and reads every one', async () => {
    const objects: Record<string, Buffer> = {};
    for (let i = 0; i < 40; i++)
      objects[`${i < 20 ? DAY : DAY2}o${String(i).padStart(2, '0')}.json.gz`] = logFile(
        event(`e${i}`, 'StopLogging', '2026-08-02T10:00:00Z'),
      );
    const read = fakeBucket(objects);
    let inFlight = 0;
    let most = 0;
    const open = async (bucket: string, key: string): Promise<Readable> => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      const body = await read(bucket, key);
      body.on('close', () => inFlight--);
      return body;
    };
    const result = await huntBatch([item(), item({ prefix: DAY2 })], deps(open, { getsInFlight: 6 }));
    expect(most).toBe(6);
    expect(result).toMatchObject({ prefixes: 2, objects: 40, matches: 40 });
  });

  it('hunts a prefix whose listing fails again, and reads the others', async () => {
    const open = fakeBucket({
      [`${DAY}a.json.gz`]: logFile(event('e1', 'StopLogging', '2026-08-02T10:00:00Z')),
    });
    s3Mock
      .on(ListObjectsV2Command, { Prefix: DAY2 })
      .rejects(Object.assign(new Error('Please reduce your request rate.'), { name: 'SlowDown' }));
    const result = await huntBatch([item({ prefix: DAY2 }), item()], deps(open));
    expect(result.prefixes).toBe(1);
    expect(result.matches).toBe(1);
    expect(result.unreadablePrefixes).toEqual([DAY2]);
    expect(result.unreadable).toEqual([
      { key: DAY2, problems: ['listing failed: SlowDown: Please reduce your request rate.'] },
    ]);
  });

  it('fails the batch when the matches queue refuses, so Step Functions retries it', async () => {
    const open = fakeBucket({
      [`${DAY}a.json.gz`]: logFile(event('e1', 'StopLogging', '2026-08-02T10:00:00Z')),
    });
    const sink = { send: async () => Promise.reject(new Error('throttled')) };
    await expect(huntBatch([item({ mode: 'alert' })], deps(open, { sink }))).rejects.toBeInstanceOf(
      MatchSinkError,
    );
  });

  it('returns the prefixes it had no time for as unfinished', async () => {
    const open = fakeBucket({
      [`${DAY}a.json.gz`]: logFile(event('e1', 'StopLogging', '2026-08-02T10:00:00Z')),
      [`${DAY2}b.json.gz`]: logFile(event('e2', 'StopLogging', '2026-08-02T10:00:00Z')),
    });
    let calls = 0;
    // Plenty of time for the first prefix and its object, then the budget is gone.
    const remainingMs = () => (calls++ < 2 ? 10 * 60_000 : TIME_RESERVE_MS - 1);
    const result = await huntBatch([item(), item({ prefix: DAY2 })], deps(open, { remainingMs }));
    expect(result.prefixes).toBe(1);
    expect(result.unfinished).toEqual([DAY2]);
  });

  it('counts a prefix cut off mid-way only once it is read whole, so a report and its re-run add up', async () => {
    const open = fakeBucket({
      [`${DAY}a.json.gz`]: logFile(event('e1', 'StopLogging', '2026-08-02T10:00:00Z')),
      [`${DAY}b.json.gz`]: logFile(event('e2', 'StopLogging', '2026-08-02T11:00:00Z')),
    });
    let calls = 0;
    // Time for the prefix and its first object, not for the second.
    const remainingMs = () => (calls++ < 2 ? 10 * 60_000 : TIME_RESERVE_MS - 1);
    const first = await huntBatch([item()], deps(open, { remainingMs }));
    expect(first).toMatchObject({
      prefixes: 0,
      objects: 0,
      records: 0,
      matches: 0,
      listed: [],
      unfinished: [DAY],
    });
    const again = await huntBatch([item()], deps(open));
    expect(again).toMatchObject({ prefixes: 1, objects: 2, matches: 2, unfinished: [] });
    expect(first.matches + again.matches).toBe(2);
  });

  it('keeps the whole last second of a date-only --until, and the first of --since', async () => {
    const open = fakeBucket({
      [`${DAY2}a.json.gz`]: logFile(
        event('first', 'StopLogging', '2026-08-01T00:00:00Z'),
        event('before', 'StopLogging', '2026-07-31T23:59:59Z'),
        event('last', 'StopLogging', '2026-08-02T23:59:59Z'),
        event('last-half', 'StopLogging', '2026-08-02T23:59:59.500Z'),
        event('after', 'StopLogging', '2026-08-03T00:00:00Z'),
      ),
    });
    const window = {
      since: parseHuntTime('--since', '2026-08-01', 'start'),
      until: parseHuntTime('--until', '2026-08-02', 'end'),
    };
    expect(window.until).toBe('2026-08-02T23:59:59.999Z');
    const result = await huntBatch([item({ prefix: DAY2, ...window })], deps(open));
    expect(result.listed.map((m) => m.eventID).sort()).toEqual(['first', 'last', 'last-half']);
    expect(result.outOfRange).toBe(2);
  });

  it('leaves out objects delivered outside the window by the time in their key, listing after the early ones', async () => {
    const opened: string[] = [];
    const open = fakeBucket(
      {
        [logKey(DAY, '20260802T0930Z', 'early')]: logFile(event('e0', 'StopLogging', '2026-08-02T09:28:00Z')),
        [logKey(DAY, '20260802T0950Z', 'margin')]: logFile(
          event('e1', 'StopLogging', '2026-08-02T09:48:00Z'),
        ),
        [logKey(DAY, '20260802T1030Z', 'in')]: logFile(event('e2', 'StopLogging', '2026-08-02T10:29:00Z')),
        [logKey(DAY, '20260802T1120Z', 'late')]: logFile(event('e3', 'StopLogging', '2026-08-02T10:30:00Z')),
        [logKey(DAY, '20260802T1200Z', 'after')]: logFile(event('e4', 'StopLogging', '2026-08-02T11:58:00Z')),
      },
      opened,
    );
    const result = await huntBatch(
      [item({ since: '2026-08-02T10:00:00.000Z', until: '2026-08-02T10:30:00.000Z' })],
      deps(open),
    );
    // 15 minutes before since, an hour after until.
    expect(s3Mock.commandCalls(ListObjectsV2Command)[0].args[0].input.StartAfter).toBe(
      `${DAY}${ACCOUNT}_CloudTrail_us-east-1_20260802T0944`,
    );
    expect(opened).toEqual([
      logKey(DAY, '20260802T0950Z', 'margin'),
      logKey(DAY, '20260802T1030Z', 'in'),
      logKey(DAY, '20260802T1120Z', 'late'),
    ]);
    expect(result).toMatchObject({
      objects: 3,
      outsideWindowObjects: 1,
      records: 3,
      outOfRange: 1,
      matches: 2,
    });
  });

  it('selectRules keeps all rules without references', () => {
    expect(selectRules(rules, []).rules).toHaveLength(2);
    expect(selectRules(rules, ['CloudTrail*']).rules).toHaveLength(2);
  });
});

describe('hunt Lambda handler', () => {
  const handler = () =>
    createHuntHandler({
      s3: new S3Client({ region: 'us-east-1' }),
      sqs: new SQSClient({ region: 'us-east-1' }),
      matchesQueueUrl: 'https://sqs.us-east-1.amazonaws.com/222222222222/matches',
      trailBucket: 'trail',
      trailLogsRoot: ROOT,
      runtime: async () => runtime,
    });
  const context = { getRemainingTimeInMillis: () => 10 * 60_000 };

  it('reads objects through S3 GetObject and sends alert-mode matches with SendMessageBatch', async () => {
    s3Mock.on(ListObjectsV2Command).resolves({ Contents: [{ Key: `${DAY}a.json.gz` }], IsTruncated: false });
    s3Mock.on(GetObjectCommand).callsFake(() => ({
      Body: Readable.from([logFile(event('e1', 'StopLogging', '2026-08-02T10:00:00Z'))]),
    }));
    sqsMock.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    // As the map sends it: the prefix per item, what the batch shares once in BatchInput.
    const { prefix, ...shared } = item({ mode: 'alert' });
    const result = await handler()({ Items: [{ prefix }], BatchInput: shared }, context);
    expect(result.matches).toBe(1);
    const sends = sqsMock.commandCalls(SendMessageBatchCommand);
    expect(sends).toHaveLength(1);
    expect(sends[0].args[0].input.QueueUrl).toBe('https://sqs.us-east-1.amazonaws.com/222222222222/matches');
    const body = JSON.parse(sends[0].args[0].input.Entries![0].MessageBody!);
    expect(body.record.eventID).toBe('e1');
    // The processor learns the match came from this hunt.
    expect(body.hunt).toEqual({ id: 'hunt-1' });
    expect(s3Mock.commandCalls(ListObjectsV2Command)[0].args[0].input).toMatchObject({
      Bucket: 'trail',
      Prefix: DAY,
    });
  });

  it('counts the matches the queue took only without their largest fields', async () => {
    // 768 KiB of UTF-8 in the object, 1.5 MiB once escaped for SQS: sent without requestParameters.
    const big = {
      ...event('big', 'StopLogging', '2026-08-02T10:00:00Z'),
      requestParameters: { name: '\uFFFF'.repeat(262_144) },
    };
    s3Mock.on(ListObjectsV2Command).resolves({ Contents: [{ Key: `${DAY}a.json.gz` }], IsTruncated: false });
    s3Mock.on(GetObjectCommand).callsFake(() => ({
      Body: Readable.from([logFile(big, event('small', 'StopLogging', '2026-08-02T10:01:00Z'))]),
    }));
    sqsMock.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const result = await handler()({ Items: [item({ mode: 'alert' })] }, context);
    expect(result.matches).toBe(2);
    expect(result.truncatedMatches).toBe(1);
    const bodies = sqsMock
      .commandCalls(SendMessageBatchCommand)
      .flatMap((c) =>
        c.args[0].input.Entries!.map((e) => JSON.parse(e.MessageBody!) as { truncated?: string[] }),
      );
    expect(bodies.filter((b) => b.truncated)).toEqual([
      expect.objectContaining({ truncated: ['requestParameters'] }),
    ]);
  });

  it('retries a failed cold-start load on the next invocation', async () => {
    s3Mock.on(ListObjectsV2Command).resolves({ Contents: [], IsTruncated: false });
    let loads = 0;
    const h = createHuntHandler({
      s3: new S3Client({ region: 'us-east-1' }),
      sqs: new SQSClient({ region: 'us-east-1' }),
      trailBucket: 'trail',
      trailLogsRoot: ROOT,
      runtime: async () => {
        loads++;
        if (loads === 1) throw new Error('rules not readable');
        return runtime;
      },
    });
    await expect(h({ Items: [item()] }, context)).rejects.toThrow('rules not readable');
    await expect(h({ Items: [item()] }, context)).resolves.toMatchObject({ prefixes: 1, objects: 0 });
    await h({ Items: [item()] }, context);
    expect(loads).toBe(2);
  });

  it('reads mode "pipeline" (an execution started before alert mode had its name) as alert mode', () => {
    expect(parseHuntBatch({ Items: [{ ...item(), mode: 'pipeline' }] }, ROOT).map((i) => i.mode)).toEqual([
      'alert',
    ]);
  });

  it.each([
    ['no Items', {}],
    ['a prefix outside the trail logs root', { Items: [item({ prefix: 'other/AWSLogs/' })] }],
    ['a prefix that is not a day folder', { Items: [item({ prefix: `${ROOT}${ACCOUNT}/` })] }],
    ['a bad time', { Items: [item({ since: 'yesterday' })] }],
    ['a bad mode', { Items: [{ ...item(), mode: 'delete' }] }],
    ['rules that are not strings', { Items: [{ ...item(), rules: [{}] }] }],
    ['a BatchInput that is not an object', { Items: [{ prefix: DAY }], BatchInput: ['report'] }],
    ['a bad time in its BatchInput', { Items: [{ prefix: DAY }], BatchInput: { ...item(), since: 'x' } }],
  ])('refuses a batch with %s without listing anything', async (_name, event) => {
    await expect(handler()(event, context)).rejects.toBeInstanceOf(HuntInputError);
    expect(s3Mock.calls()).toHaveLength(0);
  });
});
