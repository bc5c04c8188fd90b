/**
 * Folding result files into one aggregate, in bounded memory: counts are exact, lists keep their
 * first entries (by event time, key or name), and every malformed file or entry becomes a problem
 * naming its S3 key and JSON path, never an exception.
 */
import { safeText } from '../../notify';
import type { HuntBatchResult, HuntMatchSummary, ObjectProblems } from '../index';
import { batchPrefixes, parseBatchResult } from './batch-result';
import type { ResultFileRef } from './manifest';
import { describeValue, errorText, isObject, parseJson, ShapeError } from './shapes';
import type { FailedBatch, HuntTotals } from './summary';

const KEPT_OBJECTS = 200;
const KEPT_FAILED_BATCHES = 200;
const KEPT_PROBLEMS = 100;

/** Keeps the smallest `limit` items under `compare` while items stream in, in bounded memory. */
class Smallest<T> {
  private items: T[] = [];
  constructor(
    private readonly limit: number,
    private readonly compare: (a: T, b: T) => number,
  ) {}
  add(item: T): void {
    if (this.limit <= 0) return;
    this.items.push(item);
    if (this.items.length >= this.limit * 2) this.trim();
  }
  values(): T[] {
    this.trim();
    return this.items;
  }
  private trim(): void {
    this.items.sort(this.compare);
    this.items.length = Math.min(this.items.length, this.limit);
  }
}

export const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const byKey = (a: ObjectProblems, b: ObjectProblems) => byText(a.key, b.key);

export class Aggregator {
  readonly batches = { succeeded: 0, failed: 0, pending: 0, malformed: 0 };
  readonly totals: HuntTotals = {
    prefixes: 0,
    objects: 0,
    records: 0,
    outOfRange: 0,
    matches: 0,
    damagedObjects: 0,
    skippedObjects: 0,
    outsideWindowObjects: 0,
    unreadableObjects: 0,
    truncatedMatches: 0,
  };
  readonly byRule = new Map<string, { title: string; count: number }>();
  readonly listed: Smallest<HuntMatchSummary>;
  listedAvailable = 0;
  readonly damaged = new Smallest<ObjectProblems>(KEPT_OBJECTS, byKey);
  readonly unreadable = new Smallest<ObjectProblems>(KEPT_OBJECTS, byKey);
  readonly failed = new Smallest<FailedBatch>(KEPT_FAILED_BATCHES, (a, b) => byText(a.name, b.name));
  readonly problems = new Smallest<string>(KEPT_PROBLEMS, byText);
  problemCount = 0;
  readonly unfinished = new Set<string>();
  readonly unreadablePrefixes = new Set<string>();
  readonly rerun = new Set<string>();
  unknownBatches = 0;
  readonly unknownRules = new Set<string>();

  constructor(listedLimit: number) {
    this.listed = new Smallest(
      listedLimit,
      (a, b) =>
        byText(a.eventTime, b.eventTime) || byText(a.ruleId, b.ruleId) || byText(a.eventID, b.eventID),
    );
  }

  problem(message: string): void {
    this.problemCount++;
    this.problems.add(message);
  }

  succeeded(r: HuntBatchResult): void {
    this.batches.succeeded++;
    for (const k of Object.keys(this.totals) as (keyof HuntTotals)[]) this.totals[k] += r[k];
    for (const [id, { title, count: n }] of Object.entries(r.byRule)) {
      const entry = this.byRule.get(id);
      if (entry) entry.count += n;
      else this.byRule.set(id, { title, count: n });
    }
    this.listedAvailable += r.listed.length;
    r.listed.forEach((m) => this.listed.add(m));
    r.damaged.forEach((d) => this.damaged.add(d));
    r.unreadable.forEach((u) => this.unreadable.add(u));
    for (const p of r.unfinished) {
      this.unfinished.add(p);
      this.rerun.add(p);
    }
    for (const p of r.unreadablePrefixes) {
      this.unreadablePrefixes.add(p);
      this.rerun.add(p);
    }
    r.unknownRules.forEach((u) => this.unknownRules.add(u));
  }

  notSucceeded(batch: FailedBatch, known: boolean): void {
    if (batch.status === 'PENDING') this.batches.pending++;
    else this.batches.failed++;
    this.failed.add(batch);
    if (known) batch.prefixes.forEach((p) => this.rerun.add(p));
    else this.unknownBatches++;
  }

  malformed(message: string, prefixes: string[] | undefined): void {
    this.batches.malformed++;
    this.problem(message);
    if (prefixes) prefixes.forEach((p) => this.rerun.add(p));
    else this.unknownBatches++;
  }

  /** A result file that could not be read or parsed as a whole: its batches are unknown. */
  unusableFile(message: string): void {
    this.problem(message);
    this.unknownBatches++;
  }
}

/**
 * Folds one result file into the aggregate: JSON Lines (WriterConfig OutputType JSONL) one entry
 * per line, or a JSON array (the ResultWriter without WriterConfig) as a whole.
 */
export function foldResultText(
  agg: Aggregator,
  textValue: string,
  file: ResultFileRef,
  bucket: string,
  huntId: string | undefined,
): void {
  if (textValue.trimStart().startsWith('[')) {
    foldResultFile(agg, textValue, file, bucket, huntId);
    return;
  }
  textValue.split('\n').forEach((line, i) => foldResultLine(agg, line, i + 1, file, bucket, huntId));
}

/** Folds a result file line by line as it streams; a JSON-array file is gathered and folded whole. */
export async function foldResultLines(
  agg: Aggregator,
  lines: AsyncIterable<string>,
  file: ResultFileRef,
  bucket: string,
  huntId: string | undefined,
  maxArrayChars: number,
): Promise<void> {
  let n = 0;
  let array: string[] | undefined;
  let arrayChars = 0;
  for await (const line of lines) {
    n++;
    if (array === undefined && n === 1 && line.trimStart().startsWith('[')) array = [];
    if (array !== undefined) {
      arrayChars += line.length + 1;
      if (arrayChars > maxArrayChars) {
        agg.unusableFile(
          `s3://${bucket}/${file.key}: a JSON array of more than ${maxArrayChars} characters; its batches are not counted`,
        );
        return;
      }
      array.push(line);
    } else foldResultLine(agg, line, n, file, bucket, huntId);
  }
  if (array !== undefined) foldResultFile(agg, array.join('\n'), file, bucket, huntId);
}

/** One JSON Lines entry: a child execution (failed ones, and any without transformation) or, COMPACT, a succeeded child's output. */
function foldResultLine(
  agg: Aggregator,
  line: string,
  n: number,
  file: ResultFileRef,
  bucket: string,
  huntId: string | undefined,
): void {
  if (line.trim() === '') return;
  const where = `s3://${bucket}/${file.key}`;
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch (err) {
    agg.malformed(
      `${where} line ${n}: not valid JSON (${errorText(err)}); the batch is not counted`,
      undefined,
    );
    return;
  }
  if (isObject(entry) && (typeof entry.Status === 'string' || entry.ExecutionArn !== undefined)) {
    foldEntry(agg, entry, `line ${n}`, where, file, huntId);
    return;
  }
  // COMPACT: the succeeded child's output itself (as an object, or as JSON text).
  const at = `line ${n}`;
  try {
    const value = typeof entry === 'string' ? parseJson(entry, at) : entry;
    const result = parseBatchResult(value, at);
    if (huntId !== undefined && result.huntId !== huntId)
      throw new ShapeError(`${at}.huntId: expected "${huntId}", got "${safeText(result.huntId, 80)}"`);
    agg.succeeded(result);
  } catch (err) {
    const message = err instanceof ShapeError ? err.message : errorText(err);
    agg.malformed(`${where} ${message}; the batch is not counted`, undefined);
  }
}

/** Folds one result file (a JSON array of child executions) into the aggregate. */
export function foldResultFile(
  agg: Aggregator,
  textValue: string,
  file: ResultFileRef,
  bucket: string,
  huntId: string | undefined,
): void {
  const where = `s3://${bucket}/${file.key}`;
  let entries: unknown;
  try {
    entries = JSON.parse(textValue);
  } catch (err) {
    agg.unusableFile(`${where}: not valid JSON (${errorText(err)}); its batches are not counted`);
    return;
  }
  if (!Array.isArray(entries)) {
    agg.unusableFile(
      `${where}: expected a JSON array of child executions, got ${describeValue(entries)}; its batches are not counted`,
    );
    return;
  }
  entries.forEach((entry, i) => foldEntry(agg, entry, `[${i}]`, where, file, huntId));
}

function foldEntry(
  agg: Aggregator,
  entry: unknown,
  at: string,
  where: string,
  file: ResultFileRef,
  huntId: string | undefined,
): void {
  if (!isObject(entry)) {
    agg.malformed(`${where} ${at}: expected an object, got ${describeValue(entry)}`, undefined);
    return;
  }
  let prefixes: string[] | undefined;
  let inputProblem: string | undefined;
  try {
    prefixes = batchPrefixes(entry.Input, `${at}.Input`);
  } catch (err) {
    inputProblem = err instanceof ShapeError ? err.message : errorText(err);
  }
  const status = typeof entry.Status === 'string' ? safeText(entry.Status, 20) : file.status;
  const name = typeof entry.Name === 'string' ? safeText(entry.Name, 100) : `${file.key}${at}`;
  if (status !== 'SUCCEEDED') {
    const failed: FailedBatch = {
      name,
      status,
      ...(typeof entry.Error === 'string' ? { error: safeText(entry.Error, 200) } : {}),
      ...(typeof entry.Cause === 'string' ? { cause: safeText(entry.Cause, 1000) } : {}),
      prefixes: prefixes ?? [],
    };
    agg.notSucceeded(failed, prefixes !== undefined);
    if (inputProblem) agg.problem(`${where} ${inputProblem} (batch ${name}: its prefixes are unknown)`);
    return;
  }
  try {
    if (typeof entry.Output !== 'string')
      throw new ShapeError(`${at}.Output: expected JSON text, got ${describeValue(entry.Output)}`);
    const result = parseBatchResult(parseJson(entry.Output, `${at}.Output`), `${at}.Output`);
    if (huntId !== undefined && result.huntId !== huntId)
      throw new ShapeError(`${at}.Output.huntId: expected "${huntId}", got "${safeText(result.huntId, 80)}"`);
    agg.succeeded(result);
  } catch (err) {
    const message = err instanceof ShapeError ? err.message : errorText(err);
    agg.malformed(`${where} ${message}; the batch is not counted`, prefixes);
  }
}
