/**
 * The hunt worker's core: for each day prefix of a batch, list its log objects, stream each
 * through the same Analyzer as the live pipeline (restricted to the hunt's rules), skip events
 * outside [since, until], and either send matches to the matches queue (pipeline mode; the
 * processor dedupes, so re-runs are safe) or only count them (report mode). Damaged or unreadable
 * objects are counted and listed, never fail the batch. When the time budget runs low the
 * remaining prefixes are returned as `unfinished` so the operator can hunt them again.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import type { Match } from '../alerts/alert';
import { parseTrailKey } from '../cloudtrail/keys';
import { compileRuleRef } from '../org/rule-ref';
import { Analyzer, type AnalyzerOptions } from '../pipeline/analyze';
import { analyzeStream } from '../pipeline/analyze-stream';
import type { MatchSink } from '../pipeline/match-queue';
import { listLogKeys } from '../pipeline/s3-objects';
import { applyFilters } from '../sigma/apply-filters';
import { formatDiagnostic, type CompiledRule, type Diagnostic, type FilterRuleModel } from '../sigma/model';
import type { HuntItem } from './input';

/**
 * At most this many matches and damaged objects are listed per batch (counts are always exact), so
 * a batch result stays well under the 256 KB Step Functions payload limit.
 */
export const MAX_LISTED_MATCHES = 100;
export const MAX_LISTED_DAMAGED = 50;
/** Stop starting new objects when less than this much time is left. */
export const TIME_RESERVE_MS = 60_000;
const FLUSH_EVERY = 50;
const MAX_TEXT = 200;

export interface HuntMatchSummary {
  ruleId: string;
  title: string;
  eventID: string;
  eventTime: string;
  accountId: string;
  source: string;
}

export interface HuntBatchResult {
  huntId: string;
  prefixes: number;
  objects: number;
  records: number;
  outOfRange: number;
  matches: number;
  /** Matches per rule id. */
  byRule: Record<string, { title: string; count: number }>;
  /** The first matches (report mode lists them; pipeline mode sent them to the queue). */
  listed: HuntMatchSummary[];
  damagedObjects: number;
  damaged: { key: string; problems: string[] }[];
  /** Keys under the prefixes that are not log objects (digests, Insights, other files): not read. */
  skippedObjects: number;
  /** Prefixes not (fully) read because the time budget ran out. */
  unfinished: string[];
  /** Rule references that matched no shipped rule. */
  unknownRules: string[];
}

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

/** Text from an attacker-controlled record field, bounded and never an object. */
function field(value: unknown): string {
  return typeof value === 'string' ? value.slice(0, MAX_TEXT) : '';
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
  const result: HuntBatchResult = {
    huntId: items[0]?.huntId ?? 'unknown',
    prefixes: 0,
    objects: 0,
    records: 0,
    outOfRange: 0,
    matches: 0,
    byRule: {},
    listed: [],
    damagedObjects: 0,
    damaged: [],
    skippedObjects: 0,
    unfinished: [],
    unknownRules: [],
  };
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
    const finished = await huntPrefix(item, analyzerFor(item.rules, item.mode), deps, result);
    if (finished) result.prefixes++;
    else {
      result.unfinished.push(...items.slice(i).map((it) => it.prefix));
      break;
    }
  }
  return result;
}

/** Returns false when the time budget ran out before the prefix was done. */
async function huntPrefix(
  item: HuntItem,
  analyzer: Analyzer,
  deps: HuntWorkerDeps,
  result: HuntBatchResult,
): Promise<boolean> {
  const location = { bucket: deps.trailBucket, prefix: item.prefix };
  for await (const key of listLogKeys(deps.s3, location, () => void result.skippedObjects++)) {
    if (deps.remainingMs() < TIME_RESERVE_MS) return false;
    result.objects++;
    const problems: Diagnostic[] = [];
    try {
      await huntObject(key, item, analyzer, deps, result, problems);
    } catch (err) {
      // A queue that refuses matches fails the batch (the map retries it); a bad object does not.
      if (err instanceof MatchSinkError) throw err;
      problems.push({
        severity: 'error',
        file: `s3://${deps.trailBucket}/${key}`,
        message: err instanceof Error ? err.message : String(err),
      });
    }
    const errors = problems.filter((p) => p.severity === 'error');
    if (errors.length > 0) {
      result.damagedObjects++;
      if (result.damaged.length < MAX_LISTED_DAMAGED)
        result.damaged.push({
          key,
          problems: errors.slice(0, 3).map((p) => formatDiagnostic(p).slice(0, 300)),
        });
    }
  }
  return true;
}

async function huntObject(
  key: string,
  item: HuntItem,
  analyzer: Analyzer,
  deps: HuntWorkerDeps,
  result: HuntBatchResult,
  problems: Diagnostic[],
): Promise<void> {
  const name = `s3://${deps.trailBucket}/${key}`;
  const keyAccount = parseTrailKey(key)?.accountId;
  const stream = await deps.open(deps.trailBucket, key);
  let pending: Match[] = [];
  try {
    // ISO-8601 UTC strings compare in time order; events without a time string are out of range.
    const batches = analyzeStream(stream, name, analyzer, (p) => problems.push(p), {
      keyAccountId: keyAccount,
      window: { since: item.since, until: item.until },
    });
    for await (const batch of batches) {
      result.records += batch.records;
      result.outOfRange += batch.outOfRange;
      for (const m of batch.matches) countMatch(m, result);
      if (item.mode === 'pipeline' && batch.matches.length > 0) {
        for (const m of batch.matches) pending.push(m);
        if (pending.length >= FLUSH_EVERY) {
          await sendTo(deps.sink!, pending);
          pending = [];
        }
      }
    }
  } finally {
    if (pending.length > 0) await sendTo(deps.sink!, pending);
  }
}

/** The match's record, or undefined when its text is not valid JSON (the analyzer does not parse it whole). */
function recordOf(m: Match): Match['record'] | undefined {
  try {
    return m.record;
  } catch {
    return undefined;
  }
}

function countMatch(m: Match, result: HuntBatchResult): void {
  result.matches++;
  const entry = (result.byRule[m.rule.id] ??= { title: m.rule.title, count: 0 });
  entry.count++;
  if (result.listed.length < MAX_LISTED_MATCHES) {
    result.listed.push({
      ruleId: m.rule.id,
      title: m.rule.title,
      eventID: field(recordOf(m)?.eventID),
      eventTime: field(recordOf(m)?.eventTime),
      accountId: m.accountId,
      source: `${m.source.file}#${m.source.index}`.slice(0, 400),
    });
  }
}
