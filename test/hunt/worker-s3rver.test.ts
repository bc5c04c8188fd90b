/**
 * The hunt worker core (huntBatch) against a real local S3 (s3rver): gzip CloudTrail log objects
 * under AWSLogs/<org>/<account>/CloudTrail/<region>/YYYY/MM/DD/, one object with a cut gzip trailer,
 * one that is not gzip at all, one delivered before the window, a digest file and a non-log file;
 * a real S3Client (path style, dummy credentials) lists and streams them. The counts must be exact,
 * the damaged objects listed by key, the digest and the early object never read, and the matches
 * sent to the sink must be exactly what `trailalerts detect` finds in the same objects inside the
 * hunt's time window (compared as instants: the last second of `until` is in).
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { runDetect, type DetectResult } from '../../bin/cli/detect';
import type { Match } from '../../src/alerts/alert';
import type { HuntItem } from '../../src/hunt/input';
import type { HuntBatchResult } from '../../src/hunt/tally';
import { huntBatch } from '../../src/hunt/worker';
import { parseAccountsConfig } from '../../src/org/config';
import { StaticAccountDirectory } from '../../src/org/directory';
import { buildPolicy, loadDetectionContent } from '../../src/runtime/build';
import { openObject } from '../../src/runtime/s3-objects';
import { RuleIndex } from '../../src/sigma/rule-index';
import type { CloudTrailRecord } from '../../src/core';
import { syntheticRecords, type SyntheticRecord } from '../../scripts/synthetic-events';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver');

const RULES = 'rules/sigma';
const ORG_ROOT = 'AWSLogs/o-testorg0001/';
const ACCOUNT = '444455556666';
const DAY = `${ORG_ROOT}${ACCOUNT}/CloudTrail/us-east-1/2026/08/02/`;
const NEXT_DAY = `${ORG_ROOT}${ACCOUNT}/CloudTrail/us-east-1/2026/08/03/`;
const DIGEST = `${ORG_ROOT}${ACCOUNT}/CloudTrail-Digest/us-east-1/2026/08/02/${ACCOUNT}_CloudTrail-Digest_us-east-1_org_us-east-1_20260802T010000Z.json.gz`;
const SINCE = '2026-08-02T06:00:00.000Z';
const UNTIL = '2026-08-02T23:59:59.999Z';
const inRange = (time: unknown) =>
  typeof time === 'string' && Date.parse(time) >= Date.parse(SINCE) && Date.parse(time) <= Date.parse(UNTIL);

const CONFIG = `
organization: { id: o-testorg0001, managementAccountId: '111111111111', securityAccountId: '222222222222', homeRegion: us-east-1 }
trail: { bucket: trail, accountId: '333333333333' }
destinations: { soc: { type: email, from: a@example.com, to: [b@example.com] } }
organizationalUnits: { /: { routes: [{ to: [soc] }] } }
`;

const logName = (n: number, stamp: string) =>
  `${ACCOUNT}_CloudTrail_us-east-1_${stamp}_${String(n).padStart(4, '0')}.json.gz`;
const logText = (records: SyntheticRecord[]) => JSON.stringify({ Records: records });

const trailEvent = (id: string, eventName: string, eventTime: string): SyntheticRecord => ({
  eventVersion: '1.09',
  eventID: id,
  eventTime,
  eventSource: 'cloudtrail.amazonaws.com',
  eventName,
  awsRegion: 'us-east-1',
  sourceIPAddress: '198.51.100.23',
  recipientAccountId: ACCOUNT,
  requestParameters: { name: 'org-trail' },
  userIdentity: {
    type: 'IAMUser',
    arn: `arn:aws:iam::${ACCOUNT}:user/mallory`,
    accountId: ACCOUNT,
    userName: 'mallory',
  },
});

/** The bucket: key → bytes, and which records each readable log object holds. */
function buildObjects() {
  // 600 records over 2026-08-02 (about 00:01 to 20:25 UTC): those before 06:00 are outside the window.
  const day = syntheticRecords(600, {
    seed: 7,
    accounts: [ACCOUNT],
    regions: ['us-east-1'],
    start: new Date('2026-08-02T00:00:00Z'),
    stepMs: 120_000,
  });
  // Delivered after midnight, filed under the next day: events still in the window (the last one
  // in its last second), one after it.
  const late = [
    trailEvent('late-in', 'StopLogging', '2026-08-02T23:58:00Z'),
    trailEvent('late-last-second', 'DeleteTrail', '2026-08-02T23:59:59Z'),
    trailEvent('late-out', 'DeleteTrail', '2026-08-03T00:05:00Z'),
  ];
  // Delivered at 05:00, long before the window opens at 06:00: never listed (ListObjectsV2 StartAfter).
  const early = [trailEvent('early', 'StopLogging', '2026-08-02T04:58:00Z')];
  // Complete JSON whose gzip trailer (CRC and length) is cut off: every record is readable, then the stream fails.
  const cut = [
    trailEvent('cut-1', 'StopLogging', '2026-08-02T12:00:00Z'),
    trailEvent('cut-2', 'DeleteTrail', '2026-08-02T12:01:00Z'),
  ];
  const cutGzip = gzipSync(logText(cut));
  const logs: Record<string, SyntheticRecord[]> = {
    [`${DAY}${logName(1, '20260802T0800Z')}`]: day.slice(0, 200),
    [`${DAY}${logName(2, '20260802T1400Z')}`]: day.slice(200, 400),
    [`${DAY}${logName(3, '20260802T2030Z')}`]: day.slice(400),
    [`${NEXT_DAY}${logName(4, '20260803T0010Z')}`]: late,
  };
  const bytes: Record<string, Buffer> = Object.fromEntries(
    Object.entries(logs).map(([key, records]) => [key, gzipSync(logText(records))]),
  );
  const truncatedKey = `${DAY}${logName(5, '20260802T1205Z')}`;
  const corruptKey = `${DAY}${logName(6, '20260802T1210Z')}`;
  bytes[truncatedKey] = cutGzip.subarray(0, cutGzip.length - 8);
  bytes[corruptKey] = Buffer.from('this is not gzip and not JSON either');
  bytes[DIGEST] = gzipSync(JSON.stringify({ digestStartTime: '2026-08-02T00:00:00Z', logFiles: [] }));
  bytes[`${DAY}README.txt`] = Buffer.from('not a log object');
  const earlyKey = `${DAY}${logName(7, '20260802T0500Z')}`;
  bytes[earlyKey] = gzipSync(logText(early));
  return { bytes, logs: { ...logs, [truncatedKey]: cut }, truncatedKey, corruptKey, earlyKey };
}

describe('hunt worker over s3rver', () => {
  let dir: string;
  let server: { run(): Promise<{ port: number }>; close(): Promise<void> };
  let s3: S3Client;
  const objects = buildObjects();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ta-hunt-s3rver-'));
    server = new S3rver({
      port: 0,
      address: '127.0.0.1',
      silent: true,
      directory: join(dir, 's3'),
      configureBuckets: [{ name: 'trail' }],
    });
    const { port } = await server.run();
    s3 = new S3Client({
      endpoint: `http://127.0.0.1:${port}`,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    for (const [key, body] of Object.entries(objects.bytes))
      await s3.send(new PutObjectCommand({ Bucket: 'trail', Key: key, Body: body }));
  }, 30_000);

  afterAll(async () => {
    s3?.destroy();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function worker(sent: Match[], opened: string[]) {
    const config = parseAccountsConfig(CONFIG, 'accounts.yaml').config!;
    const content = loadDetectionContent([RULES], config);
    return {
      rules: content.bundle.rules,
      deps: {
        s3,
        trailBucket: 'trail',
        open: (bucket: string, key: string) => (opened.push(key), openObject(s3, bucket, key)),
        rules: content.bundle.rules,
        analyzerOptions: {
          policy: buildPolicy(config, content, RULES),
          directory: new StaticAccountDirectory(config),
        },
        sink: { send: async (matches: Match[]) => void sent.push(...matches) },
        remainingMs: () => 10 * 60_000,
      },
    };
  }

  const item = (prefix: string): HuntItem => ({
    huntId: 'hunt-s3rver',
    prefix,
    since: SINCE,
    until: UNTIL,
    mode: 'alert',
    rules: [],
  });

  it('counts, lists damaged objects by key, skips the digest, and sends exactly what detect finds in the window', async () => {
    const sent: Match[] = [];
    const opened: string[] = [];
    const { rules, deps } = worker(sent, opened);
    const result: HuntBatchResult = await huntBatch([item(DAY), item(NEXT_DAY)], deps);

    // Expected counts from the records each readable object holds.
    const all = Object.values(objects.logs).flat();
    const inWindow = all.filter((r) => inRange(r.eventTime));
    expect(inWindow.map((r) => r.eventID)).toContain('late-last-second');
    const index = new RuleIndex(rules);
    const expectedByRule: Record<string, { title: string; count: number }> = {};
    for (const r of inWindow)
      for (const rule of index.match(r as CloudTrailRecord)) {
        const entry = (expectedByRule[rule.meta.id] ??= { title: rule.meta.title, count: 0 });
        entry.count++;
      }
    const expectedMatches = Object.values(expectedByRule).reduce((n, e) => n + e.count, 0);
    expect(Object.keys(expectedByRule).length).toBeGreaterThanOrEqual(5);

    expect(result).toMatchObject({
      huntId: 'hunt-s3rver',
      prefixes: 2,
      objects: 6,
      records: all.length,
      outOfRange: all.length - inWindow.length,
      matches: expectedMatches,
      damagedObjects: 2,
      outsideWindowObjects: 0,
      unreadableObjects: 0,
      unfinished: [],
      unknownRules: [],
    });
    expect(all.length).toBe(605);
    expect(result.outOfRange).toBeGreaterThan(100);
    expect(result.byRule).toEqual(expectedByRule);
    expect(result.damaged.map((d) => d.key)).toEqual([objects.truncatedKey, objects.corruptKey]);
    expect(result.damaged[0].problems.join(' ')).toContain(`s3://trail/${objects.truncatedKey}`);
    expect(result.damaged[1].problems.join(' ')).toContain(`s3://trail/${objects.corruptKey}`);
    expect(opened).not.toContain(DIGEST);
    expect(opened).not.toContain(`${DAY}README.txt`);
    expect(opened).not.toContain(objects.earlyKey);
    expect(opened).toHaveLength(6);
    expect(sent).toHaveLength(expectedMatches);

    // `trailalerts detect` over the same objects on disk, restricted to the hunt window.
    const local = join(dir, 'local');
    for (const [key, body] of Object.entries(objects.bytes)) {
      mkdirSync(dirname(join(local, key)), { recursive: true });
      writeFileSync(join(local, key), body);
    }
    const out = new PassThrough();
    let ndjson = '';
    out.on('data', (d: Buffer) => (ndjson += d.toString()));
    const err = new PassThrough();
    let notices = '';
    err.on('data', (d: Buffer) => (notices += d.toString()));
    // The copies include a truncated and a corrupt object: unreadable input (exit 5), good records still detected.
    expect(await runDetect([local], { rules: [RULES], format: 'ndjson' }, { out, err })).toBe(5);
    const detected = ndjson
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as DetectResult)
      .filter((d) => inRange(d.event.eventTime) && !d.source.file.endsWith(basename(objects.earlyKey)))
      .map((d) => `${basename(d.source.file)}#${d.source.index} ${d.rule.id} ${String(d.event.eventID)}`)
      .sort();
    const hunted = sent
      .map((m) => `${basename(m.source.file)}#${m.source.index} ${m.rule.id} ${String(m.record.eventID)}`)
      .sort();
    expect(hunted).toEqual(detected);
    expect(sent.every((m) => m.source.file.startsWith('s3://trail/') && m.accountId === ACCOUNT)).toBe(true);
    // detect read the same records and reported the same two damaged objects.
    expect(notices).toContain(`, ${all.length + 1} events, `);
    expect(notices).toContain(basename(objects.truncatedKey));
    expect(notices).toContain(basename(objects.corruptKey));
  });

  it('never reads the digest even when the prefix covers the digest folder', async () => {
    const opened: string[] = [];
    const { deps } = worker([], opened);
    const result = await huntBatch([{ ...item(`${ORG_ROOT}${ACCOUNT}/`), mode: 'report' }], deps);
    // Not a day folder, so no StartAfter: the early object is listed, then left out by its key time.
    expect(result.objects).toBe(6);
    expect(result.outsideWindowObjects).toBe(1);
    expect(opened).not.toContain(DIGEST);
    expect(opened.every((k) => k.includes('/CloudTrail/us-east-1/'))).toBe(true);
  });
});
