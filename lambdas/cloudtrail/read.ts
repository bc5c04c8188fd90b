/**
 * Reads CloudTrail records from files, directories and streams (S3 object bodies).
 *
 * Accepts log objects `{"Records":[…]}` (plain or gzip, detected by magic bytes), JSON arrays of
 * records and JSON lines. Skips digest and Insights files with a notice. Streams with bounded
 * memory: gunzip → record splitter (split.ts) → JSON.parse one record at a time (the analyzer's
 * own path, pipeline/analyze-stream.ts, parses records only partially). Bad input is
 * reported through `onProblem` (file, record index, what was expected) and never throws.
 */
import { createReadStream, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { constants as zlibConstants, createGunzip, gunzipSync } from 'node:zlib';
import type { CloudTrailRecord, Diagnostic } from '../sigma/model';
import {
  rawRecordOf,
  splitItemBatches,
  splitProblemDiagnostic,
  type RawRecord,
  type SplitItem,
  type SplitOptions,
} from './split';
import type { SourcedRecord } from './types';

export { splitRecords, RecordSplitter, DEFAULT_MAX_RECORD_CHARS } from './split';
export type { RawRecord, SplitItem, SplitProblem, SplitOptions } from './split';

/**
 * Default limit for one record: 1 MiB of UTF-8, SQS's message limit (pipeline/sqs-packing.ts), so a
 * record the reader accepts is one the matches queue can carry (a match a little over it, with its
 * rule and escapes, is sent trimmed: pipeline/match-queue.ts).
 */
export const DEFAULT_MAX_RECORD_BYTES = 1024 * 1024;

/** The limits of one read: the record limit in bytes, the splitter's in characters. */
export interface RecordLimits extends SplitOptions {
  /**
   * Records over this many bytes of UTF-8 are skipped with a problem (default: maxRecordChars
   * when given, else DEFAULT_MAX_RECORD_BYTES). The splitter counts characters (UTF-16 code units,
   * never more than the bytes), so it is given the same number as a cheap first bound.
   */
  maxRecordBytes?: number;
}

export interface ReadOptions extends RecordLimits {
  /** Problems reported per file before the rest are summarised in one message (default 20). */
  maxProblemsPerFile?: number;
  /** Gzip objects up to this many bytes are gunzipped in one call (default SMALL_GZIP_BYTES; 0: always stream). */
  smallGzipBytes?: number;
}

/** File names a directory walk picks up; files named explicitly are always read. */
const EVENT_FILE = /\.(json|json\.gz|jsonl|ndjson|gz)$/i;

/** Why a file or key is skipped without reading, or undefined when it should be read. */
export function skipReason(name: string): string | undefined {
  const normalized = name.replace(/\\/g, '/');
  if (normalized.includes('/CloudTrail-Digest/')) return 'CloudTrail digest file skipped';
  if (normalized.includes('/CloudTrail-Insight/')) return 'CloudTrail Insights file skipped';
  return undefined;
}

/** Caps the problems reported for one file; the rest are summarised at the end. */
export class FileProblems {
  private count = 0;
  private digestNoticed = false;
  private insightNoticed = false;
  constructor(
    private readonly sink: (p: Diagnostic) => void,
    private readonly file: string,
    private readonly limit: number,
  ) {}

  readonly report = (p: Diagnostic): void => {
    this.count++;
    if (p.severity === 'notice' || this.count <= this.limit) this.sink(p);
  };

  /**
   * A raw record that is not an event to evaluate: digests and Insights events are noticed once
   * per file, anything else is a problem naming the record.
   */
  notEvaluated(what: Exclude<ParsedRaw, { kind: 'record' }>, index: number): void {
    if (what.kind === 'digest') {
      if (!this.digestNoticed)
        this.report({ severity: 'notice', file: this.file, message: 'CloudTrail digest document skipped' });
      this.digestNoticed = true;
    } else if (what.kind === 'insight') {
      if (!this.insightNoticed)
        this.report({ severity: 'notice', file: this.file, message: 'CloudTrail Insights events skipped' });
      this.insightNoticed = true;
    } else {
      this.report({ severity: 'error', file: this.file, path: `record ${index}`, message: what.message });
    }
  }

  finish(): void {
    if (this.count > this.limit) {
      this.sink({
        severity: 'error',
        file: this.file,
        message: `${this.count - this.limit} further problems in this file were not shown`,
      });
    }
  }
}

function isGzip(head: Buffer): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/**
 * Gzip objects up to this size (compressed) are read whole and gunzipped in one synchronous call:
 * most CloudTrail objects are a few kilobytes, and a gunzip stream costs about 0.15 ms per object
 * whatever its size (its state and 64 KiB buffers, a thread-pool round trip per chunk, the
 * garbage collections its external memory triggers), more than the analysis of a small object.
 * Larger objects (from about 0.6 MB of JSON) stream: the fixed cost is a few percent of their
 * analysis there, and the stream decompresses on another thread, beside the analysis. Tried and
 * reverted: 256 KiB, which takes a 1 MB object (147 KB compressed) in one call: 2-8% less CPU,
 * but 8% slower by the clock in `npm run bench` (b/a 1.50-1.59 against 1.65-1.74).
 */
export const SMALL_GZIP_BYTES = 64 * 1024;
/** Beyond this much output (a gzip bomb, an unusual object) the small path gives way to streaming. */
const SMALL_GZIP_MAX_OUTPUT = 32 * 1024 * 1024;
/**
 * The gunzip stream's output chunk. Larger chunks mean fewer thread-pool round trips and stream
 * steps (gunzip CPU per 10 MB of output: 64 KiB 15 ms, 256 KiB 11 ms, 1 MiB 9 ms). Analysis of a
 * 10 MB object in A/B runs, minimum CPU: 64 KiB 56 ms, 256 KiB 45-49, 512 KiB 44-48, 1 MiB 41-46.
 * Not 1 MiB: a 1 MB object is then one chunk, gunzipped before any analysis starts (wall time
 * 4.3-4.5 ms against 4.0-4.2 with smaller chunks, which overlap the two). The splitter still hands
 * records on in 64 KiB pieces (split.ts SPLIT_PIECE_BYTES), which keeps the peak RSS of a 1 GB
 * object where it was with 64 KiB chunks (64 KiB: 215-259 MB; 512 KiB: 224-264 MB; 1 MiB:
 * 221-236 MB; when a whole 256 KiB chunk made one batch: 224-295 MB).
 */
const GUNZIP_CHUNK_BYTES = 512 * 1024;

/**
 * Compressed input reaches the gunzip stream in pieces of at least this size. Each write is at
 * least one thread-pool round trip, awaited before the next: an S3 body arrives in chunks of about
 * 16 KiB, and fed as they came, a 10 MB object took 51 ms CPU and 50 ms wall; joined into 64 KiB
 * pieces, 45 and 42 ms (the whole object as one chunk: 42 and 33). 256 KiB pieces gave the same
 * CPU time and 36 ms wall, but a 1 GB object then peaked at 220-283 MB RSS (64 KiB: 223-241).
 */
const GUNZIP_INPUT_BYTES = 64 * 1024;

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

let gunzipStreams = 0;
/** How many gzip objects went through a gunzip stream (tests check which path ran). */
export function gunzipStreamCount(): number {
  return gunzipStreams;
}

const asBuffer = (chunk: Buffer | string): Buffer => (Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));

/** Yields the bytes of `stream`, gunzipped when they start with the gzip magic bytes. */
async function* decodedBytes(stream: Readable, smallGzipBytes = SMALL_GZIP_BYTES): AsyncGenerator<Buffer> {
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  // Chunks read ahead (the magic bytes; a small object whole), then the rest of the stream.
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
  const source = Readable.from(coalesced(rest(), GUNZIP_INPUT_BYTES), { objectMode: false });
  const gunzip = createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES });
  gunzipStreams++;
  // A read error (a connection reset …) ends the gunzip stream instead of destroying it, so the
  // bytes already read (with those coalesced was still gathering) are still decompressed
  // and their records analyzed; then the read error is reported, not gunzip's truncation.
  let readError: unknown;
  source.on('error', (err) => {
    readError = err;
    gunzip.end();
  });
  source.pipe(gunzip);
  try {
    for await (const chunk of gunzip) yield chunk as Buffer;
  } catch (err) {
    throw readError ?? err;
  } finally {
    source.destroy();
    gunzip.destroy();
  }
  if (readError !== undefined) throw readError;
}

/**
 * Raw records (text, not parsed) of one stream: gzip detection and splitting only. For callers
 * that want to look at the text before paying for JSON.parse (the analyzer's raw path).
 */
export async function* rawRecordsFromStream(
  stream: Readable,
  name: string,
  onProblem: (p: Diagnostic) => void,
  options: RecordLimits = {},
): AsyncGenerator<RawRecord> {
  for await (const batch of itemBatchesFromStream(stream, name, onProblem, options)) {
    for (const item of batch) {
      if (item.kind === 'record') yield rawRecordOf(item);
      else onProblem(splitProblemDiagnostic(name, item));
    }
  }
}

/**
 * Replaces the records of `items` over `maxBytes` of UTF-8 by a problem each (in place). Only a
 * record longer than maxBytes / 3 characters can be over (a UTF-16 code unit is at most 3 bytes of
 * UTF-8), so the records of a usual object are not measured at all.
 */
function skipOversized(items: SplitItem[], maxBytes: number): SplitItem[] {
  const measureFrom = Math.floor(maxBytes / 3);
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (item.kind !== 'record' || item.text.length <= measureFrom) continue;
    const bytes = Buffer.byteLength(item.text, 'utf8');
    if (bytes <= maxBytes) continue;
    items[i] = {
      kind: 'problem',
      severity: 'error',
      message: `record ${item.index} is ${bytes} bytes long (UTF-8), over the limit of ${maxBytes} bytes; skipped`,
      index: item.index,
    };
  }
  return items;
}

/** The splitter's records and problems of one stream, one array per decoded chunk. */
export async function* itemBatchesFromStream(
  stream: Readable,
  name: string,
  onProblem: (p: Diagnostic) => void,
  options: RecordLimits & Pick<ReadOptions, 'smallGzipBytes'>,
): AsyncGenerator<SplitItem[]> {
  const skip = skipReason(name);
  if (skip) {
    stream.destroy();
    onProblem({ severity: 'notice', file: name, message: skip });
    return;
  }
  const maxBytes = options.maxRecordBytes ?? options.maxRecordChars ?? DEFAULT_MAX_RECORD_BYTES;
  const split = { ...options, maxRecordChars: Math.min(options.maxRecordChars ?? maxBytes, maxBytes) };
  try {
    for await (const items of splitItemBatches(
      decodedBytes(stream, options.smallGzipBytes),
      name,
      onProblem,
      split,
    ))
      yield skipOversized(items, maxBytes);
  } finally {
    stream.destroy();
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function keyList(value: Record<string, unknown>): string {
  const keys = Object.keys(value);
  const shown = keys.slice(0, 6).map((k) => JSON.stringify(k.length > 40 ? `${k.slice(0, 40)}…` : k));
  return keys.length === 0 ? 'no keys' : `keys ${shown.join(', ')}${keys.length > 6 ? ', …' : ''}`;
}

function isDigest(value: Record<string, unknown>): boolean {
  return (
    'digestStartTime' in value &&
    'digestEndTime' in value &&
    ('logFiles' in value || 'digestS3Object' in value)
  );
}

function isInsight(value: Record<string, unknown>): boolean {
  return (
    value.eventType === 'AwsCloudTrailInsight' ||
    value.eventCategory === 'Insight' ||
    'insightDetails' in value
  );
}

/** What the reader does with one raw record: a record, a skip (notice) or a problem. */
export type ParsedRaw =
  | { kind: 'record'; record: CloudTrailRecord }
  | { kind: 'digest' }
  | { kind: 'insight' }
  | { kind: 'problem'; message: string };

/** Parses one raw record's text and checks that it is a CloudTrail record. Never throws. */
export function parseRawRecord(raw: RawRecord): ParsedRaw {
  let value: unknown;
  try {
    value = JSON.parse(raw.text);
  } catch (err) {
    return { kind: 'problem', message: `record ${raw.index} is not valid JSON (${(err as Error).message})` };
  }
  if (!isPlainObject(value)) {
    const what = Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`;
    return { kind: 'problem', message: `record ${raw.index} is ${what}, expected a JSON object` };
  }
  if (isDigest(value)) return { kind: 'digest' };
  if (isInsight(value)) return { kind: 'insight' };
  if (typeof value.eventName !== 'string' && typeof value.eventSource !== 'string') {
    return {
      kind: 'problem',
      message:
        `record ${raw.index} is not a CloudTrail record: expected eventName and eventSource (found ${keyList(value)}); ` +
        'a log object must be {"Records":[…]}, a JSON array of records or JSON lines',
    };
  }
  return { kind: 'record', record: value };
}

/** Parsed CloudTrail records of one stream (an S3 body or a file), with their origin. */
export async function* recordsFromStream(
  stream: Readable,
  name: string,
  onProblem: (p: Diagnostic) => void,
  options: ReadOptions = {},
): AsyncGenerator<SourcedRecord> {
  const problems = new FileProblems(onProblem, name, options.maxProblemsPerFile ?? 20);
  try {
    for await (const batch of itemBatchesFromStream(stream, name, problems.report, options)) {
      for (const raw of batch) {
        if (raw.kind === 'problem') {
          problems.report(splitProblemDiagnostic(name, raw));
          continue;
        }
        const parsed = parseRawRecord(raw);
        if (parsed.kind === 'record')
          yield { record: parsed.record, source: { file: name, index: raw.index } };
        else problems.notEvaluated(parsed, raw.index);
      }
    }
  } finally {
    problems.finish();
  }
}

/** Every file below `path` (or `path` itself), sorted by name for determinism. */
async function* filesOf(
  path: string,
  explicit: boolean,
  seen: Set<string>,
  onProblem: (p: Diagnostic) => void,
): AsyncGenerator<string> {
  let stat;
  try {
    stat = await fs.stat(path);
  } catch (err) {
    const code = (err as { code?: string }).code;
    onProblem({
      severity: 'error',
      file: path,
      message:
        code === 'ENOENT' ? 'no such file or directory' : `cannot open (${code ?? (err as Error).message})`,
    });
    return;
  }
  if (stat.isDirectory()) {
    const real = await fs.realpath(path);
    if (seen.has(real)) return;
    seen.add(real);
    let names: string[];
    try {
      names = await fs.readdir(path);
    } catch (err) {
      onProblem({
        severity: 'error',
        file: path,
        message: `cannot list directory (${(err as { code?: string }).code ?? (err as Error).message})`,
      });
      return;
    }
    names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const name of names) {
      if (name.startsWith('.')) continue;
      yield* filesOf(join(path, name), false, seen, onProblem);
    }
    return;
  }
  if (!stat.isFile()) {
    if (explicit) onProblem({ severity: 'error', file: path, message: 'not a regular file' });
    return;
  }
  if (!explicit && !EVENT_FILE.test(path)) return;
  yield path;
}

/**
 * Records of every input (files or directories, recursive, sorted). Problems go to `onProblem`;
 * one bad file never stops the others.
 */
export async function* readEvents(
  inputs: string[],
  onProblem: (p: Diagnostic) => void,
  options: ReadOptions = {},
): AsyncGenerator<SourcedRecord> {
  for await (const file of eventFiles(inputs, onProblem)) {
    yield* recordsFromStream(openEventFile(file), file, onProblem, options);
  }
}

/**
 * The event files of the inputs (files, or directories walked recursively in name order), with
 * digest and Insights files skipped (a notice each). One bad input never stops the others.
 */
export async function* eventFiles(
  inputs: string[],
  onProblem: (p: Diagnostic) => void,
): AsyncGenerator<string> {
  const seen = new Set<string>();
  for (const input of inputs) {
    for await (const file of filesOf(input, true, seen, onProblem)) {
      const skip = skipReason(file);
      if (skip) {
        onProblem({ severity: 'notice', file, message: skip });
        continue;
      }
      yield file;
    }
  }
}

/** A local event file as a stream (gzip is detected from its bytes by the readers). */
export function openEventFile(file: string): Readable {
  return createReadStream(file, { highWaterMark: 256 * 1024 });
}
