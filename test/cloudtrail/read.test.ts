/** Tests for readEvents / recordsFromStream: formats, gzip by magic bytes, skips, corruption, limits. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { parseRawRecord, readEvents, recordsFromStream } from '../../src/cloudtrail/read';
import type { SourcedRecord } from '../../src/cloudtrail/types';
import type { Diagnostic } from '../../src/core';

function event(i: number, extra: Record<string, unknown> = {}) {
  return {
    eventVersion: '1.09',
    eventTime: `2026-11-20T10:00:${String(i % 60).padStart(2, '0')}Z`,
    eventSource: 'ec2.amazonaws.com',
    eventName: `DescribeInstances`,
    awsRegion: 'us-east-1',
    sourceIPAddress: '203.0.113.7',
    requestParameters: {
      filterSet: { items: [{ name: 'tag:Name', valueSet: { items: [{ value: `web-${i} ]}"\\` }] } }] },
    },
    eventID: `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`,
    recipientAccountId: '111122223333',
    ...extra,
  };
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ct-read-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function readAll(
  inputs: string[],
  options = {},
): Promise<{ records: SourcedRecord[]; problems: Diagnostic[] }> {
  const records: SourcedRecord[] = [];
  const problems: Diagnostic[] = [];
  for await (const r of readEvents(inputs, (p) => problems.push(p), options)) records.push(r);
  return { records, problems };
}

describe('readEvents', () => {
  it('reads gzip log objects, arrays and JSON lines from a directory, recursively and sorted', async () => {
    const a = [event(0), event(1)];
    mkdirSync(join(dir, 'AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/20'), { recursive: true });
    const gz = join(dir, 'AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/20/b.json.gz');
    writeFileSync(gz, gzipSync(JSON.stringify({ Records: a })));
    writeFileSync(join(dir, 'a-array.json'), JSON.stringify([event(2)], null, 2));
    writeFileSync(
      join(dir, 'c-lines.jsonl'),
      [event(3), event(4)].map((e) => JSON.stringify(e)).join('\n') + '\n',
    );
    writeFileSync(join(dir, 'notes.txt'), 'not read in a directory walk');
    writeFileSync(join(dir, '.hidden.json'), 'not read either');
    const { records, problems } = await readAll([dir]);
    expect(problems).toEqual([]);
    // code-point order: upper case sorts before lower case, independent of the locale
    expect(records.map((r) => r.record.eventID)).toEqual(
      [event(0), event(1), event(2), event(3), event(4)].map((e) => e.eventID),
    );
    expect(records.map((r) => [r.source.file.slice(dir.length + 1), r.source.index])).toEqual([
      ['AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/20/b.json.gz', 0],
      ['AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/20/b.json.gz', 1],
      ['a-array.json', 0],
      ['c-lines.jsonl', 0],
      ['c-lines.jsonl', 1],
    ]);
    expect(records[0].record).toEqual(event(0));
  });

  it('detects gzip by magic bytes, not by extension', async () => {
    writeFileSync(join(dir, 'really-gzip.json'), gzipSync(JSON.stringify({ Records: [event(1)] })));
    writeFileSync(join(dir, 'really-plain.json.gz'), JSON.stringify({ Records: [event(2)] }));
    const { records, problems } = await readAll([dir]);
    expect(problems).toEqual([]);
    expect(records.map((r) => r.record.eventID)).toEqual([event(1).eventID, event(2).eventID]);
  });

  it('skips digest and Insights files by key, and digest documents and Insights events by shape, with notices', async () => {
    const digestDir = join(dir, 'AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/11/20');
    const insightDir = join(dir, 'AWSLogs/111122223333/CloudTrail-Insight/us-east-1/2026/11/20');
    mkdirSync(digestDir, { recursive: true });
    mkdirSync(insightDir, { recursive: true });
    writeFileSync(join(digestDir, 'd.json.gz'), gzipSync('{}'));
    writeFileSync(join(insightDir, 'i.json.gz'), gzipSync('{}'));
    writeFileSync(
      join(dir, 'digest-shape.json'),
      JSON.stringify({
        awsAccountId: '111122223333',
        digestStartTime: 'a',
        digestEndTime: 'b',
        logFiles: [],
      }),
    );
    writeFileSync(
      join(dir, 'insight-records.json'),
      JSON.stringify({
        Records: [
          {
            eventVersion: '1.08',
            eventType: 'AwsCloudTrailInsight',
            eventCategory: 'Insight',
            insightDetails: {},
          },
          event(9),
        ],
      }),
    );
    const { records, problems } = await readAll([dir]);
    expect(records.map((r) => r.record.eventID)).toEqual([event(9).eventID]);
    expect(problems.every((p) => p.severity === 'notice')).toBe(true);
    expect(problems.map((p) => p.message).sort()).toEqual([
      'CloudTrail Insights events skipped',
      'CloudTrail Insights file skipped',
      'CloudTrail digest document skipped',
      'CloudTrail digest file skipped',
    ]);
  });

  it('yields the records before a truncated gzip, then names the file and what went wrong', async () => {
    const recs = Array.from({ length: 2000 }, (_, i) => event(i));
    const whole = gzipSync(JSON.stringify({ Records: recs }));
    const file = join(dir, 'cut.json.gz');
    writeFileSync(file, whole.subarray(0, Math.floor(whole.length / 2)));
    const { records, problems } = await readAll([file]);
    expect(records.length).toBeGreaterThan(100);
    expect(records.length).toBeLessThan(2000);
    records.forEach((r, i) => expect(r.record).toEqual(recs[i]));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ severity: 'error', file });
    expect(problems[0].message).toMatch(/gzip data is corrupt or truncated .* after record \d+/);
  });

  it('reports corrupt gzip data (bytes overwritten in the middle)', async () => {
    const recs = Array.from({ length: 2000 }, (_, i) => event(i));
    const whole = Buffer.from(gzipSync(JSON.stringify({ Records: recs })));
    whole.fill(0x55, Math.floor(whole.length / 2), Math.floor(whole.length / 2) + 64);
    const file = join(dir, 'corrupt.json.gz');
    writeFileSync(file, whole);
    const { records, problems } = await readAll([file]);
    expect(records.length).toBeLessThan(2000);
    expect(
      problems.some((p) => p.severity === 'error' && p.file === file && /gzip|record/.test(p.message)),
    ).toBe(true);
  });

  it('reports a 0-byte file, a missing path, valid JSON that is not CloudTrail, and a truncated plain file', async () => {
    writeFileSync(join(dir, 'empty.json'), '');
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'x', version: '1.0.0' }));
    writeFileSync(join(dir, 'records-not-array.json'), JSON.stringify({ Records: 'nope' }));
    writeFileSync(
      join(dir, 'truncated.json'),
      JSON.stringify({ Records: [event(1), event(2)] }).slice(0, -30),
    );
    const { records, problems } = await readAll([dir, join(dir, 'missing.json')]);
    expect(records.map((r) => r.record.eventID)).toEqual([event(1).eventID]);
    const byFile = Object.fromEntries(problems.map((p) => [p.file.replace(dir + '/', ''), p.message]));
    expect(byFile['empty.json']).toContain('empty file (0 bytes)');
    expect(byFile['package.json']).toContain(
      'not a CloudTrail record: expected eventName and eventSource (found keys "name", "version")',
    );
    expect(byFile['records-not-array.json']).toContain('not a CloudTrail record');
    expect(byFile['truncated.json']).toContain('truncated: record 1 is incomplete');
    expect(byFile['missing.json']).toBe('no such file or directory');
  });

  it('reports invalid JSON in one record and keeps the others', async () => {
    writeFileSync(
      join(dir, 'lines.jsonl'),
      `${JSON.stringify(event(1))}\n{"eventName": tru}\n${JSON.stringify(event(2))}\n`,
    );
    const { records, problems } = await readAll([dir]);
    expect(records.map((r) => r.source.index)).toEqual([0, 2]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ path: 'record 1' });
    expect(problems[0].message).toContain('record 1 is not valid JSON');
  });

  it('skips a record over the configured size limit', async () => {
    writeFileSync(
      join(dir, 'big.json'),
      JSON.stringify({ Records: [event(1), event(2, { pad: 'x'.repeat(3000) }), event(3)] }),
    );
    const { records, problems } = await readAll([dir], { maxRecordChars: 2048 });
    expect(records.map((r) => r.source.index)).toEqual([0, 2]);
    expect(problems[0].message).toContain('over the limit of 2048');
  });

  it('caps the problems reported for one file', async () => {
    writeFileSync(
      join(dir, 'junk.jsonl'),
      Array.from({ length: 50 }, (_, i) => JSON.stringify({ n: i })).join('\n'),
    );
    const { problems } = await readAll([dir], { maxProblemsPerFile: 5 });
    expect(problems).toHaveLength(6);
    expect(problems[5].message).toBe('45 further problems in this file were not shown');
  });
});

describe('recordsFromStream', () => {
  it('reads an S3-like body in small chunks, gzip detected from the first bytes', async () => {
    const recs = Array.from({ length: 50 }, (_, i) => event(i));
    const body = gzipSync(JSON.stringify({ Records: recs }));
    const chunks = Array.from({ length: Math.ceil(body.length / 1) }, (_, i) => body.subarray(i, i + 1));
    const got: SourcedRecord[] = [];
    const problems: Diagnostic[] = [];
    for await (const r of recordsFromStream(Readable.from(chunks), 's3://b/k.json.gz', (p) =>
      problems.push(p),
    ))
      got.push(r);
    expect(problems).toEqual([]);
    expect(got.map((r) => r.record)).toEqual(recs);
    expect(got[49].source).toEqual({ file: 's3://b/k.json.gz', index: 49 });
  });

  it('skips digest keys without reading the body', async () => {
    const body = new Readable({
      read() {
        throw new Error('must not be read');
      },
    });
    const problems: Diagnostic[] = [];
    const got = [];
    for await (const r of recordsFromStream(
      body,
      's3://b/AWSLogs/o-1/111122223333/CloudTrail-Digest/x.json.gz',
      (p) => problems.push(p),
    ))
      got.push(r);
    expect(got).toEqual([]);
    expect(problems).toEqual([
      {
        severity: 'notice',
        file: 's3://b/AWSLogs/o-1/111122223333/CloudTrail-Digest/x.json.gz',
        message: 'CloudTrail digest file skipped',
      },
    ]);
  });

  it('reports a stream error as a problem instead of throwing', async () => {
    const body = new Readable({
      read() {
        this.destroy(new Error('socket hang up'));
      },
    });
    const problems: Diagnostic[] = [];
    for await (const _ of recordsFromStream(body, 's3://b/k', (p) => problems.push(p))) void _;
    expect(problems).toHaveLength(1);
    expect(problems[0].message).toContain('could not read (socket hang up)');
  });
});

describe('parseRawRecord', () => {
  it('classifies text', () => {
    expect(parseRawRecord({ index: 0, text: '{"eventName":"x"}' })).toEqual({
      kind: 'record',
      record: { eventName: 'x' },
    });
    expect(parseRawRecord({ index: 3, text: '[1]' })).toEqual({
      kind: 'problem',
      message: 'record 3 is an array, expected a JSON object',
    });
    expect(parseRawRecord({ index: 0, text: 'null' })).toMatchObject({
      kind: 'problem',
      message: 'record 0 is null, expected a JSON object',
    });
  });
});
