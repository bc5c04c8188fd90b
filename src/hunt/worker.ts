/**
 * The hunt worker's core: for each day prefix of a batch, list its log objects (leaving out those
 * delivered outside the window, by the time in their key: window.ts, before any is fetched), stream
 * each through the same Analyzer as the live pipeline (restricted to the hunt's rules), skip events
 * outside [since, until], and either send matches to the matches queue (alert mode; the
 * processor dedupes, so re-runs are safe) or only count them (report mode).
 *
 * Bounded by the network, not by waiting: up to `getsInFlight` objects are fetched and analyzed at
 * once (a pool shared by the batch's prefixes; listing runs ahead of it), so S3 round trips overlap.
 * Memory stays bounded: each object in flight holds a few MiB at most (pieces of its text and one
 * record of at most 1 MiB; docs/performance.md, "Retro-hunt worker", gives the bound).
 *
 * An object fails in one of two ways. Damaged content (corrupt gzip, invalid JSON) is counted and
 * listed; reading it again gives the same. An object that could not be read (an S3, KMS or network
 * error) is retried with backoff when the error is transient (read-errors.ts) and, if it persists,
 * is *unread*: its prefix is returned to be hunted again. Neither fails the batch. A prefix counts
 * only once read whole (tally.ts); when the time budget runs low the remaining prefixes are
 * returned as `unfinished`.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import type { Match } from '../alerts';
import { parseTrailKey } from '../cloudtrail';
import { compileRuleRef } from '../org';
import {
  Analyzer,
  type AnalyzerOptions,
  type TimeWindow,
  analyzeStream,
  type MatchSink,
  listLogKeys,
} from '../runtime';
import { applyFilters, type CompiledRule, type FilterRuleModel } from '../sigma';
import { formatDiagnostic, type Diagnostic } from '../core';
import type { HuntItem } from './input';
import { isTransientReadError, readFailure, retryDelayMs } from './read-errors';
import {
  addTally,
  countMatch,
  emptyBatchResult,
  emptyTally,
  MAX_LISTED_OBJECTS,
  type HuntBatchResult,
  type PrefixTally,
} from './tally';
import { eventWindow, keyWindow, listStartAfter, mayHoldWindow } from './window';
import { TrailAlertsError } from '../core';

/** Stop starting new objects when less than this much time is left. */
export const TIME_RESERVE_MS = 60_000;
const FLUSH_EVERY = 50;

/** Objects fetched at once per worker by default; HUNT_GETS_IN_FLIGHT tunes it (1 to 64). */
export const DEFAULT_GETS_IN_FLIGHT = 16;
export const MAX_GETS_IN_FLIGHT = 64;
/** Reads of one object before a transient error makes it unread. */
export const MAX_READ_ATTEMPTS = 4;

export interface HuntWorkerDeps {
  s3: S3Client;
  trailBucket: string;
  open: (bucket: string, key: string) => Promise<Readable>;
  /** Every shipped rule; the batch's `rules` narrow it. */
  rules: CompiledRule[];
  /**
   * Sigma filter documents shipped with the rules. Report mode applies them (its counts are what
   * would alert); alert mode leaves them to the processor, which applies them with exceptions.
   */
  filters?: FilterRuleModel[];
  analyzerOptions: Omit<AnalyzerOptions, 'rules'>;
  /** Needed in alert mode. */
  sink?: MatchSink;
  rulesRoot?: string;
  remainingMs: () => number;
  /** Objects fetched and analyzed at once (default DEFAULT_GETS_IN_FLIGHT). */
  getsInFlight?: number;
  /** Reads of an object that fails transiently (default MAX_READ_ATTEMPTS). */
  readAttempts?: number;
  /** The pause before a retry (tests: none). */
  sleep?: (ms: number) => Promise<void>;
}

/** The matches queue refused a send: the batch fails so Step Functions retries it. */
export class MatchSinkError extends TrailAlertsError {
  constructor(cause: unknown) {
    super(`sending matches failed: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

async function sendTo(sink: MatchSink, matches: Match[]): Promise<void> {
  try {
    await sink.send(matches);
  } catch (err) {
    throw new MatchSinkError(err);
  }
}

/** Shipped rules narrowed to the references (all when none); unmatched references are reported. */
export function selectRules(
  rules: CompiledRule[],
  refs: string[],
  rulesRoot?: string,
): { rules: CompiledRule[]; unknown: string[] } {
  if (refs.length === 0) return { rules, unknown: [] };
  const matchers = refs.map((ref) => ({ ref, match: compileRuleRef(ref, rulesRoot) }));
  const unknown = matchers.filter((m) => !rules.some((r) => m.match(r.meta))).map((m) => m.ref);
  return { rules: rules.filter((r) => matchers.some((m) => m.match(r.meta))), unknown };
}

/** `HUNT_GETS_IN_FLIGHT` as a number of GETs, clamped to 1..MAX_GETS_IN_FLIGHT; the default otherwise. */
export function getsInFlightFrom(value: string | undefined): number {
  const n = Number(value);
  if (value === undefined || value.trim() === '' || !Number.isInteger(n)) return DEFAULT_GETS_IN_FLIGHT;
  return Math.min(Math.max(n, 1), MAX_GETS_IN_FLIGHT);
}

/** A counting semaphore: `acquire` waits for a free slot. */
class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];
  constructor(size: number) {
    this.free = size;
  }
  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

/** One prefix while its objects are in flight. */
interface PrefixRun {
  item: HuntItem;
  analyzer: Analyzer;
  events: TimeWindow;
  tally: PrefixTally;
  unread: boolean;
  inFlight: Promise<void>[];
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function huntBatch(items: HuntItem[], deps: HuntWorkerDeps): Promise<HuntBatchResult> {
  const result = emptyBatchResult(items[0]?.huntId ?? 'unknown');
  const analyzers = new Map<string, Analyzer>();
  const analyzerFor = (refs: string[], mode: HuntItem['mode']): Analyzer => {
    const cacheKey = JSON.stringify([mode, refs]);
    let analyzer = analyzers.get(cacheKey);
    if (!analyzer) {
      const chosen = selectRules(deps.rules, refs, deps.rulesRoot);
      for (const u of chosen.unknown) if (!result.unknownRules.includes(u)) result.unknownRules.push(u);
      const rules = mode === 'report' ? applyFilters(chosen.rules, deps.filters ?? []) : chosen.rules;
      analyzer = new Analyzer({ ...deps.analyzerOptions, rules });
      analyzers.set(cacheKey, analyzer);
    }
    return analyzer;
  };
  if (items.some((i) => i.mode === 'alert') && !deps.sink)
    throw new Error('hunt worker: alert mode needs the matches queue');

  const slots = new Slots(
    Math.min(Math.max(deps.getsInFlight ?? DEFAULT_GETS_IN_FLIGHT, 1), MAX_GETS_IN_FLIGHT),
  );
  let fatal: unknown;
  const noteUnread = (run: PrefixRun, key: string, problem: string) => {
    run.unread = true;
    result.unreadableObjects++;
    if (result.unreadable.length < MAX_LISTED_OBJECTS) result.unreadable.push({ key, problems: [problem] });
  };
  // Prefixes whose listing ended: they settle (counted or unread) once their objects have.
  const listed: Promise<void>[] = [];
  const settle = async (run: PrefixRun, cut: boolean): Promise<void> => {
    await Promise.all(run.inFlight);
    if (fatal !== undefined) return;
    if (cut) result.unfinished.push(run.item.prefix);
    else if (run.unread) result.unreadablePrefixes.push(run.item.prefix);
    else {
      // Objects finish in any order; the lists keep key order.
      run.tally.damaged.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      addTally(result, run.tally);
      result.prefixes++;
    }
  };

  for (const [i, item] of items.entries()) {
    if (fatal !== undefined) break;
    if (deps.remainingMs() < TIME_RESERVE_MS) {
      result.unfinished.push(...items.slice(i).map((it) => it.prefix));
      break;
    }
    const run: PrefixRun = {
      item,
      analyzer: analyzerFor(item.rules, item.mode),
      events: eventWindow(item.since, item.until),
      tally: emptyTally(),
      unread: false,
      inFlight: [],
    };
    const outcome = await listAndStart(run, deps, slots, noteUnread, {
      fail: (err) => (fatal ??= err),
      failed: () => fatal !== undefined,
    });
    if (outcome === 'out of time') {
      await settle(run, true);
      result.unfinished.push(...items.slice(i + 1).map((it) => it.prefix));
      break;
    }
    listed.push(settle(run, false));
  }
  await Promise.all(listed);
  if (fatal !== undefined) throw fatal;
  // Prefixes settle as their objects do; the result lists them in batch order.
  const order = new Map(items.map((it, i) => [it.prefix, i]));
  const byOrder = (a: string, b: string) => (order.get(a) ?? 0) - (order.get(b) ?? 0);
  result.unfinished.sort(byOrder);
  result.unreadablePrefixes.sort(byOrder);
  result.unreadable.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return result;
}

/** Lists a prefix and starts each object in the window as a slot frees up. */
async function listAndStart(
  run: PrefixRun,
  deps: HuntWorkerDeps,
  slots: Slots,
  noteUnread: (run: PrefixRun, key: string, problem: string) => void,
  fatal: { fail: (err: unknown) => void; failed: () => boolean },
): Promise<'listed' | 'out of time'> {
  const keys = keyWindow(run.item.since, run.item.until);
  const listing = listLogKeys(
    deps.s3,
    { bucket: deps.trailBucket, prefix: run.item.prefix },
    () => void run.tally.skippedObjects++,
    listStartAfter(run.item.prefix, keys),
  );
  try {
    for await (const key of listing) {
      if (!mayHoldWindow(key, keys)) {
        run.tally.outsideWindowObjects++;
        continue;
      }
      await slots.acquire();
      if (fatal.failed()) {
        slots.release();
        return 'listed';
      }
      if (deps.remainingMs() < TIME_RESERVE_MS) {
        slots.release();
        return 'out of time';
      }
      run.tally.objects++;
      const task = readObject(key, run, deps)
        .then((read) => {
          if (read.unread !== undefined) noteUnread(run, key, read.unread);
          else if (read.damage.length > 0) {
            run.tally.damagedObjects++;
            if (run.tally.damaged.length < MAX_LISTED_OBJECTS)
              run.tally.damaged.push({ key, problems: read.damage });
          }
        }, fatal.fail)
        .finally(() => slots.release());
      run.inFlight.push(task);
    }
  } catch (err) {
    noteUnread(run, run.item.prefix, `listing failed: ${readFailure(err)}`);
  }
  return 'listed';
}

interface ObjectRead {
  unread?: string;
  damage: string[];
}

/** Reads one object, again after a transient failure; its counts join the prefix's only once read. */
async function readObject(key: string, run: PrefixRun, deps: HuntWorkerDeps): Promise<ObjectRead> {
  const attempts = Math.max(1, deps.readAttempts ?? MAX_READ_ATTEMPTS);
  const sleep = deps.sleep ?? defaultSleep;
  for (let attempt = 1; ; attempt++) {
    const own = emptyTally();
    const read = await readOnce(key, run, deps, own);
    if (read.unread === undefined) {
      addTally(run.tally, { ...own, objects: 0 });
      return read;
    }
    const delay = retryDelayMs(attempt);
    if (
      attempt >= attempts ||
      !isTransientReadError(read.error) ||
      deps.remainingMs() - delay < TIME_RESERVE_MS / 2
    )
      return { unread: read.unread, damage: [] };
    await sleep(delay);
  }
}

/** One read of an object into `tally`: why it could not be read, or what is damaged in it. */
async function readOnce(
  key: string,
  run: PrefixRun,
  deps: HuntWorkerDeps,
  tally: PrefixTally,
): Promise<ObjectRead & { error?: unknown }> {
  const name = `s3://${deps.trailBucket}/${key}`;
  let stream: Readable;
  try {
    stream = await deps.open(deps.trailBucket, key);
  } catch (err) {
    return { unread: readFailure(err), error: err, damage: [] };
  }
  // The body's own errors (a connection reset, a timeout) are failures to read, not damage.
  let readError: unknown;
  stream.on('error', (err) => (readError ??= err));
  const problems: Diagnostic[] = [];
  let pending: Match[] = [];
  try {
    const batches = analyzeStream(stream, name, run.analyzer, (p) => problems.push(p), {
      keyAccountId: parseTrailKey(key)?.accountId,
      window: run.events,
    });
    for await (const batch of batches) {
      tally.records += batch.records;
      tally.outOfRange += batch.outOfRange;
      for (const m of batch.matches) countMatch(m, tally, run.tally.listed.length);
      if (run.item.mode === 'alert' && batch.matches.length > 0) {
        // Marked as the hunt's: the processor dedupes it against alerts of any age, and says so.
        for (const m of batch.matches) {
          m.hunt = { id: run.item.huntId };
          pending.push(m);
        }
        if (pending.length >= FLUSH_EVERY) {
          await sendTo(deps.sink!, pending);
          pending = [];
        }
      }
    }
  } catch (err) {
    // A queue that refuses matches fails the batch (the map retries it); a bad object does not.
    if (err instanceof MatchSinkError) throw err;
    problems.push({
      severity: 'error',
      file: name,
      message: err instanceof Error ? err.message : String(err),
    });
  } finally {
    if (pending.length > 0) await sendTo(deps.sink!, pending);
  }
  if (readError !== undefined) return { unread: readFailure(readError), error: readError, damage: [] };
  const damage = problems
    .filter((p) => p.severity === 'error')
    .slice(0, 3)
    .map((p) => formatDiagnostic(p).slice(0, 300));
  return { damage };
}
