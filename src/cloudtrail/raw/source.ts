/**
 * The records of one input (an S3 object body, a file, bytes or text) as views, in batches: gzip
 * detection and gunzip (decode.ts), text in pieces, the splitter. Problems (truncation, oversize
 * records, elements that are not objects, read errors such as corrupt gzip) go to `onProblem`,
 * naming the input and the record, in their place among the records: the views before a problem
 * are handed on before it is reported, those after it after.
 */
import { isAscii } from 'node:buffer';
import { StringDecoder } from 'node:string_decoder';
import type { Diagnostic } from '../../core';
import { decodedBytes, PIECE_BYTES } from './decode';
import { RecordSplitter, type SplitItem, type SplitProblem } from './splitter';
import { RecordView } from './view';

export interface RecordSourceOptions {
  /**
   * Records over this many bytes of UTF-8 are skipped with a problem (default: maxRecordChars
   * when given, else RecordSource.DEFAULT_MAX_RECORD_BYTES).
   */
  maxRecordBytes?: number;
  /**
   * The splitter's limit in characters (UTF-16 code units, never more than the bytes): a cheap
   * first bound, given the byte limit when not set.
   */
  maxRecordChars?: number;
  /** Gzip objects up to this many bytes are gunzipped in one call, larger ones by a stream (0: always stream). */
  smallGzipBytes?: number;
  /** Whether ASCII text is scanned by the WebAssembly loop (default true; false: the JavaScript loop). */
  wasm?: boolean;
}

/** What a source did, filled in as it reads. */
export interface RecordSourceStats {
  /** Records handed on. */
  records: number;
  /** Problems reported. */
  problems: number;
  /** Chunks the WebAssembly loop scanned. */
  wasmChunks: number;
  /** 1 when the input went through a gunzip stream rather than the one-call gunzip of a small object. */
  gunzipStreams: number;
}

/**
 * What a source reads: a stream or an iterable of chunks (bytes, plain or gzip), bytes, or text
 * (taken as it is: no gzip, and scanned by the JavaScript loop, as text has no bytes to give it).
 */
export type RecordInput = AsyncIterable<Uint8Array | string> | Iterable<Uint8Array> | Uint8Array | string;

export class RecordSource implements AsyncIterable<RecordView[]> {
  /** 1 MiB: SQS's message limit, so a record the source accepts is one the matches queue can carry. */
  static readonly DEFAULT_MAX_RECORD_BYTES = 1024 * 1024;

  readonly stats: RecordSourceStats = { records: 0, problems: 0, wasmChunks: 0, gunzipStreams: 0 };

  constructor(
    private readonly input: RecordInput,
    /** Names the input in problems. */
    private readonly name: string,
    private readonly onProblem: (p: Diagnostic) => void,
    private readonly options: RecordSourceOptions = {},
  ) {}

  [Symbol.asyncIterator](): AsyncGenerator<RecordView[]> {
    return this.batches();
  }

  /** One batch per piece of text read, cut where a problem is reported. */
  private async *batches(): AsyncGenerator<RecordView[]> {
    const o = this.options;
    const maxBytes = o.maxRecordBytes ?? o.maxRecordChars ?? RecordSource.DEFAULT_MAX_RECORD_BYTES;
    const splitter = new RecordSplitter({
      maxRecordChars: Math.min(o.maxRecordChars ?? maxBytes, maxBytes),
      wasm: o.wasm ?? true,
      stats: this.stats,
    });
    const stats = this.stats;
    try {
      for await (const items of this.splitItems(splitter)) {
        skipOversized(items, maxBytes);
        let from = 0;
        for (let i = 0; i < items.length; i++) {
          const item = items[i];
          if (item instanceof RecordView) continue;
          if (i > from) {
            stats.records += i - from;
            yield items.slice(from, i) as RecordView[];
          }
          this.report(item);
          from = i + 1;
        }
        if (from < items.length) {
          stats.records += items.length - from;
          yield (from === 0 ? items : items.slice(from)) as RecordView[];
        }
      }
    } finally {
      const input = this.input as { destroy?: () => void };
      if (typeof input.destroy === 'function') input.destroy();
    }
  }

  /**
   * The splitter's items, one array per piece of at most PIECE_BYTES read: one asynchronous
   * step per piece, not per record. A read error (corrupt gzip …) is reported after the items
   * read before it.
   */
  private async *splitItems(splitter: RecordSplitter): AsyncGenerator<SplitItem[]> {
    const input = this.input;
    if (typeof input === 'string') {
      const items = splitter.push(input);
      if (items.length > 0) yield items;
    } else {
      const decoder = new StringDecoder('utf8');
      // ASCII bytes are their own text (a latin1 decode copies them, a UTF-8 decode checks them);
      // from the first piece that is not ASCII on, the decoder takes every piece, as it may hold
      // the first bytes of a character cut by the piece's end.
      let decoding = false;
      try {
        const chunks = decodedBytes(chunksOf(input), {
          smallGzipBytes: this.options.smallGzipBytes,
          stats: this.stats,
        });
        for await (const bytes of chunks) {
          for (let at = 0; at < bytes.length; at += PIECE_BYTES) {
            const piece = bytes.length <= PIECE_BYTES ? bytes : bytes.subarray(at, at + PIECE_BYTES);
            const ascii = !decoding && isAscii(piece);
            if (!ascii) decoding = true;
            const text = ascii ? piece.toString('latin1') : decoder.write(piece);
            if (text.length === 0) continue;
            const items = splitter.push(text, piece, ascii);
            if (items.length > 0) yield items;
          }
        }
      } catch (err) {
        const after =
          splitter.recordCount > 0 ? ` after record ${splitter.recordCount - 1}` : ' before the first record';
        this.stats.problems++;
        this.onProblem({ severity: 'error', file: this.name, message: `${describeReadError(err)}${after}` });
        return;
      }
      const rest = decoder.end();
      if (rest.length > 0) {
        const items = splitter.push(rest);
        if (items.length > 0) yield items;
      }
    }
    const ending = splitter.end();
    if (ending.length > 0) yield ending;
  }

  private report(p: SplitProblem): void {
    this.stats.problems++;
    this.onProblem({
      severity: p.severity,
      file: this.name,
      ...(p.index !== undefined ? { path: `record ${p.index}` } : {}),
      message: p.message,
    });
  }
}

function chunksOf(input: Exclude<RecordInput, string>): AsyncIterable<Uint8Array | string> {
  if (input instanceof Uint8Array) return fromIterable([input]);
  return Symbol.asyncIterator in input ? input : fromIterable(input);
}

async function* fromIterable(chunks: Iterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  yield* chunks;
}

function describeReadError(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  const message = typeof e?.message === 'string' ? e.message : String(err);
  if (typeof e?.code === 'string' && e.code.startsWith('Z_'))
    return `gzip data is corrupt or truncated (${message})`;
  return `could not read (${message})`;
}

/**
 * Replaces the records of `items` over `maxBytes` of UTF-8 by a problem each (in place). Only a
 * record longer than maxBytes / 3 characters can be over (a UTF-16 code unit is at most 3 bytes of
 * UTF-8), so the records of a usual object are not measured at all.
 */
function skipOversized(items: SplitItem[], maxBytes: number): void {
  const measureFrom = Math.floor(maxBytes / 3);
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (!(item instanceof RecordView) || item.text.length <= measureFrom) continue;
    const bytes = Buffer.byteLength(item.text, 'utf8');
    if (bytes <= maxBytes) continue;
    items[i] = {
      kind: 'problem',
      severity: 'error',
      message: `record ${item.index} is ${bytes} bytes long (UTF-8), over the limit of ${maxBytes} bytes; skipped`,
      index: item.index,
    };
  }
}
