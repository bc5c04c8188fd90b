/**
 * The poller core (pollTrail) with its real adapters: the trail bucket in s3rver (through a real
 * S3Client), the seen-keys state in dynalite, and SQS as aws-sdk-client-mock, which records every
 * message and can refuse entries. Each test has its own logs root (its own organization) and its
 * own state table, so the runs do not see each other. s3rver's continuation tokens need DES,
 * which Node's OpenSSL 3 no longer has, so paging is tested in poll-paging.test.ts.
 */
import { GetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendMessageBatchCommand, SQSClient, type SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { objectRefsFromMessage } from '../../src/runtime/object-events';
import { SqsObjectsQueue } from '../../src/poller/objects-queue';
import { pollTrail, type PollDeps, type PollSummary } from '../../src/poller/poll';
import type { ListRequest, TrailListing } from '../../src/poller/ports';
import { S3TrailListing } from '../../src/poller/s3-listing';
import { DynamoSeenKeys } from '../../src/poller/seen-keys';
import { startStateTable, type LocalStateTable } from '../helpers/dynalite';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver');

const BUCKET = 'org-trail';
const QUEUE = 'https://sqs.us-east-1.amazonaws.com/222222222222/objects';
const A = '111111111111';
const B = '444455556666';
const LOOKBACK = 30;
const TTL_SECONDS = 2 * LOOKBACK * 60 + 86_400;

let org = 0;
/** A fresh organization folder per test: `<org>/AWSLogs/<org>/`. */
function newRoot(): string {
  const id = `o-poll${String(++org).padStart(6, '0')}`;
  return `${id}/AWSLogs/${id}/`;
}

/** `<root><account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<stamp>Z_<unique>.json.gz` */
function logKey(root: string, account: string, region: string, stamp: string, unique = 'a1B2'): string {
  const day = `${stamp.slice(0, 4)}/${stamp.slice(4, 6)}/${stamp.slice(6, 8)}`;
  return `${root}${account}/CloudTrail/${region}/${day}/${account}_CloudTrail_${region}_${stamp}Z_${unique}.json.gz`;
}

describe('pollTrail over s3rver, dynalite and SQS', () => {
  let dir: string;
  let server: { run(): Promise<{ port: number }>; close(): Promise<void> };
  let s3: S3Client;
  let state: LocalStateTable;
  let doc: DynamoDBDocumentClient;
  let tables = 0;
  const sqs = mockClient(SQSClient);
  /** Bodies SQS accepted, in order. */
  let accepted: string[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ta-poller-'));
    server = new S3rver({
      port: 0,
      address: '127.0.0.1',
      silent: true,
      directory: join(dir, 's3'),
      configureBuckets: [{ name: BUCKET }],
    });
    const { port } = await server.run();
    s3 = new S3Client({
      endpoint: `http://127.0.0.1:${port}`,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    state = await startStateTable('poll-state-0');
    doc = DynamoDBDocumentClient.from(state.client);
  }, 30_000);

  afterAll(async () => {
    sqs.restore();
    s3?.destroy();
    await state?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    sqs.reset();
    accepted = [];
    sqs.on(SendMessageBatchCommand).callsFake(acceptAll);
  });

  function acceptAll(input: { Entries: SendMessageBatchRequestEntry[] }) {
    expect(input.Entries.length).toBeLessThanOrEqual(10);
    accepted.push(...input.Entries.map((e) => e.MessageBody!));
    return { Successful: input.Entries.map((e) => ({ Id: e.Id })), Failed: [] };
  }

  /**
   * Puts the objects, and beside them the markers s3rver needs to report folders: its
   * CommonPrefixes only come from objects one folder below the listed prefix (S3 reports every
   * depth), so each account and region folder gets a `folder-marker` object (never a log file).
   */
  async function put(...keys: string[]): Promise<void> {
    const markers = new Set<string>();
    for (const key of keys) {
      const m = /^(.*\/AWSLogs\/o-[a-z0-9]+\/)(\d{12})\/(CloudTrail(?:-Digest)?)\/([a-z0-9-]+)\//.exec(key);
      if (!m) throw new Error(`test key not in the trail layout: ${key}`);
      markers.add(`${m[1]}${m[2]}/folder-marker`).add(`${m[1]}${m[2]}/${m[3]}/${m[4]}/folder-marker`);
    }
    for (const key of [...keys, ...markers])
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'x' }));
  }

  async function newTable(): Promise<string> {
    const name = `poll-state-${++tables}`;
    await state.client.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
      }),
    );
    return name;
  }

  /** One run at `now` (ISO); the listing can be wrapped (failures, counting). */
  async function run(
    root: string,
    table: string,
    now: string,
    options: Partial<PollDeps> & { regions?: string[]; wrap?: (l: TrailListing) => TrailListing } = {},
  ): Promise<PollSummary> {
    const listing = new S3TrailListing({ s3, bucket: BUCKET });
    return pollTrail(
      { bucket: BUCKET, logsRoot: root, regions: options.regions ?? [], lookbackMinutes: LOOKBACK },
      {
        listing: options.wrap ? options.wrap(listing) : listing,
        seen: new DynamoSeenKeys({
          client: doc,
          tableName: table,
          ttlSeconds: TTL_SECONDS,
          now: () => Date.parse(now),
          retry: { sleep: async () => {} },
        }),
        queue: new SqsObjectsQueue({
          sqs: new SQSClient({ region: 'us-east-1' }),
          queueUrl: QUEUE,
          retry: { sleep: async () => {} },
        }),
        now: Date.parse(now),
        remainingMs: () => 600_000,
        ...options,
      },
    );
  }

  /** The keys of the messages SQS accepted, read back as the analyzer reads them. */
  const sentKeys = () =>
    accepted.flatMap((body) =>
      objectRefsFromMessage(body).map((ref) => {
        expect(ref.bucket).toBe(BUCKET);
        return ref.key;
      }),
    );

  const isSeen = async (table: string, key: string) =>
    (await doc.send(new GetCommand({ TableName: table, Key: { pk: `poll#${key}`, sk: 'seen' } }))).Item;

  it('queues the log files of the window once, in CloudTrail notification messages, and nothing older', async () => {
    const root = newRoot();
    const table = await newTable();
    const inWindow = [
      logKey(root, A, 'us-east-1', '20261120T1130', 'edge'), // the window's first minute
      logKey(root, A, 'us-east-1', '20261120T1145'),
      logKey(root, A, 'us-east-1', '20261120T1155'),
      logKey(root, A, 'eu-west-1', '20261120T1150'),
      logKey(root, B, 'eu-west-1', '20261120T1140'),
      logKey(root, B, 'eu-west-1', '20261120T1158'),
    ];
    const old = [
      logKey(root, A, 'us-east-1', '20261120T1100'),
      logKey(root, A, 'us-east-1', '20261120T1129', 'zzz'),
    ];
    const day = `${root}${A}/CloudTrail/us-east-1/2026/11/20/`;
    const notLogs = [
      `${day}${A}_CloudTrail_us-east-1_20261120T1150Z_plain.json`,
      `${day}README.txt`,
      `${root}${A}/CloudTrail-Digest/us-east-1/2026/11/20/${A}_CloudTrail-Digest_us-east-1_org_us-east-1_20261120T1150Z.json.gz`,
    ];
    await put(...inWindow, ...old, ...notLogs);

    const first = await run(root, table, '2026-11-20T12:00:00Z');
    expect(first).toMatchObject({
      accounts: 2,
      prefixes: 3,
      listed: 6,
      sent: 6,
      alreadySeen: 0,
      failedPrefixes: [],
      unfinished: 0,
    });
    expect(first.stoppedBy).toBeUndefined();
    expect(sentKeys().sort()).toEqual([...inWindow].sort());
    expect(JSON.parse(accepted[0])).toEqual({ s3Bucket: BUCKET, s3ObjectKey: [expect.any(String)] });
    expect(await isSeen(table, inWindow[0])).toEqual({
      pk: `poll#${inWindow[0]}`,
      sk: 'seen',
      ttl: Date.parse('2026-11-20T12:00:00Z') / 1000 + TTL_SECONDS,
    });
    expect(await isSeen(table, old[0])).toBeUndefined();

    // A second run over the same window: everything listed again, nothing sent.
    accepted = [];
    // Five minutes on, the 11:30 file has left the window; the others are listed again, not sent.
    const second = await run(root, table, '2026-11-20T12:05:00Z');
    expect(second).toMatchObject({ listed: 5, sent: 0, alreadySeen: 5, failedPrefixes: [] });
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(1);
  });

  it('sends a file that lands later under a smaller name inside the window, not one older than the window', async () => {
    const root = newRoot();
    const table = await newTable();
    await put(logKey(root, A, 'us-east-1', '20261120T1155'));
    expect((await run(root, table, '2026-11-20T12:00:00Z')).sent).toBe(1);

    accepted = [];
    const late = logKey(root, A, 'us-east-1', '20261120T1150', 'late');
    const tooLate = logKey(root, A, 'us-east-1', '20261120T1120', 'tooLate');
    await put(late, tooLate);
    const next = await run(root, table, '2026-11-20T12:05:00Z');
    expect(sentKeys()).toEqual([late]);
    expect(next).toMatchObject({ listed: 2, sent: 1, alreadySeen: 1 });
  });

  it('lists both day folders when the window crosses midnight UTC', async () => {
    const root = newRoot();
    const table = await newTable();
    const before = logKey(root, A, 'us-east-1', '20261120T2330');
    const lastDay = logKey(root, A, 'us-east-1', '20261120T2345');
    const newDay = logKey(root, A, 'us-east-1', '20261121T0005');
    const future = logKey(root, A, 'us-east-1', '20261122T0000');
    await put(before, lastDay, newDay, future);
    const listed: ListRequest[] = [];
    const summary = await run(root, table, '2026-11-21T00:10:00Z', {
      wrap: (l) => ({ page: (r) => (listed.push(r), l.page(r)) }),
    });
    expect(sentKeys().sort()).toEqual([lastDay, newDay].sort());
    expect(summary).toMatchObject({ prefixes: 2, sent: 2 });
    const dayListings = listed.filter((r) => !r.delimiter && !r.token);
    expect(dayListings.map((r) => [r.prefix, r.startAfter]).sort()).toEqual([
      [
        `${root}${A}/CloudTrail/us-east-1/2026/11/20/`,
        `${root}${A}/CloudTrail/us-east-1/2026/11/20/${A}_CloudTrail_us-east-1_20261120T2340Z`,
      ],
      [
        `${root}${A}/CloudTrail/us-east-1/2026/11/21/`,
        `${root}${A}/CloudTrail/us-east-1/2026/11/21/${A}_CloudTrail_us-east-1_20261120T2340Z`,
      ],
    ]);
  });

  it('finds an account (and a region) that appear after the first run', async () => {
    const root = newRoot();
    const table = await newTable();
    await put(logKey(root, A, 'us-east-1', '20261120T1150'));
    expect(await run(root, table, '2026-11-20T12:00:00Z')).toMatchObject({ accounts: 1, sent: 1 });

    accepted = [];
    const newAccount = logKey(root, B, 'ap-southeast-2', '20261120T1203');
    const newRegion = logKey(root, A, 'eu-central-2', '20261120T1204');
    await put(newAccount, newRegion);
    const next = await run(root, table, '2026-11-20T12:05:00Z');
    expect(next).toMatchObject({ accounts: 2, prefixes: 3, sent: 2, alreadySeen: 1 });
    expect(sentKeys().sort()).toEqual([newAccount, newRegion].sort());
  });

  it('polls only TRAIL_REGIONS when given, without listing region folders', async () => {
    const root = newRoot();
    const table = await newTable();
    const east = logKey(root, A, 'us-east-1', '20261120T1150');
    await put(east, logKey(root, A, 'eu-west-1', '20261120T1150'));
    const listed: ListRequest[] = [];
    const summary = await run(root, table, '2026-11-20T12:00:00Z', {
      regions: ['us-east-1', 'us-west-2'],
      wrap: (l) => ({ page: (r) => (listed.push(r), l.page(r)) }),
    });
    expect(sentKeys()).toEqual([east]);
    expect(summary).toMatchObject({ accounts: 1, prefixes: 2, sent: 1 });
    expect(listed.filter((r) => r.delimiter).map((r) => r.prefix)).toEqual([root]);
  });

  it('reports a prefix whose listing fails, still sends the others, and sends its files on the next run', async () => {
    const root = newRoot();
    const table = await newTable();
    const good = logKey(root, A, 'us-east-1', '20261120T1150');
    const denied = logKey(root, B, 'us-east-1', '20261120T1150');
    await put(good, denied);
    const deniedPrefix = `${root}${B}/CloudTrail/us-east-1/2026/11/20/`;
    const summary = await run(root, table, '2026-11-20T12:00:00Z', {
      wrap: (l) => ({
        page: async (r) => {
          if (r.prefix === deniedPrefix)
            throw Object.assign(new Error('Access Denied'), { name: 'AccessDenied' });
          return l.page(r);
        },
      }),
    });
    expect(summary.failedPrefixes).toEqual([
      { prefix: deniedPrefix, error: 'listing failed: AccessDenied: Access Denied' },
    ]);
    expect(summary).toMatchObject({ accounts: 2, prefixes: 2, sent: 1 });
    expect(sentKeys()).toEqual([good]);
    expect(await isSeen(table, denied)).toBeUndefined();

    accepted = [];
    expect(await run(root, table, '2026-11-20T12:05:00Z')).toMatchObject({ sent: 1, failedPrefixes: [] });
    expect(sentKeys()).toEqual([denied]);
  });

  it('reports a failed account listing (region discovery) and polls the other accounts', async () => {
    const root = newRoot();
    const table = await newTable();
    await put(logKey(root, A, 'us-east-1', '20261120T1150'), logKey(root, B, 'us-east-1', '20261120T1150'));
    const summary = await run(root, table, '2026-11-20T12:00:00Z', {
      wrap: (l) => ({
        page: async (r) => {
          if (r.prefix === `${root}${B}/CloudTrail/`)
            throw Object.assign(new Error('Rate exceeded'), { name: 'SlowDown' });
          return l.page(r);
        },
      }),
    });
    expect(summary.failedPrefixes).toEqual([
      {
        prefix: `${root}${B}/CloudTrail/`,
        error: 'listing the region folders failed: SlowDown: Rate exceeded',
      },
    ]);
    expect(summary.sent).toBe(1);
  });

  it('retries the entries SQS refuses and sends every key exactly once', async () => {
    const root = newRoot();
    const table = await newTable();
    const keys = Array.from({ length: 23 }, (_, i) =>
      logKey(root, A, 'us-east-1', `20261120T11${String(35 + i).padStart(2, '0')}`),
    );
    await put(...keys);
    let calls = 0;
    sqs.on(SendMessageBatchCommand).callsFake((input: { Entries: SendMessageBatchRequestEntry[] }) => {
      calls++;
      if (calls === 1 || calls === 3) {
        // Accept all but the first two entries of this call.
        const [x, y, ...rest] = input.Entries;
        accepted.push(...rest.map((e) => e.MessageBody!));
        return {
          Successful: rest.map((e) => ({ Id: e.Id })),
          Failed: [x, y].map((e) => ({ Id: e.Id, SenderFault: false, Code: 'InternalError' })),
        };
      }
      return acceptAll(input);
    });
    const summary = await run(root, table, '2026-11-20T12:00:00Z');
    expect(summary).toMatchObject({ listed: 23, sent: 23, failedPrefixes: [] });
    expect(sentKeys().sort()).toEqual([...keys].sort());
    for (const key of keys) expect(await isSeen(table, key)).toBeDefined();
  });

  it('records nothing as seen when SQS refuses a message, reports it, and sends it on the next run', async () => {
    const root = newRoot();
    const table = await newTable();
    const dayA = `${root}${A}/CloudTrail/us-east-1/2026/11/20/`;
    const dayB = `${root}${B}/CloudTrail/us-east-1/2026/11/20/`;
    const ok = logKey(root, A, 'us-east-1', '20261120T1145');
    const refused = logKey(root, A, 'us-east-1', '20261120T1150');
    await put(ok, refused);
    // SQS refuses one entry on every attempt.
    sqs.on(SendMessageBatchCommand).callsFake((input: { Entries: SendMessageBatchRequestEntry[] }) => {
      const bad = input.Entries.filter((e) => e.MessageBody!.includes(refused));
      const good = input.Entries.filter((e) => !bad.includes(e));
      accepted.push(...good.map((e) => e.MessageBody!));
      return {
        Successful: good.map((e) => ({ Id: e.Id })),
        Failed: bad.map((e) => ({
          Id: e.Id,
          SenderFault: false,
          Code: 'KMS.ThrottlingException',
          Message: 'slow down',
        })),
      };
    });
    const first = await run(root, table, '2026-11-20T12:00:00Z');
    expect(first).toMatchObject({ listed: 2, sent: 1 });
    expect(sentKeys()).toEqual([ok]);
    expect(first.failedPrefixes).toEqual([
      {
        prefix: dayA,
        error:
          'SQS refused 1 of its object messages (KMS.ThrottlingException: slow down); not recorded as seen, the next run sends them again',
      },
    ]);
    // Four attempts in all for the refused entry.
    expect(
      sqs
        .commandCalls(SendMessageBatchCommand)
        .filter((c) => c.args[0].input.Entries!.some((e) => e.MessageBody!.includes(refused))),
    ).toHaveLength(4);
    expect(await isSeen(table, ok)).toBeDefined();
    expect(await isSeen(table, refused)).toBeUndefined();

    // The queue cannot be reached at all: a new file in another account is not recorded either.
    const unreachable = logKey(root, B, 'us-east-1', '20261120T1152');
    await put(unreachable);
    sqs
      .on(SendMessageBatchCommand)
      .rejects(Object.assign(new Error('connect ETIMEDOUT'), { name: 'TimeoutError' }));
    const second = await run(root, table, '2026-11-20T12:01:00Z');
    expect(second.sent).toBe(0);
    expect(new Map(second.failedPrefixes.map((f) => [f.prefix, f.error]))).toEqual(
      new Map([
        [
          dayA,
          expect.stringMatching(
            /^SQS refused 1 of its object messages \(SendMessageBatch failed: TimeoutError: connect ETIMEDOUT\)/,
          ),
        ],
        [
          dayB,
          expect.stringMatching(
            /^SQS refused 1 of its object messages \(SendMessageBatch failed: TimeoutError/,
          ),
        ],
      ]),
    );
    expect(await isSeen(table, unreachable)).toBeUndefined();

    sqs.on(SendMessageBatchCommand).callsFake(acceptAll);
    accepted = [];
    expect(await run(root, table, '2026-11-20T12:03:00Z')).toMatchObject({
      sent: 2,
      alreadySeen: 1,
      failedPrefixes: [],
    });
    expect(sentKeys().sort()).toEqual([refused, unreachable].sort());
  });

  it('keeps at most `concurrency` listings in flight', async () => {
    const root = newRoot();
    const table = await newTable();
    const accounts = Array.from({ length: 12 }, (_, i) => String(100000000000 + i));
    await put(...accounts.map((a) => logKey(root, a, 'us-east-1', '20261120T1150')));
    let inFlight = 0;
    let most = 0;
    const summary = await run(root, table, '2026-11-20T12:00:00Z', {
      concurrency: 3,
      wrap: (l) => ({
        page: async (r) => {
          most = Math.max(most, ++inFlight);
          try {
            return await l.page(r);
          } finally {
            inFlight--;
          }
        },
      }),
    });
    expect(summary).toMatchObject({ accounts: 12, sent: 12 });
    expect(most).toBe(3);
  });

  it('stops listing before the time runs out and queues what it found; the next run covers the rest', async () => {
    const root = newRoot();
    const table = await newTable();
    const accounts = Array.from({ length: 6 }, (_, i) => String(200000000000 + i));
    const keys = accounts.map((a) => logKey(root, a, 'us-east-1', '20261120T1150'));
    await put(...keys);
    let pages = 0;
    let dayPages = 0;
    const summary = await run(root, table, '2026-11-20T12:00:00Z', {
      regions: ['us-east-1'],
      concurrency: 1,
      reserveMs: 20_000,
      // Three day prefixes listed, then the time left drops below the reserve.
      remainingMs: () => (dayPages < 3 ? 60_000 : 15_000),
      wrap: (l) => ({ page: (r) => (pages++, r.delimiter || dayPages++, l.page(r)) }),
    });
    expect(summary).toMatchObject({ stoppedBy: 'time', pages, prefixes: 6, unfinished: 3, sent: 3 });
    expect(summary.failedPrefixes).toEqual([]);
    const firstSent = sentKeys();

    accepted = [];
    const next = await run(root, table, '2026-11-20T12:05:00Z', { regions: ['us-east-1'] });
    expect(next).toMatchObject({ sent: 3, alreadySeen: 3, unfinished: 0 });
    expect([...firstSent, ...sentKeys()].sort()).toEqual([...keys].sort());
  });

  it('caps the pages of one run', async () => {
    const root = newRoot();
    const table = await newTable();
    await put(
      ...Array.from({ length: 4 }, (_, i) =>
        logKey(root, String(300000000000 + i), 'us-east-1', '20261120T1150'),
      ),
    );
    // One page of account folders, then two of the four day prefixes.
    const summary = await run(root, table, '2026-11-20T12:00:00Z', { regions: ['us-east-1'], maxPages: 3 });
    expect(summary).toMatchObject({ stoppedBy: 'pages', pages: 3, prefixes: 4, unfinished: 2, sent: 2 });
  });
});
