/**
 * The gunzip stream is fed compressed input in pieces of at least GUNZIP_INPUT_BYTES (an S3 body
 * arrives in ~16 KiB chunks; each write costs a thread-pool round trip). Joining must not change a
 * byte, and a read error must not lose the bytes gathered before it.
 */
import { Readable } from 'node:stream';
import { constants as zlibConstants, gunzipSync, gzipSync } from 'node:zlib';
import { coalesced, itemBatchesFromStream } from '../../lambdas/cloudtrail/read';
import type { Diagnostic } from '../../lambdas/sigma/model';

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
    for await (const batch of itemBatchesFromStream(
      Readable.from(chunks),
      'x.json.gz',
      (p) => problems.push(p),
      {
        smallGzipBytes: 0,
      },
    ))
      for (const item of batch) if (item.kind === 'record') texts.push(item.text);
    return { texts, problems };
  }

  it('gives the same records as one chunk, and every record before a truncation', async () => {
    const gz = gzipSync(logObject(20_000));
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

  it('analyzes the records of the bytes read before a read error, then reports that error', async () => {
    // Fewer bytes than GUNZIP_INPUT_BYTES arrive before the connection fails: they are still
    // decompressed (the gunzip stream is ended, not destroyed) and the read error is reported.
    const gz = gzipSync(logObject(20_000));
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
    const readable = gunzipSync(gz.subarray(0, upTo), { finishFlush: zlibConstants.Z_SYNC_FLUSH }).toString();
    const complete = readable.split('}},').length - 1;
    expect(complete).toBeGreaterThan(1000);
    expect(partial.texts.length).toBeGreaterThanOrEqual(complete);
    expect(partial.texts).toEqual(whole.texts.slice(0, partial.texts.length));
    expect(partial.problems.map((p) => p.message)).toEqual([
      `could not read (connection reset) after record ${partial.texts.length - 1}`,
    ]);
  });
});
