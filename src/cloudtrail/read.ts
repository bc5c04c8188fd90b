/**
 * Reads CloudTrail records from files, directories and streams (S3 object bodies).
 *
 * Accepts log objects `{"Records":[…]}` (plain or gzip, detected by magic bytes), JSON arrays of
 * records and JSON lines. Skips digest and Insights files with a notice. Streams with bounded
 * memory: the raw record source (raw/) → JSON.parse one record at a time (the analyzer's own
 * path, runtime/analyze-stream.ts, parses records only partially). Bad input is reported
 * through `onProblem` (file, record index, what was expected) and never throws.
 */
import { createReadStream, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { CloudTrailRecord, Diagnostic } from '../core';
import { RecordSource, type RecordSourceOptions } from './raw';
import type { SourcedRecord } from './types';

/**
 * Default limit for one record: 1 MiB of UTF-8, SQS's message limit (runtime/sqs-packing.ts), so a
 * record the reader accepts is one the matches queue can carry (a match a little over it, with its
 * rule and escapes, is sent trimmed: runtime/match-queue.ts).
 */
export const DEFAULT_MAX_RECORD_BYTES = RecordSource.DEFAULT_MAX_RECORD_BYTES;

/** The limits of one read (raw/source.ts RecordSourceOptions). */
export type RecordLimits = Pick<RecordSourceOptions, 'maxRecordBytes' | 'maxRecordChars'>;

export interface ReadOptions extends RecordLimits, Pick<RecordSourceOptions, 'smallGzipBytes'> {
  /** Problems reported per file before the rest are summarised in one message (default 20). */
  maxProblemsPerFile?: number;
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

/**
 * Whether the file or object `name` is one to skip without reading (a digest or Insights file): a
 * notice then goes to `onProblem` and the stream is closed.
 */
export function skippedFile(stream: Readable, name: string, onProblem: (p: Diagnostic) => void): boolean {
  const skip = skipReason(name);
  if (!skip) return false;
  stream.destroy();
  onProblem({ severity: 'notice', file: name, message: skip });
  return true;
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
export function parseRawRecord(raw: { index: number; text: string }): ParsedRaw {
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
  if (skippedFile(stream, name, onProblem)) return;
  const problems = new FileProblems(onProblem, name, options.maxProblemsPerFile ?? 20);
  try {
    for await (const views of new RecordSource(stream, name, problems.report, options)) {
      for (const view of views) {
        const parsed = parseRawRecord(view);
        if (parsed.kind === 'record')
          yield { record: parsed.record, source: { file: name, index: view.index } };
        else problems.notEvaluated(parsed, view.index);
      }
    }
  } finally {
    problems.finish();
  }
}

/** A file a walk found, with its size when it was found. */
export interface EventFileEntry {
  file: string;
  size: number;
}

/**
 * Every file below `input` (or `input` itself), sorted by name for determinism. Synchronous: on a
 * local disk a stat or a directory listing takes microseconds, less than the thread-pool round
 * trip of its asynchronous form, and a folder of a day's trail has thousands of files. Iterative:
 * a generator per folder level would pass each file up through every level of the trail's layout.
 */
function* filesOf(
  input: string,
  seen: Set<string>,
  onProblem: (p: Diagnostic) => void,
): Generator<EventFileEntry> {
  // Paths still to visit, the next one last, so the walk goes depth first in name order.
  const pending: string[] = [input];
  while (pending.length > 0) {
    const path = pending.pop()!;
    const explicit = path === input;
    let stat;
    try {
      stat = statSync(path);
    } catch (err) {
      const code = (err as { code?: string }).code;
      onProblem({
        severity: 'error',
        file: path,
        message:
          code === 'ENOENT' ? 'no such file or directory' : `cannot open (${code ?? (err as Error).message})`,
      });
      continue;
    }
    if (stat.isDirectory()) {
      let names: string[];
      try {
        const real = realpathSync(path);
        if (seen.has(real)) continue;
        seen.add(real);
        names = readdirSync(path);
      } catch (err) {
        onProblem({
          severity: 'error',
          file: path,
          message: `cannot list directory (${(err as { code?: string }).code ?? (err as Error).message})`,
        });
        continue;
      }
      names.sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
      for (const name of names) if (!name.startsWith('.')) pending.push(join(path, name));
      continue;
    }
    if (!stat.isFile()) {
      if (explicit) onProblem({ severity: 'error', file: path, message: 'not a regular file' });
      continue;
    }
    if (!explicit && !EVENT_FILE.test(path)) continue;
    yield { file: path, size: stat.size };
  }
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
  for (const { file } of eventFileEntries(inputs, onProblem)) {
    yield* recordsFromStream(openEventFile(file), file, onProblem, options);
  }
}

/**
 * The event files of the inputs (files, or directories walked recursively in name order) with
 * their sizes, digest and Insights files skipped (a notice each). One bad input never stops the
 * others.
 */
export function* eventFileEntries(
  inputs: string[],
  onProblem: (p: Diagnostic) => void,
): Generator<EventFileEntry> {
  const seen = new Set<string>();
  for (const input of inputs) {
    for (const entry of filesOf(input, seen, onProblem)) {
      const skip = skipReason(entry.file);
      if (skip) {
        onProblem({ severity: 'notice', file: entry.file, message: skip });
        continue;
      }
      yield entry;
    }
  }
}

/** A local event file as a stream (gzip is detected from its bytes by the readers). */
export function openEventFile(file: string): Readable {
  return createReadStream(file, { highWaterMark: 256 * 1024 });
}

/** Files up to this size (when the walk found them) are read whole; larger ones stream. */
export const WHOLE_FILE_BYTES = 1024 * 1024;

/**
 * A file the walk found, for the readers: its bytes when it is small (one synchronous read costs
 * less than a stream's buffer and round trips; docs/performance.md), else a stream. A file that
 * cannot be read whole streams, and the reader reports why.
 */
export function openEventInput(entry: EventFileEntry): Buffer | Readable {
  if (entry.size <= WHOLE_FILE_BYTES) {
    try {
      return readFileSync(entry.file);
    } catch {
      // Reported by the stream's reader, as for any file.
    }
  }
  return openEventFile(entry.file);
}
