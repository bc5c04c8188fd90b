/**
 * Decoding (src/cloudtrail/raw/decode.ts), through the record source. Small gzip objects are
 * gunzipped in one synchronous call instead of a gunzip stream (SMALL_GZIP_BYTES). Both ways must give the same records and the same problems for
 * every input, however the body arrives: valid objects, corrupt gzip (records before the damage
 * still come out), several gzip members, an empty member, text that is not JSON, and a small
 * object that expands beyond the small path's bound (it streams instead). A truncated object
 * gives, whatever its chunks, every record before the cut: at least what a stream gives (which
 * loses its last partial output, more or less of it depending on the chunks), and the same error.
 * A streamed object's first compressed bytes are gunzipped at once, beside the stream: their
 * records come out whatever follows them.
 */
import { Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import { RecordSource, type RecordSourceStats } from '../../../src/cloudtrail/raw';
import { coalesced, PREFIX_INPUT_BYTES, SMALL_GZIP_BYTES } from '../../../src/cloudtrail/raw/decode';
import type { Diagnostic } from '../../../src/core';
import { logObjectText, syntheticRecords } from '../../../scripts/synthetic-events';

interface Outcome {
  items: unknown[];
  problems: Diagnostic[];
}

/** Everything the source gives for `body` delivered in chunks of `chunk` bytes, and its statistics. */
async function readCounted(
  body: Buffer,
  chunk: number,
  smallGzipBytes?: number,
): Promise<{ outcome: Outcome; stats: RecordSourceStats }> {
  const pieces: Buffer[] = [];
  for (let at = 0; at < body.length; at += chunk) pieces.push(body.subarray(at, at + chunk));
  const problems: Diagnostic[] = [];
  const items: unknown[] = [];
  const options = smallGzipBytes === undefined ? {} : { smallGzipBytes };
  const source = new RecordSource(Readable.from(pieces), 'object.json.gz', (p) => problems.push(p), options);
  for await (const batch of source)
    for (const view of batch) items.push({ index: view.index, text: view.text });
  return { outcome: { items, problems }, stats: source.stats };
}

async function read(body: Buffer, chunk: number, smallGzipBytes?: number): Promise<Outcome> {
  return (await readCounted(body, chunk, smallGzipBytes)).outcome;
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
    const streams = async (body: Buffer, small?: number) =>
      (await readCounted(body, 1024, small)).stats.gunzipStreams;
    expect(await streams(gz)).toBe(0);
    expect(await streams(inputs['truncated late'])).toBe(0);
    expect(await streams(inputs['corrupt in the middle'])).toBe(1); // corrupt data: the streaming path reports it
    expect(await streams(gz, 0)).toBe(1);
  });

  it('streams a small object that expands beyond its bound (memory stays bounded)', async () => {
    const padded = `{"Records":[${' '.repeat(40 * 1024 * 1024)}{"eventName":"X","eventSource":"s3.amazonaws.com"}]}`;
    const bomb = zlib.gzipSync(padded);
    expect(bomb.length).toBeLessThanOrEqual(SMALL_GZIP_BYTES);
    const { outcome: out, stats } = await readCounted(bomb, 64 * 1024);
    expect(stats.gunzipStreams).toBe(1);
    expect(out.problems).toEqual([]);
    expect(out.items).toHaveLength(1);
  });
});

// The gunzip stream is fed compressed input in pieces of at least GUNZIP_INPUT_BYTES (an S3 body
// arrives in ~16 KiB chunks; each write costs a thread-pool round trip). Joining must not change a
// byte, and a read error must not lose the bytes gathered before it.

async function collect(source: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const piece of coalesced(source, 10)) out.push(piece);
  return out;
}

async function* chunksOf(sizes: number[], failAfter?: Error): AsyncGenerator<Buffer> {
  let byte = 0;
  for (const size of sizes) {
    yield Buffer.from(Array.from({ length: size }, () => byte++ & 0xff));
  }
  if (failAfter) throw failAfter;
}

describe('coalesced', () => {
  it('joins small chunks into pieces of at least the minimum, the last one shorter', async () => {
    const out = await collect(chunksOf([3, 3, 3, 3, 25, 1, 2]));
    expect(out.map((b) => b.length)).toEqual([12, 25, 3]);
    expect(Buffer.concat(out)).toEqual(Buffer.concat(await collect(chunksOf([40]))));
    expect([...Buffer.concat(out)]).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it('passes on the bytes gathered before a read error, then the error', async () => {
    const out: Buffer[] = [];
    const failure = new Error('connection reset');
    await expect(
      (async () => {
        for await (const piece of coalesced(chunksOf([4, 4, 4, 2], failure), 10)) out.push(piece);
      })(),
    ).rejects.toBe(failure);
    expect(out.map((b) => b.length)).toEqual([12, 2]);
  });

  it('gives nothing for no input', async () => {
    expect(await collect(chunksOf([]))).toEqual([]);
  });
});

describe('a gzip object read in small chunks', () => {
  function logObject(records: number): Buffer {
    const items = Array.from({ length: records }, (_, i) =>
      JSON.stringify({ eventName: 'ListUsers', eventSource: 'iam.amazonaws.com', requestParameters: { i } }),
    );
    return Buffer.from(`{"Records":[${items.join(',')}]}`);
  }

  async function recordTexts(
    chunks: Buffer[] | AsyncIterable<Buffer>,
  ): Promise<{ texts: string[]; problems: Diagnostic[] }> {
    const texts: string[] = [];
    const problems: Diagnostic[] = [];
    const source = new RecordSource(Readable.from(chunks), 'x.json.gz', (p) => problems.push(p), {
      smallGzipBytes: 0,
    });
    for await (const batch of source) for (const view of batch) texts.push(view.text);
    return { texts, problems };
  }

  it('gives the same records as one chunk, and every record before a truncation', async () => {
    const gz = zlib.gzipSync(logObject(20_000));
    expect(gz.length).toBeGreaterThan(3 * 16 * 1024);
    const small: Buffer[] = [];
    for (let at = 0; at < gz.length; at += 16 * 1024) small.push(gz.subarray(at, at + 16 * 1024));
    const whole = await recordTexts([gz]);
    const pieces = await recordTexts(small);
    expect(whole.problems).toEqual([]);
    expect(pieces.problems).toEqual([]);
    expect(pieces.texts).toHaveLength(20_000);
    expect(pieces.texts).toEqual(whole.texts);

    const cut = gz.subarray(0, Math.floor(gz.length * 0.6));
    const truncated: Buffer[] = [];
    for (let at = 0; at < cut.length; at += 16 * 1024) truncated.push(cut.subarray(at, at + 16 * 1024));
    const partial = await recordTexts(truncated);
    expect(partial.problems.some((p) => p.severity === 'error')).toBe(true);
    expect(partial.texts.length).toBeGreaterThan(10_000);
    expect(partial.texts).toEqual(whole.texts.slice(0, partial.texts.length));
  });

  it('hands on the records of its first compressed bytes before damage that the stream reports', async () => {
    // A streamed object's first PREFIX_INPUT_BYTES are gunzipped at once, beside the stream, which
    // then goes on from where they end; non-ASCII text puts characters across that seam.
    const realistic = syntheticRecords(3000, { seed: 5 }).map((r) => ({ ...r, note: 'zoë ☃ 😀' }));
    const text = Buffer.from(logObjectText(realistic));
    const gz = zlib.gzipSync(text);
    const whole = await recordTexts([gz]);
    expect(whole.problems).toEqual([]);
    expect(whole.texts).toHaveLength(3000);
    // Damage that inflate rejects within the stream's first chunk of output.
    const damaged = Buffer.from(gz).fill(0xff, 40 * 1024, 44 * 1024);
    const prefixText = zlib
      .gunzipSync(gz.subarray(0, PREFIX_INPUT_BYTES), { finishFlush: zlib.constants.Z_SYNC_FLUSH })
      .toString();
    const inPrefix = prefixText.split('}},').length - 1;
    expect(inPrefix).toBeGreaterThan(20);
    const outcomes = [];
    for (const size of [1024, 16 * 1024, damaged.length]) {
      const chunks: Buffer[] = [];
      for (let at = 0; at < damaged.length; at += size) chunks.push(damaged.subarray(at, at + size));
      const outcome = await recordTexts(chunks);
      // Everything the stream gave before the damage, whatever the timing.
      for (let again = 0; again < 3; again++) expect(await recordTexts(chunks)).toEqual(outcome);
      outcomes.push(outcome);
    }
    // The stream's output before the damage comes in pieces that depend on the chunks.
    for (const outcome of outcomes) {
      expect(outcome.texts.length).toBeGreaterThanOrEqual(inPrefix);
      expect(outcome.texts).toEqual(whole.texts.slice(0, outcome.texts.length));
      expect(outcome.problems.map((p) => p.message)).toEqual([
        expect.stringMatching(
          new RegExp(
            `^gzip data is corrupt or truncated \\(invalid [a-z ]+\\) after record ${outcome.texts.length - 1}$`,
          ),
        ),
      ]);
    }
  });

  it('gives every record of a large object to a slow reader, in order', async () => {
    // Several megabytes of output: the stream is paused while chunks wait unread, then resumed.
    const gz = zlib.gzipSync(logObject(80_000));
    expect(zlib.gunzipSync(gz).length).toBeGreaterThan(5 * 1024 * 1024);
    const texts: string[] = [];
    const source = new RecordSource(gz, 'x.json.gz', () => {
      throw new Error('no problem expected');
    });
    for await (const batch of source) {
      for (const view of batch) texts.push(view.text);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    expect(texts).toHaveLength(80_000);
    expect(texts.every((text, i) => text.endsWith(`{"i":${i}}}`))).toBe(true);
  });

  it('analyzes the records of the bytes read before a read error, then reports that error', async () => {
    // Fewer bytes than GUNZIP_INPUT_BYTES arrive before the connection fails: they are still
    // decompressed (the gunzip stream is ended, not destroyed) and the read error is reported.
    const gz = zlib.gzipSync(logObject(20_000));
    const upTo = Math.floor(gz.length / 2);
    async function* body(): AsyncGenerator<Buffer> {
      for (let at = 0; at < upTo; at += 16 * 1024) {
        await new Promise((resolve) => setImmediate(resolve));
        yield gz.subarray(at, Math.min(at + 16 * 1024, upTo));
      }
      throw new Error('connection reset');
    }
    const whole = await recordTexts([gz]);
    const partial = await recordTexts(body());
    const readable = zlib
      .gunzipSync(gz.subarray(0, upTo), { finishFlush: zlib.constants.Z_SYNC_FLUSH })
      .toString();
    const complete = readable.split('}},').length - 1;
    expect(complete).toBeGreaterThan(1000);
    expect(partial.texts.length).toBeGreaterThanOrEqual(complete);
    expect(partial.texts).toEqual(whole.texts.slice(0, partial.texts.length));
    expect(partial.problems.map((p) => p.message)).toEqual([
      `could not read (connection reset) after record ${partial.texts.length - 1}`,
    ]);
  });
});
