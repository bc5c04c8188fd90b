/**
 * The hunt worker's core: for each day prefix of a batch, list its log objects (leaving out those
 * delivered outside the window, by the time in their key: window.ts), stream each through the
 * same Analyzer as the live pipeline (restricted to the hunt's rules), skip events outside
 * [since, until], and either send matches to the matches queue (pipeline mode; the processor
 * dedupes, so re-runs are safe) or only count them (report mode).
 *
 * An object fails in one of two ways. Damaged content (corrupt gzip, invalid JSON) is counted and
 * listed; reading it again gives the same. An object that could not be read (an S3, KMS or network
 * error) is unreadable: its prefix is returned to be hunted again. Neither fails the batch. A
 * prefix counts only once read whole (tally.ts); when the time budget runs low the remaining
 * prefixes are returned as `unfinished`.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import type { Match } from '../alerts/alert';
import { parseTrailKey } from '../cloudtrail/keys';
import { compileRuleRef } from '../org/rule-ref';
import { Analyzer, type AnalyzerOptions, type TimeWindow } from '../pipeline/analyze';
import { analyzeStream } from '../pipeline/analyze-stream';
import type { MatchSink } from '../pipeline/match-queue';
import { listLogKeys } from '../pipeline/s3-objects';
import { applyFilters } from '../sigma/apply-filters';
import { formatDiagnostic, type CompiledRule, type Diagnostic, type FilterRuleModel } from '../sigma/model';
import type { HuntItem } from './input';
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

/** Stop starting new objects when less than this much time is left. */
export const TIME_RESERVE_MS = 60_000;
const FLUSH_EVERY = 50;

export interface HuntWorkerDeps {
  s3: S3Client;
  trailBucket: string;
  open: (bucket: string, key: string) => Promise<Readable>;
  /** Every shipped rule; the batch's `rules` narrow it. */
  rules: CompiledRule[];
  /**
   * Sigma filter documents shipped with the rules. Report mode applies them (its counts are what
   * would alert); pipeline mode leaves them to the processor, which applies them with exceptions.
   */
  filters?: FilterRuleModel[];
  analyzerOptions: Omit<AnalyzerOptions, 'rules'>;
  /** Needed in pipeline mode. */
  sink?: MatchSink;
  rulesRoot?: string;
  remainingMs: () => number;
}

/** The matches queue refused a send: the batch fails so Step Functions retries it. */
export class MatchSinkError extends Error {
  constructor(cause: unknown) {
    super(`sending matches failed: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'MatchSinkError';
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

  for (const [i, item] of items.entries()) {
    if (deps.remainingMs() < TIME_RESERVE_MS) {
      result.unfinished.push(...items.slice(i).map((it) => it.prefix));
      break;
    }
    if (item.mode === 'pipeline' && !deps.sink)
      throw new Error('hunt worker: pipeline mode needs the matches queue');
    const outcome = await huntPrefix(item, analyzerFor(item.rules, item.mode), deps, result);
    if (outcome === 'out of time') {
      result.unfinished.push(...items.slice(i).map((it) => it.prefix));
      break;
    }
    if (outcome === 'unreadable') result.unreadablePrefixes.push(item.prefix);
    else {
      addTally(result, outcome);
      result.prefixes++;
    }
  }
  return result;
}

/** The prefix's tally when every object was read; else why it is to be hunted again. */
async function huntPrefix(
  item: HuntItem,
  analyzer: Analyzer,
  deps: HuntWorkerDeps,
  result: HuntBatchResult,
): Promise<PrefixTally | 'out of time' | 'unreadable'> {
  const tally = emptyTally();
  const keys = keyWindow(item.since, item.until);
  const events = eventWindow(item.since, item.until);
  let unreadable = false;
  const noteUnreadable = (key: string, problem: string) => {
    unreadable = true;
    result.unreadableObjects++;
    if (result.unreadable.length < MAX_LISTED_OBJECTS) result.unreadable.push({ key, problems: [problem] });
  };
  const listing = listLogKeys(
    deps.s3,
    { bucket: deps.trailBucket, prefix: item.prefix },
    () => void tally.skippedObjects++,
    listStartAfter(item.prefix, keys),
  );
  try {
    for await (const key of listing) {
      if (!mayHoldWindow(key, keys)) {
        tally.outsideWindowObjects++;
        continue;
      }
      if (deps.remainingMs() < TIME_RESERVE_MS) return 'out of time';
      tally.objects++;
      const read = await huntObject(key, item, events, analyzer, deps, tally);
      if (read.unreadable !== undefined) noteUnreadable(key, read.unreadable);
      else if (read.damage.length > 0) {
        tally.damagedObjects++;
        if (tally.damaged.length < MAX_LISTED_OBJECTS) tally.damaged.push({ key, problems: read.damage });
      }
    }
  } catch (err) {
    // huntObject lets only the queue's refusal through; anything else here is the listing's.
    if (err instanceof MatchSinkError) throw err;
    noteUnreadable(item.prefix, `listing failed: ${readFailure(err)}`);
  }
  return unreadable ? 'unreadable' : tally;
}

/** Reads one object into the tally; says why it could not be read, or what is damaged in it. */
async function huntObject(
  key: string,
  item: HuntItem,
  events: TimeWindow,
  analyzer: Analyzer,
  deps: HuntWorkerDeps,
  tally: PrefixTally,
): Promise<{ unreadable?: string; damage: string[] }> {
  const name = `s3://${deps.trailBucket}/${key}`;
  let stream: Readable;
  try {
    stream = await deps.open(deps.trailBucket, key);
  } catch (err) {
    return { unreadable: readFailure(err), damage: [] };
  }
  // The body's own errors (a connection reset, a timeout) are failures to read, not damage.
  let readError: unknown;
  stream.on('error', (err) => (readError ??= err));
  const problems: Diagnostic[] = [];
  let pending: Match[] = [];
  try {
    const batches = analyzeStream(stream, name, analyzer, (p) => problems.push(p), {
      keyAccountId: parseTrailKey(key)?.accountId,
      window: events,
    });
    for await (const batch of batches) {
      tally.records += batch.records;
      tally.outOfRange += batch.outOfRange;
      for (const m of batch.matches) countMatch(m, tally);
      if (item.mode === 'pipeline' && batch.matches.length > 0) {
        for (const m of batch.matches) pending.push(m);
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
  if (readError !== undefined) return { unreadable: readFailure(readError), damage: [] };
  const damage = problems
    .filter((p) => p.severity === 'error')
    .slice(0, 3)
    .map((p) => formatDiagnostic(p).slice(0, 300));
  return { damage };
}

/** An S3, KMS or network error in one line: its name (or code), then its message. */
function readFailure(err: unknown): string {
  const e = (err ?? {}) as { name?: unknown; code?: unknown; message?: unknown };
  const name =
    typeof e.name === 'string' && e.name !== 'Error' ? e.name : typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : String(err);
  return `${name !== '' ? `${name}: ` : ''}${message}`.slice(0, 300);
}
