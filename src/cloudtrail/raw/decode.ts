/**
 * The bytes of an input for the splitter: gzip detected by its magic bytes and gunzipped (small
 * objects in one call, larger ones by a stream on another thread, their first bytes also on this
 * one so the analysis starts at once). The sizes below were chosen with `npm run bench` and
 * `scripts/bench-ab.ts` (docs/performance.md gives the measurements).
 */
import { Readable } from 'node:stream';
import { constants as zlibConstants, createGunzip, gunzipSync } from 'node:zlib';

/**
 * Gzip objects up to this size (compressed) are gunzipped in one synchronous call: most
 * CloudTrail objects are a few kilobytes, and a gunzip stream has a fixed cost per object (its
 * buffers, thread-pool round trips, the collections its external memory triggers) larger than
 * the analysis of a small object. Larger objects stream, decompressed beside the analysis.
 */
export const SMALL_GZIP_BYTES = 64 * 1024;
/** Beyond this much output (a gzip bomb, an unusual object) the small path gives way to streaming. */
const SMALL_GZIP_MAX_OUTPUT = 32 * 1024 * 1024;
/**
 * The gunzip stream's output chunk: larger chunks mean fewer thread-pool round trips, but a
 * chunk the size of a whole small object would be gunzipped before any analysis starts.
 */
const GUNZIP_CHUNK_BYTES = 512 * 1024;
/**
 * Compressed input reaches the gunzip stream in pieces of at least this size (an S3 body arrives
 * in ~16 KiB chunks, and each write is a thread-pool round trip); larger pieces raise peak RSS.
 */
const GUNZIP_INPUT_BYTES = 64 * 1024;
/**
 * Decoded text reaches the splitter in pieces of at most this many bytes, one batch of records
 * each. Each piece becomes one string, and V8 keeps strings over ~128 KB in its large-object
 * space, where record texts sliced from them are slow to read; and a batch's records, alive
 * together, should die young.
 */
export const PIECE_BYTES = 64 * 1024;
/**
 * A streamed object's first compressed bytes, gunzipped on this thread while the stream's first
 * chunk is gunzipped on another: the analysis starts at once instead of waiting for that chunk.
 */
export const PREFIX_INPUT_BYTES = 12 * 1024;
/** A prefix that would decompress to more than this (a gzip bomb) is left to the stream. */
const PREFIX_MAX_OUTPUT = 1024 * 1024;
/** Decompressed bytes that may wait unread, so the thread pool is not held up (see drained). */
const GUNZIP_AHEAD_BYTES = 4 * GUNZIP_CHUNK_BYTES;

export interface DecodeOptions {
  /** Gzip objects up to this many bytes are gunzipped in one call (default SMALL_GZIP_BYTES; 0: always stream). */
  smallGzipBytes?: number;
  /** Counts the objects that went through a gunzip stream. */
  stats?: { gunzipStreams: number };
}

function isGzip(head: Buffer): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/**
 * The chunks of `chunks` joined into pieces of at least `min` bytes (the last may be shorter). On
 * a read error the bytes gathered so far are passed on first, so that the records they hold are
 * still analyzed before the error is reported.
 */
export async function* coalesced(chunks: AsyncIterable<Buffer>, min: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let length = 0;
  const joined = (): Buffer => {
    const piece = parts.length === 1 ? parts[0] : Buffer.concat(parts, length);
    parts = [];
    length = 0;
    return piece;
  };
  try {
    for await (const chunk of chunks) {
      parts.push(chunk);
      length += chunk.length;
      if (length >= min) yield joined();
    }
  } catch (err) {
    if (length > 0) yield joined();
    throw err;
  }
  if (length > 0) yield joined();
}

const asBuffer = (chunk: Uint8Array | string): Buffer =>
  Buffer.isBuffer(chunk) ? chunk : typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk);

/** Yields the bytes of `input`, gunzipped when they start with the gzip magic bytes. */
export async function* decodedBytes(
  input: AsyncIterable<Uint8Array | string>,
  options: DecodeOptions = {},
): AsyncGenerator<Buffer> {
  const smallGzipBytes = options.smallGzipBytes ?? SMALL_GZIP_BYTES;
  const iterator = input[Symbol.asyncIterator]();
  // Chunks read ahead (the magic bytes; a small object whole), then the rest of the input.
  const head: Buffer[] = [];
  let headLength = 0;
  let done = false;
  const readMore = async (): Promise<boolean> => {
    const next = await iterator.next();
    if (next.done) done = true;
    else {
      const chunk = asBuffer(next.value);
      head.push(chunk);
      headLength += chunk.length;
    }
    return !done;
  };
  while (headLength < 2 && (await readMore()));
  if (headLength === 0) return;
  async function* rest(): AsyncGenerator<Buffer> {
    yield* head;
    while (!done) {
      const next = await iterator.next();
      if (next.done) return;
      yield asBuffer(next.value);
    }
  }
  if (!isGzip(head[0].length >= 2 ? head[0] : Buffer.concat(head))) {
    yield* rest();
    return;
  }
  while (!done && headLength <= smallGzipBytes && (await readMore()));
  if (done && headLength <= smallGzipBytes) {
    // Usually one chunk: no copy then.
    const input = head.length === 1 ? head[0] : Buffer.concat(head);
    let whole: Buffer | undefined;
    let truncation: unknown;
    try {
      whole = gunzipSync(input, { maxOutputLength: SMALL_GZIP_MAX_OUTPUT });
    } catch (err) {
      // A truncated object: everything before the cut (a stream loses its last partial output),
      // then the same read error a stream gives.
      if ((err as { code?: unknown }).code === 'Z_BUF_ERROR') {
        try {
          whole = gunzipSync(input, {
            maxOutputLength: SMALL_GZIP_MAX_OUTPUT,
            finishFlush: zlibConstants.Z_SYNC_FLUSH,
          });
          truncation = err;
        } catch {
          whole = undefined;
        }
      }
      // Otherwise (corrupt data, too large) the streaming path below yields what comes before
      // the damage and reports it, as for any object.
    }
    if (whole) {
      // The splitter takes it in pieces, one batch of records each.
      yield whole;
      if (truncation !== undefined) throw truncation;
      return;
    }
  }
  // The prefix below is taken from the same bytes however the input arrives.
  while (!done && headLength < PREFIX_INPUT_BYTES && (await readMore()));
  const gunzip = createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES });
  if (options.stats) options.stats.gunzipStreams++;
  // The bytes at hand go to the thread pool first, so that it gunzips them while this thread
  // gunzips a prefix of them itself and hands that on. The stream's output, which starts again
  // at the beginning, is then taken from where the prefix ended.
  const headBytes = head.length === 1 ? head[0] : Buffer.concat(head);
  gunzip.write(headBytes);
  async function* afterHead(): AsyncGenerator<Buffer> {
    while (!done) {
      const next = await iterator.next();
      if (next.done) return;
      yield asBuffer(next.value);
    }
  }
  const source = Readable.from(coalesced(afterHead(), GUNZIP_INPUT_BYTES), { objectMode: false });
  // A read error (a connection reset …) ends the gunzip stream instead of destroying it, so the
  // bytes already read (with those coalesced was still gathering) are still decompressed
  // and their records analyzed; then the read error is reported, not gunzip's truncation.
  let readError: unknown;
  source.on('error', (err) => {
    readError = err;
    gunzip.end();
  });
  try {
    let skip = 0;
    const prefix = gunzipPrefix(headBytes);
    if (prefix !== undefined && prefix.length > 0) {
      skip = prefix.length;
      yield prefix;
    }
    source.pipe(gunzip);
    for await (const chunk of drained(gunzip)) {
      if (skip >= chunk.length) {
        skip -= chunk.length;
        continue;
      }
      yield skip > 0 ? chunk.subarray(skip) : chunk;
      skip = 0;
    }
  } catch (err) {
    throw readError ?? err;
  } finally {
    source.destroy();
    gunzip.destroy();
  }
  if (readError !== undefined) throw readError;
}

/**
 * The chunks of a gunzip stream, then its error if it fails. Up to GUNZIP_AHEAD_BYTES wait here
 * unread (the stream is paused beyond that), so the thread pool is not held up while this thread
 * analyzes: the stream's own buffer holds less than one chunk. They wait here rather than in a
 * larger stream buffer because the stream's async iterator drops what is buffered when the
 * stream fails; 'data' events hand on every chunk made before the failure.
 */
async function* drained(gunzip: Readable): AsyncGenerator<Buffer> {
  const queue: Buffer[] = [];
  let queued = 0;
  let ended = false;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  gunzip.on('data', (chunk: Buffer) => {
    queue.push(chunk);
    queued += chunk.length;
    if (queued >= GUNZIP_AHEAD_BYTES) gunzip.pause();
    notify();
  });
  gunzip.on('end', () => {
    ended = true;
    notify();
  });
  gunzip.on('error', (error: unknown) => {
    failure = { error };
    notify();
  });
  for (;;) {
    const chunk = queue.shift();
    if (chunk !== undefined) {
      queued -= chunk.length;
      if (queued < GUNZIP_AHEAD_BYTES && gunzip.isPaused()) gunzip.resume();
      yield chunk;
    } else if (failure !== undefined) throw failure.error;
    else if (ended) return;
    else await new Promise<void>((resolve) => (wake = resolve));
  }
}

/**
 * What the first PREFIX_INPUT_BYTES of a gzip object decompress to: a prefix of the object's
 * bytes (inflate gives out only what it has decoded whole); undefined when they are corrupt or
 * expand beyond PREFIX_MAX_OUTPUT, which the stream then deals with.
 */
function gunzipPrefix(input: Buffer): Buffer | undefined {
  try {
    return gunzipSync(input.subarray(0, PREFIX_INPUT_BYTES), {
      finishFlush: zlibConstants.Z_SYNC_FLUSH,
      maxOutputLength: PREFIX_MAX_OUTPUT,
    });
  } catch {
    return undefined;
  }
}
