/**
 * Small gzip objects are gunzipped in one synchronous call instead of a gunzip stream
 * (read.ts SMALL_GZIP_BYTES). Both ways must give the same records and the same problems for
 * every input, however the body arrives: valid objects, corrupt gzip (records before the damage
 * still come out), several gzip members, an empty member, text that is not JSON, and a small
 * object that expands beyond the small path's bound (it streams instead). A truncated object
 * gives, whatever its chunks, every record before the cut: at least what a stream gives (which
 * loses its last partial output, more or less of it depending on the chunks), and the same error.
 */
import { Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import { gunzipStreamCount, itemBatchesFromStream, SMALL_GZIP_BYTES } from '../../lambdas/cloudtrail/read';
import type { Diagnostic } from '../../lambdas/sigma/model';
import { logObjectText, syntheticRecords } from '../../scripts/synthetic-events';

interface Outcome {
  items: unknown[];
  problems: Diagnostic[];
}

/** Everything the reader gives for `body` delivered in chunks of `chunk` bytes. */
async function read(body: Buffer, chunk: number, smallGzipBytes?: number): Promise<Outcome> {
  const pieces: Buffer[] = [];
  for (let at = 0; at < body.length; at += chunk) pieces.push(body.subarray(at, at + chunk));
  const problems: Diagnostic[] = [];
  const items: unknown[] = [];
  const options = smallGzipBytes === undefined ? {} : { smallGzipBytes };
  for await (const batch of itemBatchesFromStream(
    Readable.from(pieces),
    'object.json.gz',
    (p) => problems.push(p),
    options,
  ))
    for (const item of batch)
      items.push(item.kind === 'record' ? { index: item.index, text: item.text } : item);
  return { items, problems };
}

const records = syntheticRecords(300, { seed: 3 });
const text = logObjectText(records);
const gz = zlib.gzipSync(text);
/** Where each record's text ends in `text`. */
const recordEnds: number[] = [];
for (const record of records) {
  const json = JSON.stringify(record);
  recordEnds.push(text.indexOf(json, recordEnds[recordEnds.length - 1] ?? 0) + json.length);
}

function corrupt(buffer: Buffer, at: number): Buffer {
  const copy = Buffer.from(buffer);
  for (let i = at; i < at + 16 && i < copy.length; i++) copy[i] ^= 0x5a;
  return copy;
}

const inputs: Record<string, Buffer> = {
  'a log object': gz,
  'truncated early': gz.subarray(0, Math.floor(gz.length / 5)),
  'truncated late': gz.subarray(0, gz.length - 9),
  'corrupt in the middle': corrupt(gz, Math.floor(gz.length / 2)),
  'corrupt trailer': corrupt(gz, gz.length - 8),
  'two gzip members': Buffer.concat([zlib.gzipSync(text.slice(0, 5000)), zlib.gzipSync(text.slice(5000))]),
  'an empty member': zlib.gzipSync(''),
  'not JSON': zlib.gzipSync('this is not json'),
  'a non-ASCII record': zlib.gzipSync(
    JSON.stringify({ Records: [{ eventName: 'X', userAgent: 'zoë ☃ 😀' }] }),
  ),
};

describe('small gzip objects read in one call', () => {
  it.each(Object.keys(inputs).filter((n) => !n.startsWith('truncated')))(
    'give what the stream gives: %s',
    async (name) => {
      const body = inputs[name];
      expect(body.length).toBeLessThanOrEqual(SMALL_GZIP_BYTES);
      for (const chunk of [1, 7, 4096, 1 << 20]) {
        const small = await read(body, chunk);
        expect(small).toEqual(await read(body, chunk, 0));
        if (name.startsWith('corrupt')) expect(small.problems.some((p) => p.severity === 'error')).toBe(true);
      }
    },
  );

  it.each(['truncated early', 'truncated late'])(
    'give every record before the cut of a %s object, then the stream’s error',
    async (name) => {
      const body = inputs[name];
      const small = await read(body, 4096);
      const error = /^gzip data is corrupt or truncated \(unexpected end of file\) after record (\d+)$/;
      for (const chunk of [1, 7, 4096, 1 << 20]) {
        // The same records and message whatever the chunks.
        expect(await read(body, chunk)).toEqual(small);
        const streamed = await read(body, chunk, 0);
        expect(small.items.slice(0, streamed.items.length)).toEqual(streamed.items);
        expect(small.items.length).toBeGreaterThanOrEqual(streamed.items.length);
        expect(streamed.problems.map((p) => p.message)).toEqual([expect.stringMatching(error)]);
      }
      expect(small.problems.map((p) => p.message)).toEqual([
        `gzip data is corrupt or truncated (unexpected end of file) after record ${small.items.length - 1}`,
      ]);
      // Every record that ends inside the decompressible text.
      const whole = zlib.gunzipSync(body, { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString();
      expect(text.startsWith(whole)).toBe(true);
      expect(small.items.length).toBe(recordEnds.filter((end) => end <= whole.length).length);
      if (name === 'truncated late') expect(small.items.length).toBe(300);
    },
  );

  it('gunzips a small object without a gunzip stream, and streams a large or damaged one', async () => {
    const streams = gunzipStreamCount();
    await read(gz, 1024);
    expect(gunzipStreamCount()).toBe(streams);
    await read(inputs['truncated late'], 1024);
    expect(gunzipStreamCount()).toBe(streams);
    await read(inputs['corrupt in the middle'], 1024);
    expect(gunzipStreamCount()).toBe(streams + 1); // corrupt data: the streaming path reports it
    await read(gz, 1024, 0);
    expect(gunzipStreamCount()).toBe(streams + 2);
  });

  it('streams a small object that expands beyond its bound (memory stays bounded)', async () => {
    const streams = gunzipStreamCount();
    {
      const padded = `{"Records":[${' '.repeat(40 * 1024 * 1024)}{"eventName":"X","eventSource":"s3.amazonaws.com"}]}`;
      const bomb = zlib.gzipSync(padded);
      expect(bomb.length).toBeLessThanOrEqual(SMALL_GZIP_BYTES);
      const out = await read(bomb, 64 * 1024);
      expect(gunzipStreamCount()).toBe(streams + 1);
      expect(out.problems).toEqual([]);
      expect(out.items).toHaveLength(1);
    }
  });
});
