/**
 * The record source cuts large chunks into pieces of PIECE_BYTES, decodes ASCII pieces as latin1
 * and hands the rest to a UTF-8 decoder. Whatever the chunking, the records must be the input's
 * records, also when a multi-byte character straddles a piece's end and ASCII pieces follow (the
 * decoder then holds its first bytes).
 */
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { RecordSource, type RecordView } from '../../../src/cloudtrail/raw';
import { PIECE_BYTES as SPLIT_PIECE_BYTES } from '../../../src/cloudtrail/raw/decode';
import type { Diagnostic } from '../../../src/core';

function record(i: number, agent: string): Record<string, unknown> {
  return {
    eventVersion: '1.08',
    eventTime: '2026-01-01T00:00:00Z',
    eventSource: 'iam.amazonaws.com',
    eventName: 'ListUsers',
    userAgent: agent,
    requestParameters: { index: i },
    recipientAccountId: '111122223333',
  };
}

/**
 * A log object whose first non-ASCII character (`odd`, or else "€", E2 82 AC) starts `before`
 * bytes before a piece end, followed by ASCII records over several more pieces.
 */
function logObject(before: number, odd?: Buffer): { bytes: Buffer; records: unknown[] } {
  const parts: string[] = ['{"Records":['];
  let length = parts[0].length; // all ASCII so far: characters are bytes
  let i = 0;
  for (;;) {
    const next = JSON.stringify(record(i, 'aws-cli/2.15'));
    if (length + next.length + 400 > SPLIT_PIECE_BYTES) break;
    parts.push(next, ',');
    length += next.length + 1;
    i++;
  }
  // A record whose user agent puts the character across the boundary.
  const marker = '@@MARK@@';
  const template = JSON.stringify(record(i++, marker));
  const head = template.indexOf(marker);
  const pad = SPLIT_PIECE_BYTES - before - length - head;
  const [pre, post] = template.split(marker);
  const tail: string[] = [post];
  for (let rest = 4 * SPLIT_PIECE_BYTES - SPLIT_PIECE_BYTES; rest > 0; i++) {
    const next = ',' + JSON.stringify(record(i, `agent-${i}`));
    tail.push(next);
    rest -= next.length;
  }
  tail.push(']}');
  const bytes = Buffer.concat([
    Buffer.from(parts.join('') + pre + 'x'.repeat(pad)),
    odd ?? Buffer.from('€'),
    Buffer.from(' spans the end' + (odd ? '' : 'ü'.repeat(3)) + tail.join('')),
  ]);
  expect(bytes[SPLIT_PIECE_BYTES - before]).toBeGreaterThanOrEqual(0x80);
  // What a UTF-8 decode of the whole object gives (U+FFFD for invalid bytes), as JSON.parse reads it.
  const records = (JSON.parse(bytes.toString('utf8')) as { Records: unknown[] }).Records;
  return { bytes, records };
}

async function itemsOf(chunks: Buffer[]): Promise<{ views: RecordView[]; problems: Diagnostic[] }> {
  const views: RecordView[] = [];
  const problems: Diagnostic[] = [];
  async function* source(): AsyncGenerator<Buffer> {
    yield* chunks;
  }
  for await (const batch of new RecordSource(source(), 'test.json', (p) => problems.push(p)))
    views.push(...batch);
  return { views, problems };
}

function chunked(bytes: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(bytes.subarray(at, at + size));
  return out;
}

describe('record source: pieces and decoding', () => {
  for (const before of [1, 2, 3]) {
    for (const size of [SPLIT_PIECE_BYTES * 4 + 7, 200_000, SPLIT_PIECE_BYTES, 65_537, 4096]) {
      it(`gives the input's records: € starts ${before} byte(s) before a piece end, chunks of ${size}`, async () => {
        const { bytes, records } = logObject(before);
        const { views, problems } = await itemsOf(chunked(bytes, size));
        expect(problems).toEqual([]);
        const got = views.map((x) => JSON.parse(x.text) as unknown);
        expect(got.length).toBe(records.length);
        expect(JSON.stringify(got) === JSON.stringify(records)).toBe(true);
      });
    }
  }

  it('decodes invalid UTF-8 at a piece end followed by ASCII pieces as a whole-object decode does', async () => {
    // A lead byte without its continuation bytes: the decoder holds it, then gives U+FFFD.
    const { bytes, records } = logObject(1, Buffer.from([0xe2]));
    for (const size of [SPLIT_PIECE_BYTES * 4, SPLIT_PIECE_BYTES]) {
      const { views } = await itemsOf(chunked(bytes, size));
      const got = views.map((x) => JSON.parse(x.text) as unknown);
      expect(JSON.stringify(got) === JSON.stringify(records)).toBe(true);
    }
    expect(JSON.stringify(records)).toContain('x\uFFFD spans the end');
  });

  it('reads a gzip stream with large output chunks the same way', async () => {
    const { bytes, records } = logObject(2);
    const views: RecordView[] = [];
    const source = new RecordSource(Readable.from([gzipSync(bytes)]), 'test.json.gz', () => undefined, {
      smallGzipBytes: 0,
    });
    for await (const batch of source) views.push(...batch);
    expect(source.stats.gunzipStreams).toBe(1);
    const got = views.map((x) => JSON.parse(x.text) as unknown);
    expect(got.length).toBe(records.length);
    expect(JSON.stringify(got) === JSON.stringify(records)).toBe(true);
  });

  it('hands records on one piece at a time, also from a chunk many pieces long', async () => {
    // One batch per piece keeps the records alive at once to about SPLIT_PIECE_BYTES of text:
    // one batch per 256 KiB chunk let them outlive young-generation collections (peak RSS).
    const { bytes } = logObject(1);
    const batches: RecordView[][] = [];
    async function* source(): AsyncGenerator<Buffer> {
      yield bytes;
    }
    for await (const batch of new RecordSource(source(), 'test.json', () => undefined)) batches.push(batch);
    expect(bytes.length).toBeGreaterThan(4 * SPLIT_PIECE_BYTES);
    expect(batches.length).toBeGreaterThanOrEqual(Math.floor(bytes.length / SPLIT_PIECE_BYTES));
    for (const batch of batches) {
      const text = batch.reduce((sum, x) => sum + x.text.length, 0);
      expect(text).toBeLessThanOrEqual(2 * SPLIT_PIECE_BYTES);
    }
  });
});
