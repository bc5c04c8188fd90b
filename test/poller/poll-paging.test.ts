/**
 * The poller core over in-memory ports: a listing with S3's semantics (key order, StartAfter,
 * CommonPrefixes at every depth, continuation tokens) in pages of two, and a state that can fail.
 * Covers what s3rver cannot (its continuation tokens need DES): paging, and the state's failures.
 */
import { pollTrail, type PollDeps } from '../../src/poller/poll';
import type { ListPage, ListRequest, ObjectsQueue, SeenKeys, TrailListing } from '../../src/poller/ports';
import { pollWindow } from '../../src/poller/time-window';

const ROOT = 'AWSLogs/o-abc123defg/';
const BUCKET = 'trail';

/** ListObjectsV2 over a sorted key list, `pageSize` entries (keys and folders) a page. */
class MemoryListing implements TrailListing {
  readonly requests: ListRequest[] = [];
  constructor(
    private readonly keys: string[],
    private readonly pageSize = 2,
  ) {}

  async page(request: ListRequest): Promise<ListPage> {
    this.requests.push(request);
    const after = request.token ?? request.startAfter ?? '';
    const entries: { key?: string; folder?: string; last: string }[] = [];
    for (const key of [...this.keys].sort()) {
      if (!key.startsWith(request.prefix) || key <= after) continue;
      const rest = key.slice(request.prefix.length);
      const cut = request.delimiter ? rest.indexOf('/') : -1;
      if (cut < 0) {
        entries.push({ key, last: key });
        continue;
      }
      const folder = request.prefix + rest.slice(0, cut + 1);
      // A folder is one entry; resuming after it skips everything under it.
      if (entries.at(-1)?.folder !== folder) entries.push({ folder, last: `${folder}\uffff` });
    }
    const page = entries.slice(0, this.pageSize);
    return {
      keys: page.flatMap((e) => (e.key ? [e.key] : [])),
      folders: page.flatMap((e) => (e.folder ? [e.folder] : [])),
      next: entries.length > this.pageSize ? page.at(-1)!.last : undefined,
    };
  }
}

class MemoryState implements SeenKeys {
  readonly keys = new Set<string>();
  failReads = false;
  failWrites = false;
  async seen(keys: string[]): Promise<Set<string>> {
    if (this.failReads)
      throw Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' });
    return new Set(keys.filter((k) => this.keys.has(k)));
  }
  async record(keys: string[]): Promise<void> {
    if (this.failWrites) throw Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
    keys.forEach((k) => this.keys.add(k));
  }
}

class MemoryQueue implements ObjectsQueue {
  readonly sent: string[] = [];
  async send(bucket: string, keys: string[]) {
    expect(bucket).toBe(BUCKET);
    this.sent.push(...keys);
    return [];
  }
}

const log = (account: string, region: string, stamp: string, unique = 'u') =>
  `${ROOT}${account}/CloudTrail/${region}/${stamp.slice(0, 4)}/${stamp.slice(4, 6)}/${stamp.slice(6, 8)}/${account}_CloudTrail_${region}_${stamp}Z_${unique}.json.gz`;

const NOW = Date.parse('2026-11-20T12:00:00Z');

function poll(listing: TrailListing, state: SeenKeys, queue: ObjectsQueue, extra: Partial<PollDeps> = {}) {
  return pollTrail(
    { bucket: BUCKET, logsRoot: ROOT, regions: [], lookbackMinutes: 30 },
    { listing, seen: state, queue, now: NOW, remainingMs: () => 600_000, random: () => 0.5, ...extra },
  );
}

describe('pollTrail paging', () => {
  it('follows continuation tokens through account, region and day listings', async () => {
    const accounts = ['111111111111', '222222222222', '333333333333', '444444444444', '555555555555'];
    const regions = ['ap-south-1', 'eu-west-1', 'us-east-1'];
    const inWindow = accounts.flatMap((a) =>
      regions.flatMap((r) => ['1131', '1140', '1150', '1159'].map((t) => log(a, r, `20261120T${t}`))),
    );
    const old = accounts.map((a) => log(a, 'us-east-1', '20261120T1129'));
    const digest = `${ROOT}111111111111/CloudTrail-Digest/us-east-1/2026/11/20/x.json.gz`;
    const listing = new MemoryListing([...inWindow, ...old, digest, `${ROOT}README.txt`]);
    const queue = new MemoryQueue();
    const summary = await poll(listing, new MemoryState(), queue);
    expect(summary).toMatchObject({ accounts: 5, prefixes: 15, listed: 60, sent: 60, failedPrefixes: [] });
    expect(queue.sent.sort()).toEqual(inWindow.sort());
    // Paged: three pages of accounts, two of regions per account, two of keys per day prefix.
    expect(listing.requests.filter((r) => r.token).length).toBe(2 + 5 * 1 + 15 * 1);
    expect(summary.pages).toBe(listing.requests.length);
  });

  it('lists three day folders when the lookback spans more than a day', () => {
    expect(pollWindow(Date.parse('2026-11-20T00:30:00Z'), 36 * 60)).toEqual({
      startMs: Date.parse('2026-11-18T12:30:00Z'),
      days: ['2026/11/18', '2026/11/19', '2026/11/20'],
      startStamp: '20261118T1230',
    });
    expect(pollWindow(Date.parse('2026-03-01T00:00:00Z'), 1).days).toEqual(['2026/02/28', '2026/03/01']);
  });
});

describe('pollTrail when the state table fails', () => {
  const keys = [
    log('111111111111', 'us-east-1', '20261120T1150'),
    log('111111111111', 'us-east-1', '20261120T1155'),
  ];
  const prefix = `${ROOT}111111111111/CloudTrail/us-east-1/2026/11/20/`;

  it('queues without the duplicate check when the state cannot be read (a duplicate, never a gap), and reports it', async () => {
    const state = new MemoryState();
    state.keys.add(keys[0]);
    state.failReads = true;
    const queue = new MemoryQueue();
    const summary = await poll(new MemoryListing(keys), state, queue);
    expect(queue.sent).toEqual(keys);
    expect(summary.failedPrefixes).toEqual([
      {
        prefix,
        error:
          'reading the poll state failed (ProvisionedThroughputExceededException: Rate exceeded); queued its objects without the check',
      },
    ]);
  });

  it('reports keys it queued but could not record: the next run queues them again', async () => {
    const state = new MemoryState();
    state.failWrites = true;
    const queue = new MemoryQueue();
    const summary = await poll(new MemoryListing(keys), state, queue);
    expect(summary.sent).toBe(2);
    expect(summary.failedPrefixes).toEqual([
      {
        prefix,
        error:
          'recording queued objects as seen failed (AccessDeniedException: denied); the next run queues them again',
      },
    ]);
    state.failWrites = false;
    expect((await poll(new MemoryListing(keys), state, queue)).sent).toBe(2);
    expect((await poll(new MemoryListing(keys), state, queue)).sent).toBe(0);
  });

  it('reports a failed account listing as the root prefix and lists nothing else', async () => {
    const listing: TrailListing = {
      page: async () => {
        throw Object.assign(new Error('Access Denied'), { name: 'AccessDenied' });
      },
    };
    const summary = await poll(listing, new MemoryState(), new MemoryQueue());
    expect(summary).toMatchObject({
      accounts: 0,
      prefixes: 0,
      failedPrefixes: [
        { prefix: ROOT, error: 'listing the account folders failed: AccessDenied: Access Denied' },
      ],
    });
  });
});
