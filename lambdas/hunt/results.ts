/**
 * Retro-hunt results: waits for a hunt execution, finds what the Distributed Map's ResultWriter
 * wrote to the hunt bucket (`manifest.json`, then its `SUCCEEDED_<n>.json`, `FAILED_<n>.json` and
 * `PENDING_<n>.json` files) and folds the per-batch HuntBatchResult objects (worker.ts) into one
 * summary: totals, matches per rule, the first matches, damaged objects, failed batches with their
 * error and cause, and the prefixes to hunt again with the command that does it.
 *
 * Pure functions over a small port (describe the execution, read an object, the map run's
 * progress), so it runs without AWS in tests; `awsHuntResultsPort` adapts the SDK clients.
 * Everything read from the result files is untrusted: shapes are validated, and a malformed file
 * or entry is reported by its S3 key and JSON path, never thrown.
 *
 * ResultWriter format (AWS Step Functions, ResultWriter (Map), no WriterConfig): the map's output
 * is `{ MapRunArn, ResultWriterDetails: { Bucket, Key: "<prefix>/<map run id>/manifest.json" } }`;
 * the manifest is `{ DestinationBucket, MapRunArn, ResultFiles: { SUCCEEDED: [{ Key, Size }],
 * FAILED: […], PENDING: […] } }`; each result file is a JSON array of child executions
 * `{ ExecutionArn, Name, Status, Input, Output, Error, Cause, … }` where Input and Output are JSON
 * text (the child input is the ItemBatcher batch `{ Items: [...] }`, the output the worker's result).
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  DescribeExecutionCommand,
  DescribeMapRunCommand,
  paginateListMapRuns,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import type { HuntBatchResult, HuntMatchSummary } from './worker';

/** Where the map writes results in the hunt bucket (HUNT_RESULTS_PREFIX of stacks/constructs/retro-hunt.ts). */
export const RESULTS_PREFIX = 'results/';
/** Result files larger than this are reported, not read (a worker result is at most ~256 KB). */
export const MAX_RESULT_FILE_BYTES = 256 * 1024 * 1024;
/** Result files read at once. */
const READ_CONCURRENCY = 4;
const MAX_RESULT_FILES = 100_000;
const MAX_LISTED_LIMIT = 10_000;
const KEPT_DAMAGED = 200;
const KEPT_FAILED_BATCHES = 200;
const KEPT_PROBLEMS = 100;
/** Up to this many prefixes go on the command line as `--prefix`; more go to a file. */
export const INLINE_RERUN_PREFIXES = 20;
const MAX_TEXT = 2000;

// ---------------------------------------------------------------------------------------------
// The port

export type ExecutionStatus =
  'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE';

export interface ExecutionDescription {
  executionArn: string;
  /** One of ExecutionStatus; kept as text so an unknown future status is shown, not dropped. */
  status: string;
  stateMachineArn?: string;
  name?: string;
  /** The execution input (JSON text). */
  input?: string;
  /** The execution output (JSON text), once it succeeded. */
  output?: string;
  error?: string;
  cause?: string;
  startDate?: Date;
  stopDate?: Date;
}

export interface MapRunProgress {
  mapRunArn: string;
  status?: string;
  /** Map items (day prefixes). */
  items: { total: number; succeeded: number; failed: number; running: number; pending: number };
}

export interface HuntResultsPort {
  describeExecution(executionArn: string): Promise<ExecutionDescription>;
  /** The object's text; throws when it is missing, unreadable or too large. */
  getObject(bucket: string, key: string): Promise<string>;
  /** Map runs the execution started, most recent first (optional: progress and failed-hunt results). */
  listMapRuns?(executionArn: string): Promise<string[]>;
  describeMapRun?(mapRunArn: string): Promise<MapRunProgress>;
}

const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED']);

export function isTerminal(status: string): boolean {
  return TERMINAL.has(status);
}

const EXECUTION_ARN =
  /^arn:aws[a-z-]*:states:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):execution:([A-Za-z0-9_-]{1,80}):([A-Za-z0-9_-]{1,80})$/;

/** Region, account, state machine name and execution name of an execution ARN; throws otherwise. */
export function parseExecutionArn(arn: string): {
  region: string;
  account: string;
  stateMachine: string;
  name: string;
} {
  const m = EXECUTION_ARN.exec(typeof arn === 'string' ? arn : '');
  if (!m)
    throw new Error(
      `--execution: expected arn:aws:states:<region>:<account>:execution:<state machine>:<name>, got "${safeText(arn, 200)}"`,
    );
  return { region: m[1], account: m[2], stateMachine: m[3], name: m[4] };
}

// ---------------------------------------------------------------------------------------------
// Waiting

export interface WaitProgress {
  execution: ExecutionDescription;
  elapsedMs: number;
  mapRun?: MapRunProgress;
  /** The last describe call failed with this message (it is retried). */
  retrying?: string;
}

export interface WaitOptions {
  timeoutMs: number;
  /** First pause between polls (default 5 s); it grows by half each poll up to maxDelayMs. */
  initialDelayMs?: number;
  /** Default 60 s. */
  maxDelayMs?: number;
  /** Failed describe calls in a row before giving up (default 5). */
  maxConsecutiveErrors?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  onProgress?: (progress: WaitProgress) => void;
}

export interface WaitOutcome {
  /** False when the timeout passed first (the execution goes on). */
  done: boolean;
  execution: ExecutionDescription;
  elapsedMs: number;
}

/** Errors that polling again cannot fix. */
const FATAL_ERRORS = new Set([
  'ExecutionDoesNotExist',
  'InvalidArn',
  'AccessDeniedException',
  'UnrecognizedClientException',
]);

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls DescribeExecution with backoff until the execution ends or `timeoutMs` passes. */
export async function waitForExecution(
  port: HuntResultsPort,
  executionArn: string,
  options: WaitOptions,
): Promise<WaitOutcome> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const maxDelay = options.maxDelayMs ?? 60_000;
  const maxErrors = options.maxConsecutiveErrors ?? 5;
  const start = now();
  let delay = Math.min(options.initialDelayMs ?? 5_000, maxDelay);
  let errors = 0;
  let last: ExecutionDescription | undefined;
  let mapRunArn: string | undefined;
  for (;;) {
    let retrying: string | undefined;
    try {
      last = await port.describeExecution(executionArn);
      errors = 0;
    } catch (err) {
      const name = (err as { name?: unknown })?.name;
      if (typeof name === 'string' && FATAL_ERRORS.has(name)) throw err;
      if (++errors >= maxErrors) throw err;
      retrying = err instanceof Error ? err.message : String(err);
    }
    const elapsedMs = now() - start;
    if (last && isTerminal(last.status)) return { done: true, execution: last, elapsedMs };
    if (elapsedMs >= options.timeoutMs)
      return { done: false, execution: last ?? { executionArn, status: 'UNKNOWN' }, elapsedMs };
    let mapRun: MapRunProgress | undefined;
    if (last && port.listMapRuns && port.describeMapRun) {
      // Progress is a nicety: a failed map-run call never stops the wait.
      try {
        mapRunArn ??= (await port.listMapRuns(executionArn))[0];
        if (mapRunArn) mapRun = await port.describeMapRun(mapRunArn);
      } catch {
        mapRun = undefined;
      }
    }
    options.onProgress?.({
      execution: last ?? { executionArn, status: 'UNKNOWN' },
      elapsedMs,
      ...(mapRun ? { mapRun } : {}),
      ...(retrying ? { retrying } : {}),
    });
    await sleep(Math.max(0, Math.min(delay, options.timeoutMs - elapsedMs)));
    delay = Math.min(Math.round(delay * 1.5), maxDelay);
  }
}

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0
    ? `${h}h${String(m).padStart(2, '0')}m`
    : m > 0
      ? `${m}m${String(sec).padStart(2, '0')}s`
      : `${sec}s`;
}

/** One progress line: `hunt-…: RUNNING 3m12s, prefixes 120/400 done, 2 failed`. */
export function formatProgress(p: WaitProgress): string {
  const name = p.execution.name ?? p.execution.executionArn.split(':').pop() ?? '';
  let line = `${safeText(name, 80)}: ${safeText(p.execution.status, 20)} ${formatDuration(p.elapsedMs)}`;
  if (p.mapRun) {
    const i = p.mapRun.items;
    line += `, prefixes ${i.succeeded + i.failed}/${i.total} done`;
    if (i.failed > 0) line += `, ${i.failed} failed`;
  }
  if (p.retrying) line += ` (describe failed, retrying: ${safeText(p.retrying, 120)})`;
  return line;
}

// ---------------------------------------------------------------------------------------------
// The hunt an execution ran

export interface HuntRun {
  huntId: string;
  since: string;
  until: string;
  mode: 'pipeline' | 'report';
  rules: string[];
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z$/;
const HUNT_ID = /^[A-Za-z0-9_-]{1,80}$/;

/** The hunt parameters from the execution input (lambdas/hunt/input.ts), or a reason they are unusable. */
export function parseHuntRun(input: string | undefined): { run?: HuntRun; problem?: string } {
  if (input === undefined) return { problem: 'the execution input is not available' };
  let value: unknown;
  try {
    value = JSON.parse(input);
  } catch {
    return { problem: 'the execution input is not JSON' };
  }
  if (!isObject(value)) return { problem: 'the execution input is not an object' };
  const { huntId, since, until, mode, rules } = value;
  if (typeof huntId !== 'string' || !HUNT_ID.test(huntId))
    return { problem: 'execution input huntId: expected a hunt id' };
  for (const [name, v] of [
    ['since', since],
    ['until', until],
  ] as const)
    if (typeof v !== 'string' || !ISO_TIME.test(v))
      return { problem: `execution input ${name}: expected an ISO time ending in Z` };
  if (mode !== 'pipeline' && mode !== 'report')
    return { problem: 'execution input mode: expected "pipeline" or "report"' };
  const refs = rules ?? [];
  if (
    !Array.isArray(refs) ||
    refs.length > 200 ||
    refs.some((r) => typeof r !== 'string' || r === '' || r.length > 512)
  )
    return { problem: 'execution input rules: expected up to 200 rule references' };
  return {
    run: { huntId, since: since as string, until: until as string, mode, rules: refs as string[] },
  };
}

// ---------------------------------------------------------------------------------------------
// Finding the results

export interface ResultsLocation {
  bucket: string;
  /** Key of manifest.json. */
  key: string;
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const MAP_RUN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** `ResultWriterDetails` of a succeeded execution's output. */
export function resultsFromOutput(output: string | undefined): {
  location?: ResultsLocation;
  mapRunArn?: string;
  problem?: string;
} {
  if (output === undefined) return { problem: 'the execution has no output' };
  let value: unknown;
  try {
    value = JSON.parse(output);
  } catch {
    return { problem: 'the execution output is not JSON' };
  }
  const details = isObject(value) ? value.ResultWriterDetails : undefined;
  if (!isObject(details)) return { problem: 'the execution output has no ResultWriterDetails' };
  const { Bucket, Key } = details;
  if (typeof Bucket !== 'string' || !BUCKET.test(Bucket))
    return { problem: 'execution output ResultWriterDetails.Bucket: expected a bucket name' };
  if (typeof Key !== 'string' || Key.length > 1024 || !Key.endsWith('manifest.json'))
    return { problem: 'execution output ResultWriterDetails.Key: expected the key of a manifest.json' };
  const mapRunArn = isObject(value) && typeof value.MapRunArn === 'string' ? value.MapRunArn : undefined;
  return { location: { bucket: Bucket, key: Key }, ...(mapRunArn ? { mapRunArn } : {}) };
}

/**
 * Where the results of an execution are: the output's ResultWriterDetails when it succeeded;
 * otherwise (a failed or aborted hunt may have written part of them) the map run's id under
 * `results/` in the hunt bucket, found through the port's map-run calls.
 */
export async function locateResults(
  port: HuntResultsPort,
  execution: ExecutionDescription,
  huntBucket: string,
): Promise<{ location?: ResultsLocation; manifestText?: string; mapRunArn?: string; problem?: string }> {
  const fromOutput = resultsFromOutput(execution.output);
  if (fromOutput.location) return fromOutput;
  if (!port.listMapRuns)
    return { problem: `${fromOutput.problem}, and map runs cannot be listed to find partial results` };
  let mapRunArn: string | undefined;
  try {
    mapRunArn = (await port.listMapRuns(execution.executionArn))[0];
  } catch (err) {
    return { problem: `listing the execution's map runs failed: ${errorText(err)}` };
  }
  if (!mapRunArn) return { problem: 'the execution started no map run, so no results were written' };
  const id = mapRunArn.split(':').pop() ?? '';
  if (!MAP_RUN_ID.test(id))
    return { mapRunArn, problem: `unexpected map run ARN "${safeText(mapRunArn, 200)}"` };
  // Step Functions joins the prefix and the map run id with a slash; `results/` may give `results//`.
  const candidates = [`${RESULTS_PREFIX}${id}/manifest.json`, `${RESULTS_PREFIX}/${id}/manifest.json`];
  const failures: string[] = [];
  for (const key of candidates) {
    try {
      const manifestText = await port.getObject(huntBucket, key);
      return { location: { bucket: huntBucket, key }, manifestText, mapRunArn };
    } catch (err) {
      failures.push(`${key}: ${errorText(err)}`);
    }
  }
  return {
    mapRunArn,
    problem: `no results manifest for map run ${id} in s3://${huntBucket}/ (${failures.join('; ')})`,
  };
}

export interface ResultFileRef {
  /** SUCCEEDED, FAILED or PENDING (as the manifest groups them). */
  status: string;
  key: string;
}

/** The result files a manifest lists; keys outside the manifest's folder are refused. */
export function parseManifest(
  text: string,
  location: ResultsLocation,
): { files: ResultFileRef[]; problems: string[] } {
  const where = `s3://${location.bucket}/${location.key}`;
  const problems: string[] = [];
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { files: [], problems: [`${where}: not valid JSON (${errorText(err)})`] };
  }
  if (!isObject(value)) return { files: [], problems: [`${where}: expected a JSON object`] };
  if (value.DestinationBucket !== undefined && value.DestinationBucket !== location.bucket)
    problems.push(
      `${where} DestinationBucket: expected "${location.bucket}", got ${describeValue(value.DestinationBucket)}; reading from "${location.bucket}"`,
    );
  const groups = value.ResultFiles;
  if (!isObject(groups))
    return { files: [], problems: [...problems, `${where} ResultFiles: expected an object`] };
  const folder = location.key.slice(0, location.key.length - 'manifest.json'.length);
  const files: ResultFileRef[] = [];
  for (const [status, list] of Object.entries(groups)) {
    const path = `ResultFiles.${safeText(status, 40)}`;
    if (!/^[A-Z_]{1,20}$/.test(status)) {
      problems.push(`${where} ${path}: unexpected group name`);
      continue;
    }
    if (!Array.isArray(list)) {
      problems.push(`${where} ${path}: expected an array`);
      continue;
    }
    list.forEach((entry, i) => {
      const key = isObject(entry) ? entry.Key : undefined;
      if (typeof key !== 'string' || key.length > 1024)
        problems.push(`${where} ${path}[${i}].Key: expected a string, got ${describeValue(key)}`);
      else if (!key.startsWith(folder) || key === location.key)
        problems.push(
          `${where} ${path}[${i}].Key: expected a key under ${folder}, got "${safeText(key, 200)}"`,
        );
      else if (files.length >= MAX_RESULT_FILES)
        problems.push(
          `${where} ${path}[${i}]: more than ${MAX_RESULT_FILES} result files; the rest are left out`,
        );
      else files.push({ status, key });
    });
  }
  return { files, problems };
}

// ---------------------------------------------------------------------------------------------
// Validating a worker result and a child execution entry

class ShapeError extends Error {}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `"${safeText(v, 60)}"`;
  if (typeof v === 'object') return 'an object';
  return safeText(String(v), 60);
}

function count(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
    throw new ShapeError(`${path}: expected a non-negative integer, got ${describeValue(v)}`);
  return v;
}

function text(v: unknown, path: string, max = MAX_TEXT): string {
  if (typeof v !== 'string') throw new ShapeError(`${path}: expected a string, got ${describeValue(v)}`);
  if (v.length > max) throw new ShapeError(`${path}: longer than ${max} characters`);
  return v;
}

function array(v: unknown, path: string, max: number): unknown[] {
  if (!Array.isArray(v)) throw new ShapeError(`${path}: expected an array, got ${describeValue(v)}`);
  if (v.length > max) throw new ShapeError(`${path}: more than ${max} entries`);
  return v;
}

const DAY_PREFIX =
  /^(?:[^/]{1,255}\/){0,20}AWSLogs\/(?:o-[a-z0-9]{10,32}\/)?\d{12}\/CloudTrail\/[a-z]{2}(?:-[a-z]+)+-\d\/\d{4}\/\d{2}\/\d{2}\/$/;

function dayPrefix(v: unknown, path: string): string {
  const s = text(v, path, 1024);
  if (!DAY_PREFIX.test(s))
    throw new ShapeError(
      `${path}: expected a day prefix …/AWSLogs/…/<account>/CloudTrail/<region>/YYYY/MM/DD/, got "${safeText(s, 200)}"`,
    );
  return s;
}

/** Validates one worker result (HuntBatchResult); throws ShapeError naming the path. */
export function parseBatchResult(value: unknown, path: string): HuntBatchResult {
  if (!isObject(value)) throw new ShapeError(`${path}: expected an object, got ${describeValue(value)}`);
  const byRuleRaw = value.byRule;
  if (!isObject(byRuleRaw))
    throw new ShapeError(`${path}.byRule: expected an object, got ${describeValue(byRuleRaw)}`);
  const byRuleEntries = Object.entries(byRuleRaw);
  if (byRuleEntries.length > 10_000) throw new ShapeError(`${path}.byRule: more than 10000 rules`);
  const byRule: HuntBatchResult['byRule'] = {};
  for (const [id, entry] of byRuleEntries) {
    const at = `${path}.byRule[${JSON.stringify(safeText(id, 80))}]`;
    if (id.length === 0 || id.length > 200) throw new ShapeError(`${at}: expected a rule id`);
    if (!isObject(entry)) throw new ShapeError(`${at}: expected an object, got ${describeValue(entry)}`);
    byRule[id] = { title: text(entry.title, `${at}.title`, 500), count: count(entry.count, `${at}.count`) };
  }
  const listed = array(value.listed, `${path}.listed`, 1000).map((m, i): HuntMatchSummary => {
    const at = `${path}.listed[${i}]`;
    if (!isObject(m)) throw new ShapeError(`${at}: expected an object, got ${describeValue(m)}`);
    return {
      ruleId: text(m.ruleId, `${at}.ruleId`, 200),
      title: text(m.title, `${at}.title`, 500),
      eventID: text(m.eventID, `${at}.eventID`, 500),
      eventTime: text(m.eventTime, `${at}.eventTime`, 500),
      accountId: text(m.accountId, `${at}.accountId`, 100),
      source: text(m.source, `${at}.source`, 1000),
    };
  });
  const damaged = array(value.damaged, `${path}.damaged`, 1000).map((d, i) => {
    const at = `${path}.damaged[${i}]`;
    if (!isObject(d)) throw new ShapeError(`${at}: expected an object, got ${describeValue(d)}`);
    return {
      key: text(d.key, `${at}.key`, 1024),
      problems: array(d.problems, `${at}.problems`, 20).map((p, j) => text(p, `${at}.problems[${j}]`)),
    };
  });
  return {
    huntId: text(value.huntId, `${path}.huntId`, 128),
    prefixes: count(value.prefixes, `${path}.prefixes`),
    objects: count(value.objects, `${path}.objects`),
    records: count(value.records, `${path}.records`),
    outOfRange: count(value.outOfRange, `${path}.outOfRange`),
    matches: count(value.matches, `${path}.matches`),
    byRule,
    listed,
    damagedObjects: count(value.damagedObjects, `${path}.damagedObjects`),
    damaged,
    // Absent in results written by workers older than the field.
    skippedObjects:
      value.skippedObjects === undefined ? 0 : count(value.skippedObjects, `${path}.skippedObjects`),
    unfinished: array(value.unfinished, `${path}.unfinished`, 10_000).map((p, i) =>
      dayPrefix(p, `${path}.unfinished[${i}]`),
    ),
    unknownRules: array(value.unknownRules, `${path}.unknownRules`, 1000).map((r, i) =>
      text(r, `${path}.unknownRules[${i}]`, 512),
    ),
  };
}

/** The day prefixes of a child execution's input (`{ Items: [{ prefix, … }] }`, as JSON text). */
function batchPrefixes(input: unknown, path: string): string[] {
  const value = typeof input === 'string' ? parseJson(input, path) : input;
  if (!isObject(value))
    throw new ShapeError(`${path}: expected an object with Items, got ${describeValue(value)}`);
  return array(value.Items, `${path}.Items`, 10_000).map((item, i) =>
    dayPrefix(isObject(item) ? item.prefix : undefined, `${path}.Items[${i}].prefix`),
  );
}

function parseJson(textValue: string, path: string): unknown {
  try {
    return JSON.parse(textValue);
  } catch (err) {
    throw new ShapeError(`${path}: not valid JSON (${errorText(err)})`);
  }
}

// ---------------------------------------------------------------------------------------------
// Aggregation

export interface FailedBatch {
  /** The child execution's name (or its index in the result file). */
  name: string;
  status: string;
  error?: string;
  cause?: string;
  /** Its day prefixes, when its input was recorded. */
  prefixes: string[];
}

export interface HuntSummary {
  executionArn: string;
  status: string;
  /** Why the execution failed (FAILED, TIMED_OUT, ABORTED). */
  error?: string;
  cause?: string;
  startDate?: string;
  stopDate?: string;
  stateMachineArn?: string;
  hunt?: HuntRun;
  /** Why the hunt parameters are unknown (then no re-run command is given). */
  huntProblem?: string;
  results?: { bucket: string; manifestKey: string; files: number; mapRunArn?: string };
  /** Why no results could be read. */
  resultsProblem?: string;
  batches: { succeeded: number; failed: number; pending: number; malformed: number };
  totals: {
    prefixes: number;
    objects: number;
    records: number;
    outOfRange: number;
    matches: number;
    damagedObjects: number;
    skippedObjects: number;
  };
  /** Matches per rule, most first. */
  byRule: { ruleId: string; title: string; count: number }[];
  /** The earliest listed matches (by event time), at most `listedLimit`. */
  listed: HuntMatchSummary[];
  listedLimit: number;
  /** Listed by the workers in all (each lists at most its first 100). */
  listedAvailable: number;
  /** Damaged objects (at most 200, by key); totals.damagedObjects counts all. */
  damaged: { key: string; problems: string[] }[];
  /** Failed or never-run batches (at most 200, by name); batches.failed/pending count all. */
  failedBatches: FailedBatch[];
  /** Prefixes a worker had no time for. */
  unfinished: string[];
  unknownRules: string[];
  /** Malformed or unreadable result files and entries (at most 100); problemCount counts all. */
  problems: string[];
  problemCount: number;
  /** What to hunt again: unfinished prefixes and those of failed, pending or malformed batches. */
  rerun: {
    prefixes: string[];
    /** Batches whose prefixes are unknown (input not recorded or unreadable). */
    unknownBatches: number;
    command?: string;
    /** The file the command reads with --prefixes-from (when the prefixes do not fit inline). */
    prefixesFile?: string;
  };
  /** True when every planned prefix was read and every result was readable. */
  complete: boolean;
}

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

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

class Aggregator {
  readonly batches = { succeeded: 0, failed: 0, pending: 0, malformed: 0 };
  readonly totals = {
    prefixes: 0,
    objects: 0,
    records: 0,
    outOfRange: 0,
    matches: 0,
    damagedObjects: 0,
    skippedObjects: 0,
  };
  readonly byRule = new Map<string, { title: string; count: number }>();
  readonly listed: Smallest<HuntMatchSummary>;
  listedAvailable = 0;
  readonly damaged = new Smallest<{ key: string; problems: string[] }>(KEPT_DAMAGED, (a, b) =>
    byText(a.key, b.key),
  );
  readonly failed = new Smallest<FailedBatch>(KEPT_FAILED_BATCHES, (a, b) => byText(a.name, b.name));
  readonly problems = new Smallest<string>(KEPT_PROBLEMS, byText);
  problemCount = 0;
  readonly unfinished = new Set<string>();
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
    this.totals.prefixes += r.prefixes;
    this.totals.objects += r.objects;
    this.totals.records += r.records;
    this.totals.outOfRange += r.outOfRange;
    this.totals.matches += r.matches;
    this.totals.damagedObjects += r.damagedObjects;
    this.totals.skippedObjects += r.skippedObjects;
    for (const [id, { title, count: n }] of Object.entries(r.byRule)) {
      const entry = this.byRule.get(id);
      if (entry) entry.count += n;
      else this.byRule.set(id, { title, count: n });
    }
    this.listedAvailable += r.listed.length;
    r.listed.forEach((m) => this.listed.add(m));
    r.damaged.forEach((d) => this.damaged.add(d));
    for (const p of r.unfinished) {
      this.unfinished.add(p);
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
}

/** Folds one result file (a JSON array of child executions) into the aggregate. */
function foldResultFile(
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
    agg.problem(`${where}: not valid JSON (${errorText(err)}); its batches are not counted`);
    agg.unknownBatches++;
    return;
  }
  if (!Array.isArray(entries)) {
    agg.problem(
      `${where}: expected a JSON array of child executions, got ${describeValue(entries)}; its batches are not counted`,
    );
    agg.unknownBatches++;
    return;
  }
  entries.forEach((entry, i) => {
    const at = `[${i}]`;
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
        throw new ShapeError(
          `${at}.Output.huntId: expected "${huntId}", got "${safeText(result.huntId, 80)}"`,
        );
      agg.succeeded(result);
    } catch (err) {
      const message = err instanceof ShapeError ? err.message : errorText(err);
      agg.malformed(`${where} ${message}; the batch is not counted`, prefixes);
    }
  });
}

export interface SummarizeOptions {
  /** Bucket to look in when the execution output does not name one (a failed hunt). */
  huntBucket: string;
  /** How many matches to keep in `listed` (default 20). */
  listed?: number;
  /** File named in the re-run command when the prefixes do not fit on the command line. */
  prefixesFile?: string;
}

/** Reads the results of an ended execution and folds them into one summary. Never throws on bad files. */
export async function summarizeHunt(
  port: HuntResultsPort,
  execution: ExecutionDescription,
  options: SummarizeOptions,
): Promise<HuntSummary> {
  const listedLimit = Math.max(0, Math.min(options.listed ?? 20, MAX_LISTED_LIMIT));
  const agg = new Aggregator(listedLimit);
  const parsedRun = parseHuntRun(execution.input);
  const run = parsedRun.run;
  let results: HuntSummary['results'];
  let resultsProblem: string | undefined;

  const located = await locateResults(port, execution, options.huntBucket);
  if (!located.location) resultsProblem = located.problem;
  else {
    const { bucket, key } = located.location;
    let manifestText = located.manifestText;
    if (manifestText === undefined) {
      try {
        manifestText = await port.getObject(bucket, key);
      } catch (err) {
        resultsProblem = `reading s3://${bucket}/${key} failed: ${errorText(err)}`;
      }
    }
    if (manifestText !== undefined) {
      const manifest = parseManifest(manifestText, located.location);
      manifest.problems.forEach((p) => agg.problem(p));
      results = {
        bucket,
        manifestKey: key,
        files: manifest.files.length,
        ...(located.mapRunArn ? { mapRunArn: located.mapRunArn } : {}),
      };
      await forEachLimited(manifest.files, READ_CONCURRENCY, async (file) => {
        let body: string;
        try {
          body = await port.getObject(bucket, file.key);
        } catch (err) {
          agg.problem(
            `reading s3://${bucket}/${file.key} failed: ${errorText(err)}; its batches are not counted`,
          );
          agg.unknownBatches++;
          return;
        }
        foldResultFile(agg, body, file, bucket, run?.huntId);
      });
    }
  }

  const rerunPrefixes = [...agg.rerun].sort();
  const complete =
    execution.status === 'SUCCEEDED' &&
    results !== undefined &&
    rerunPrefixes.length === 0 &&
    agg.unknownBatches === 0 &&
    agg.problemCount === 0;
  const rerun: HuntSummary['rerun'] = { prefixes: rerunPrefixes, unknownBatches: agg.unknownBatches };
  if (run && rerunPrefixes.length > 0 && execution.stateMachineArn) {
    const file =
      rerunPrefixes.length > INLINE_RERUN_PREFIXES
        ? (options.prefixesFile ?? `${run.huntId}-rerun.txt`)
        : undefined;
    rerun.command = rerunCommand(run, execution.stateMachineArn, rerunPrefixes, file);
    if (file) rerun.prefixesFile = file;
  }
  return {
    executionArn: execution.executionArn,
    status: execution.status,
    ...(execution.error !== undefined ? { error: safeText(execution.error, 500) } : {}),
    ...(execution.cause !== undefined ? { cause: safeText(execution.cause, 4000) } : {}),
    ...(execution.startDate ? { startDate: execution.startDate.toISOString() } : {}),
    ...(execution.stopDate ? { stopDate: execution.stopDate.toISOString() } : {}),
    ...(execution.stateMachineArn ? { stateMachineArn: execution.stateMachineArn } : {}),
    ...(run ? { hunt: run } : { huntProblem: parsedRun.problem }),
    ...(results ? { results } : {}),
    ...(resultsProblem ? { resultsProblem } : {}),
    batches: agg.batches,
    totals: agg.totals,
    byRule: [...agg.byRule.entries()]
      .map(([ruleId, v]) => ({ ruleId, title: v.title, count: v.count }))
      .sort((a, b) => b.count - a.count || byText(a.title, b.title) || byText(a.ruleId, b.ruleId)),
    listed: agg.listed.values(),
    listedLimit,
    listedAvailable: agg.listedAvailable,
    damaged: agg.damaged.values(),
    failedBatches: agg.failed.values(),
    unfinished: [...agg.unfinished].sort(),
    unknownRules: [...agg.unknownRules].sort(),
    problems: agg.problems.values(),
    problemCount: agg.problemCount,
    rerun,
    complete,
  };
}

async function forEachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  });
  await Promise.all(workers);
}

// ---------------------------------------------------------------------------------------------
// The re-run command

/** Quotes a word for a POSIX shell (only when it needs it). */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:@=,+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `trailalerts hunt` with the same window, rules and mode over exactly these prefixes. */
export function rerunCommand(
  run: HuntRun,
  stateMachineArn: string,
  prefixes: string[],
  prefixesFile?: string,
): string {
  const words = ['trailalerts', 'hunt', '--since', run.since, '--until', run.until];
  for (const r of run.rules) words.push('--rules', r);
  if (run.mode === 'report') words.push('--report');
  words.push('--state-machine', stateMachineArn);
  if (prefixesFile !== undefined) words.push('--prefixes-from', prefixesFile);
  else for (const p of prefixes) words.push('--prefix', p);
  return words.map(shellQuote).join(' ');
}

// ---------------------------------------------------------------------------------------------
// Output

/** Removes control characters and terminal escapes (result texts come from CloudTrail records) and shortens. */
export function safeText(value: unknown, max = 200): string {
  const s = typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
  // eslint-disable-next-line no-control-regex
  const clean = s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, '?');
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

function errorText(err: unknown): string {
  return safeText(err instanceof Error ? err.message : String(err), 300);
}

const n = (v: number) => v.toLocaleString('en-US');

function table(header: string[], rows: string[][], indent = '  '): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    indent +
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

function incompleteReasons(s: HuntSummary): string[] {
  const reasons: string[] = [];
  if (s.status !== 'SUCCEEDED') reasons.push(`the execution ${safeText(s.status, 20)}`);
  if (s.resultsProblem) reasons.push('no results were read');
  if (s.rerun.prefixes.length > 0) reasons.push(`${n(s.rerun.prefixes.length)} prefixes to hunt again`);
  if (s.rerun.unknownBatches > 0)
    reasons.push(`${n(s.rerun.unknownBatches)} batches or files with unknown prefixes`);
  if (s.problemCount > 0) reasons.push(`${n(s.problemCount)} result file problems`);
  return reasons.length > 0 ? reasons : ['see above'];
}

/** The summary as text for a terminal; every text from the results is cleaned of control characters. */
export function formatSummary(s: HuntSummary): string {
  const out: string[] = [];
  const id = s.hunt?.huntId ?? s.executionArn.split(':').pop() ?? '';
  const window = s.hunt ? ` ${s.hunt.since} .. ${s.hunt.until}, ${s.hunt.mode} mode` : '';
  out.push(`hunt ${safeText(id, 80)}: ${safeText(s.status, 20)}${window}`);
  if (s.hunt)
    out.push(
      `  rules:      ${s.hunt.rules.length > 0 ? s.hunt.rules.map((r) => safeText(r, 100)).join(', ') : 'all shipped rules'}`,
    );
  out.push(`  execution:  ${s.executionArn}`);
  if (s.startDate) out.push(`  ran:        ${s.startDate} .. ${s.stopDate ?? '(running)'}`);
  if (s.error !== undefined || s.cause !== undefined)
    out.push(`  error:      ${safeText(s.error ?? '', 200)}${s.cause ? `: ${safeText(s.cause, 2000)}` : ''}`);
  if (s.results)
    out.push(
      `  results:    s3://${s.results.bucket}/${safeText(s.results.manifestKey, 300)} (${s.results.files} files)`,
    );
  if (s.resultsProblem) out.push(`  results:    none read: ${safeText(s.resultsProblem, 500)}`);
  if (s.huntProblem) out.push(`  note:       ${safeText(s.huntProblem, 200)} (no re-run command)`);
  const b = s.batches;
  out.push(
    `  batches:    ${n(b.succeeded)} succeeded, ${n(b.failed)} failed, ${n(b.pending)} never ran, ${n(b.malformed)} unreadable`,
  );
  const t = s.totals;
  out.push(
    `  read:       ${n(t.prefixes)} prefixes, ${n(t.objects)} objects, ${n(t.records)} records (${n(t.outOfRange)} outside the window)` +
      (t.skippedObjects > 0
        ? `; ${n(t.skippedObjects)} other keys not read (digests, Insights, other files)`
        : ''),
  );
  out.push(
    `  matches:    ${n(t.matches)}${t.damagedObjects > 0 ? `   damaged objects: ${n(t.damagedObjects)}` : ''}`,
  );

  if (s.byRule.length > 0) {
    out.push('', 'matches per rule');
    out.push(
      ...table(
        ['count', 'rule', 'id'],
        s.byRule.map((r) => [n(r.count), safeText(r.title, 70), safeText(r.ruleId, 40)]),
      ),
    );
  }
  if (s.listed.length > 0) {
    out.push(
      '',
      `first ${s.listed.length} matches by event time (of ${n(t.matches)}; the workers list up to 100 per batch)`,
    );
    out.push(
      ...table(
        ['time', 'account', 'rule', 'eventID', 'source'],
        s.listed.map((m) => [
          safeText(m.eventTime, 30),
          safeText(m.accountId, 14),
          safeText(m.title, 50),
          safeText(m.eventID, 40),
          safeText(m.source, 120),
        ]),
      ),
    );
  }
  if (s.damaged.length > 0) {
    const more = t.damagedObjects > s.damaged.length ? ` (the first ${s.damaged.length} by key)` : '';
    out.push('', `damaged objects: ${n(t.damagedObjects)}${more}; their good records were read`);
    for (const d of s.damaged)
      out.push(`  ${safeText(d.key, 300)}`, ...d.problems.map((p) => `    ${safeText(p, 300)}`));
  }
  if (s.failedBatches.length > 0) {
    out.push('', `failed or never-run batches: ${n(b.failed + b.pending)}`);
    for (const f of s.failedBatches) {
      out.push(
        `  ${safeText(f.name, 100)} ${safeText(f.status, 20)}: ${safeText(f.error ?? '', 200)}${f.cause ? ` ${safeText(f.cause, 500)}` : ''}`,
      );
      out.push(...f.prefixes.slice(0, 3).map((p) => `    ${safeText(p, 300)}`));
      if (f.prefixes.length > 3) out.push(`    … ${f.prefixes.length - 3} more`);
    }
  }
  if (s.unknownRules.length > 0)
    out.push(
      '',
      `rule references that matched no shipped rule: ${s.unknownRules.map((r) => safeText(r, 100)).join(', ')}`,
    );
  if (s.problemCount > 0) {
    out.push('', `result file problems: ${n(s.problemCount)}`);
    out.push(...s.problems.map((p) => `  ${safeText(p, 500)}`));
  }
  if (s.rerun.prefixes.length > 0 || s.rerun.unknownBatches > 0) {
    out.push('');
    if (s.rerun.prefixes.length > 0)
      out.push(
        `hunt again: ${n(s.rerun.prefixes.length)} prefixes (${n(s.unfinished.length)} unfinished, the rest from failed, never-run or unreadable batches)`,
      );
    if (s.rerun.unknownBatches > 0)
      out.push(
        `  ${n(s.rerun.unknownBatches)} batches or result files could not be tied to prefixes: hunt the whole range again to be sure`,
      );
    if (s.rerun.command) {
      if (s.rerun.prefixesFile)
        out.push(
          `  write the prefixes to ${safeText(s.rerun.prefixesFile, 200)} (trailalerts hunt-results --execution ${s.executionArn} --rerun-file ${shellQuote(s.rerun.prefixesFile)}), then:`,
        );
      out.push(`  ${s.rerun.command}`);
    }
  }
  out.push(
    '',
    s.complete ? 'complete: every prefix was read' : `incomplete: ${incompleteReasons(s).join(', ')}`,
  );
  return `${out.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// AWS adapter

/** The port over the SDK clients (the operator's credentials, in the state machine's region). */
export function awsHuntResultsPort(
  sfn: SFNClient,
  s3: S3Client,
  maxObjectBytes = MAX_RESULT_FILE_BYTES,
): Required<HuntResultsPort> {
  return {
    async describeExecution(executionArn) {
      const r = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      return {
        executionArn: r.executionArn ?? executionArn,
        status: r.status ?? 'UNKNOWN',
        ...(r.stateMachineArn ? { stateMachineArn: r.stateMachineArn } : {}),
        ...(r.name ? { name: r.name } : {}),
        ...(r.input !== undefined ? { input: r.input } : {}),
        ...(r.output !== undefined ? { output: r.output } : {}),
        ...(r.error !== undefined ? { error: r.error } : {}),
        ...(r.cause !== undefined ? { cause: r.cause } : {}),
        ...(r.startDate ? { startDate: r.startDate } : {}),
        ...(r.stopDate ? { stopDate: r.stopDate } : {}),
      };
    },
    async getObject(bucket, key) {
      const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if (r.ContentLength !== undefined && r.ContentLength > maxObjectBytes)
        throw new Error(`${n(r.ContentLength)} bytes, more than the ${n(maxObjectBytes)} read at most`);
      if (!r.Body) throw new Error('empty response body');
      const body = await r.Body.transformToString('utf-8');
      if (body.length > maxObjectBytes)
        throw new Error(`more than the ${n(maxObjectBytes)} bytes read at most`);
      return body;
    },
    async listMapRuns(executionArn) {
      const runs: { arn: string; start: number }[] = [];
      for await (const page of paginateListMapRuns({ client: sfn }, { executionArn }))
        for (const m of page.mapRuns ?? [])
          if (m.mapRunArn) runs.push({ arn: m.mapRunArn, start: m.startDate?.getTime() ?? 0 });
      return runs.sort((a, b) => b.start - a.start).map((r) => r.arn);
    },
    async describeMapRun(mapRunArn) {
      const r = await sfn.send(new DescribeMapRunCommand({ mapRunArn }));
      const c = r.itemCounts;
      return {
        mapRunArn,
        ...(r.status ? { status: r.status } : {}),
        items: {
          total: c?.total ?? 0,
          succeeded: c?.succeeded ?? 0,
          failed: (c?.failed ?? 0) + (c?.timedOut ?? 0) + (c?.aborted ?? 0),
          running: c?.running ?? 0,
          pending: c?.pending ?? 0,
        },
      };
    },
  };
}
