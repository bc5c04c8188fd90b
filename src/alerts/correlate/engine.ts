/**
 * The correlation engine: Sigma correlations (event_count, value_count, temporal,
 * temporal_ordered, value_sum, value_avg, value_percentile) evaluated one match at a time.
 *
 * Windows use EVENT time and are sliding and inclusive: the window of an event at time t is
 * [t - timespan, t]. A late or out-of-order event counts in every window that contains it: its
 * arrival re-evaluates the windows ending at it and at each later event up to t + timespan.
 * State is kept for timespan + a lateness allowance (default 30 minutes).
 *
 * Firing rule: a group fires when its condition becomes true for a window, at most once per
 * window start, and never again for a window that overlaps one that already fired for the
 * group. So further events of the same burst raise nothing; a new alert needs a window that
 * starts after the fired one ended (the fired window has fully passed).
 *
 * The same event (same eventID for the same referenced rule) observed twice counts once.
 * Conditions are tested when events arrive, so `lt`/`lte`/`eq` hold as soon as the aggregate
 * first satisfies them (the engine has no timers to notice that events did NOT come).
 *
 * Redelivery: an event observed again counts once, and raises nothing new. With `reclaim` (the
 * processor resuming a run that died or failed) it raises again the hits whose windows it claimed
 * itself, with the same ids, so a hit whose alert was not delivered is never lost; the processor's
 * lease on the hit id keeps a delivered one from going out twice.
 *
 * Chaining: when a correlation hits, every correlation referring to it (by name or id) observes
 * the hit as an event at the hit's time, reading group-by fields from the hit's group values.
 *
 * value_count and value_sum hits also name the distinct values of the condition's field in the
 * window that fired (`values`, first seen first, at most 50). They come from the observations
 * the store already keeps (each holds its `value`), so the in-memory and the DynamoDB state give
 * the same list and nothing more is stored.
 */
import { hash as digestOf } from 'node:crypto';
import { actorOf } from '../../cloudtrail';
import { clipSummary, type CorrelationObservation, type CorrelationStore, type FiredWindow } from '../state';
import { type CloudTrailRecord, type Diagnostic, type EventSummary } from '../../core';
import { CORRELATION_TYPES, type CorrelationRuleModel, type RuleMeta } from '../../sigma';
import {
  aggregate,
  conditionHolds,
  countedValues,
  effectiveCondition,
  MAX_VALUES_PER_HIT,
} from './aggregate';
import { readPath, valueText } from './field-path';

export interface CorrelationHit {
  correlation: CorrelationRuleModel;
  /** Stable: hash of correlation id, group values and window start. */
  id: string;
  /** group-by field (or alias) name -> value ('' when the event had none). */
  groupBy: Record<string, string>;
  /** The aggregate that met the condition. */
  value: number;
  /** Event time (ISO) of the end of the window that fired. */
  time: string;
  /** The events of the window (the most recent ones, at most `maxEventsPerHit`), oldest first. */
  events: EventSummary[];
  /**
   * value_count and value_sum only: the distinct values of the condition's field that were
   * counted (or added) in the window that fired, in first-seen order, at most `maxValuesPerHit`
   * (default MAX_VALUES_PER_HIT = 50). For value_count, `value` is the full number of distinct
   * values, so `value - values.length` were left out. Absent for the other types.
   */
  values?: string[];
}

export interface CorrelationEngineOptions {
  /** How late an event may arrive (relative to the newest of its group) and still count. Default 30 min. */
  latenessMs?: number;
  /**
   * Observations stored per window at most (raised to the condition's threshold + 1 when that
   * is higher). An event whose window [t - timespan, t] is already full is counted in
   * `counters.saturated` and not stored: aggregates saturate at this bound. Default 1000.
   * A value_count window that is full still stores an event whose value it does not hold yet,
   * up to twice the bound, so a busy group (an instance making thousands of calls) cannot hide
   * a new value behind repeats of the old ones.
   */
  maxObservationsPerWindow?: number;
  /** Events listed in a hit at most. Default 20. */
  maxEventsPerHit?: number;
  /** Distinct values listed in a value_count or value_sum hit at most. Default 50 (MAX_VALUES_PER_HIT). */
  maxValuesPerHit?: number;
  /** Wall clock, for store TTLs only (never for windows). */
  now?: () => Date;
}

export interface ObserveInput {
  rule: RuleMeta;
  record: CloudTrailRecord;
  accountId: string;
}

export interface ObserveOptions {
  /** Raise again the hits this event claimed before (a resumed delivery; see the file comment). */
  reclaim?: boolean;
}

/** Counters of events the engine could not use, so nothing is dropped silently. */
export interface CorrelationEngineCounters {
  observed: number;
  duplicates: number;
  invalidTime: number;
  /** Observations not stored because their window already held the maximum. */
  saturated: number;
  hits: number;
}

/** What a referenced rule or correlation contributed: the source of one observation. */
interface Contribution {
  timeMs: number;
  /** Identifies the event (eventID) or the chained hit (hit id). */
  eventKey: string;
  /** Names under which aliases may refer to the contributing rule. */
  names: string[];
  read(field: string): unknown;
  events: EventSummary[];
}

interface Reference {
  correlation: CorrelationRuleModel;
  ruleIndex: number;
}

const DEFAULT_LATENESS_MS = 30 * 60 * 1000;
const MAX_CHAIN_DEPTH = 10;
const MAX_REMEMBERED_HITS = 1000;

export class CorrelationEngine {
  readonly counters: CorrelationEngineCounters = {
    observed: 0,
    duplicates: 0,
    invalidTime: 0,
    saturated: 0,
    hits: 0,
  };
  /** Correlations the engine could not use (each skipped; the others still run). */
  readonly diagnostics: Diagnostic[] = [];
  private readonly byRef = new Map<string, Reference[]>();
  /** hit id -> where its window was claimed, for `release`. */
  private readonly claimed = new Map<string, { group: string; window: FiredWindow }>();
  private readonly latenessMs: number;
  private readonly maxObservations: number;
  private readonly maxEvents: number;
  private readonly maxValues: number;
  private readonly now: () => Date;

  constructor(
    private readonly correlations: CorrelationRuleModel[],
    private readonly store: CorrelationStore,
    options: CorrelationEngineOptions = {},
  ) {
    this.latenessMs = options.latenessMs ?? DEFAULT_LATENESS_MS;
    this.maxObservations = options.maxObservationsPerWindow ?? 1000;
    this.maxEvents = options.maxEventsPerHit ?? 20;
    this.maxValues = options.maxValuesPerHit ?? MAX_VALUES_PER_HIT;
    this.now = options.now ?? (() => new Date());
    for (const correlation of correlations) {
      const problem = modelProblem(correlation);
      if (problem) {
        const { file, line, id, title } = correlation.meta;
        this.diagnostics.push({
          severity: 'error',
          file,
          line,
          ruleId: id,
          ruleTitle: title,
          path: 'correlation',
          message: `${problem}; correlation skipped`,
        });
        continue;
      }
      correlation.rules.forEach((ref, ruleIndex) => {
        const list = this.byRef.get(ref) ?? [];
        if (!list.some((r) => r.correlation === correlation)) list.push({ correlation, ruleIndex });
        this.byRef.set(ref, list);
      });
    }
  }

  /** The correlations that refer to a rule or correlation by its id or name (each once). */
  private referencesTo(meta: RuleMeta): Reference[] {
    const keys = [meta.id, meta.name].filter((k): k is string => typeof k === 'string' && k !== '');
    const found: Reference[] = [];
    for (const key of keys) {
      for (const ref of this.byRef.get(key) ?? []) {
        if (!found.some((f) => f.correlation === ref.correlation)) found.push(ref);
      }
    }
    return found;
  }

  /** False when correlations refer to the rule and every one of them has `generate: false`. */
  generates(rule: RuleMeta): boolean {
    const refs = this.referencesTo(rule);
    return refs.length === 0 || refs.some((r) => r.correlation.generate);
  }

  /** Feeds one match to every correlation that refers to its rule; returns the hits to alert on. */
  async observe(input: ObserveInput, options: ObserveOptions = {}): Promise<CorrelationHit[]> {
    const refs = this.referencesTo(input.rule);
    if (refs.length === 0) return [];
    const timeMs = eventTimeMs(input.record.eventTime);
    if (timeMs === undefined) {
      this.counters.invalidTime++;
      return [];
    }
    const record = input.record;
    const eventId = valueText(record.eventID) ?? fingerprint(record);
    const contribution: Contribution = {
      timeMs,
      eventKey: `event:${eventId}`,
      names: [input.rule.name, input.rule.id].filter((n): n is string => !!n),
      read: (field) => readPath(record, field),
      events: [summarize(record, input.rule, input.accountId)],
    };
    const hits: CorrelationHit[] = [];
    const reclaim = options.reclaim === true;
    for (const ref of refs) {
      hits.push(...(await this.feed(ref, contribution, [], reclaim)));
    }
    return hits.filter((h) => this.generates(h.correlation.meta));
  }

  /** Adds a contribution to one correlation, evaluates the windows it can change, and chains hits. */
  private async feed(
    ref: Reference,
    source: Contribution,
    chain: string[],
    reclaim: boolean,
  ): Promise<CorrelationHit[]> {
    const c = ref.correlation;
    if (chain.includes(c.meta.id) || chain.length >= MAX_CHAIN_DEPTH) return [];
    this.counters.observed++;
    const span = c.timespanMs;
    const retentionMs = span + this.latenessMs;
    const ttl = Math.floor(this.now().getTime() / 1000) + Math.ceil(retentionMs / 1000) + 3600;

    const groupBy: Record<string, string> = {};
    for (const name of c.groupBy)
      groupBy[name] = valueText(source.read(fieldFor(c, name, ref.ruleIndex, source.names))) ?? '';
    const group = hash(`${c.meta.id}\n${JSON.stringify(c.groupBy.map((g) => groupBy[g]))}`, 40);
    const valueField = c.condition?.field;
    const observation: CorrelationObservation = {
      key: hash(`${ref.ruleIndex}\n${source.eventKey}`, 32),
      ruleIndex: ref.ruleIndex,
      timeMs: source.timeMs,
      value: valueField
        ? valueText(source.read(fieldFor(c, valueField, ref.ruleIndex, source.names)))
        : undefined,
      events: source.events.slice(-this.maxEvents).map(clipSummary),
    };
    const t = source.timeMs;
    // Bound on stored items per window: a window already holding the maximum stores no more,
    // except, for value_count, a value the window does not hold yet (up to twice the bound).
    const cap = Math.max(this.maxObservations, conditionFloor(c) + 1);
    const windowLimit = c.type === 'value_count' ? 2 * cap : cap;
    if ((await this.store.listObservations(group, t - span, t, cap)).length >= cap) {
      const held =
        c.type === 'value_count' && observation.value !== undefined
          ? await this.store.listObservations(group, t - span, t, windowLimit)
          : undefined;
      if (!held || held.length >= windowLimit || held.some((o) => o.value === observation.value)) {
        this.counters.saturated++;
        return [];
      }
    }
    // A duplicate is not stored again but still evaluated: if its window was released after a
    // failed delivery, the retry raises the hit again; otherwise the claimed window stops it.
    if (!(await this.store.addObservation(group, observation, retentionMs, ttl))) this.counters.duplicates++;

    const nearby = await this.store.listObservations(group, t - span, t + span, 2 * windowLimit);
    const anchors = [...new Set(nearby.map((o) => o.timeMs).filter((ms) => ms >= t && ms <= t + span))].sort(
      (a, b) => a - b,
    );
    if (!anchors.includes(t)) anchors.unshift(t);
    const condition = effectiveCondition(c);
    for (const end of anchors) {
      const start = end - span;
      const inWindow = nearby.filter((o) => o.timeMs >= start && o.timeMs <= end);
      const value = aggregate(c, inWindow);
      if (!conditionHolds(condition, value)) continue;
      const window = { startMs: start, endMs: end, by: observation.key };
      if (!(await this.store.claimWindow(group, window, retentionMs, ttl, reclaim))) continue;
      this.counters.hits++;
      const id = hash(`correlation\n${c.meta.id}\n${group}\n${new Date(start).toISOString()}`, 32);
      this.remember(id, group, start, end);
      const hit: CorrelationHit = {
        correlation: c,
        id,
        groupBy,
        value,
        time: new Date(end).toISOString(),
        events: inWindow.flatMap((o) => o.events).slice(-this.maxEvents),
      };
      const values = countedValues(c, inWindow, this.maxValues);
      if (values) hit.values = values;
      return [hit, ...(await this.chain(hit, chain.concat(c.meta.id), reclaim))];
    }
    return [];
  }

  /** Feeds a hit to the correlations that refer to its correlation. */
  private async chain(hit: CorrelationHit, chain: string[], reclaim: boolean): Promise<CorrelationHit[]> {
    const refs = this.referencesTo(hit.correlation.meta);
    if (refs.length === 0) return [];
    const lastEvent = hit.events[hit.events.length - 1] as Record<string, unknown> | undefined;
    const contribution: Contribution = {
      timeMs: Date.parse(hit.time),
      eventKey: `hit:${hit.id}`,
      names: [hit.correlation.meta.name, hit.correlation.meta.id].filter((n): n is string => !!n),
      read: (field) =>
        Object.prototype.hasOwnProperty.call(hit.groupBy, field)
          ? hit.groupBy[field]
          : lastEvent
            ? readPath(lastEvent, field)
            : undefined,
      events: hit.events,
    };
    const out: CorrelationHit[] = [];
    for (const ref of refs) out.push(...(await this.feed(ref, contribution, chain, reclaim)));
    return out;
  }

  /**
   * Releases the window of a hit whose alert could not be delivered, so that the retried match
   * raises it again. Only hits raised by this engine instance (the most recent 1000) are known.
   */
  async release(hitId: string): Promise<void> {
    const claimed = this.claimed.get(hitId);
    if (!claimed) return;
    this.claimed.delete(hitId);
    await this.store.releaseWindow(claimed.group, claimed.window);
  }

  private remember(hitId: string, group: string, startMs: number, endMs: number): void {
    this.claimed.set(hitId, { group, window: { startMs, endMs } });
    if (this.claimed.size > MAX_REMEMBERED_HITS)
      this.claimed.delete(this.claimed.keys().next().value as string);
  }

  /** The correlations this engine evaluates. */
  list(): readonly CorrelationRuleModel[] {
    return this.correlations;
  }
}

const TYPES = new Set<string>(CORRELATION_TYPES);

/** Why a model cannot be evaluated, or undefined when it can (the parser normally guarantees this). */
function modelProblem(c: CorrelationRuleModel): string | undefined {
  if (!TYPES.has(c.type)) return `unknown correlation type ${JSON.stringify(c.type)}`;
  if (!Number.isFinite(c.timespanMs) || c.timespanMs <= 0)
    return `timespan must be a positive duration, got ${JSON.stringify(c.timespan)}`;
  if (!Array.isArray(c.rules) || c.rules.length === 0) return 'rules must name at least one rule';
  if (!Array.isArray(c.groupBy)) return 'group-by must be a list';
  const needsField = c.type.startsWith('value_');
  if (needsField && !c.condition?.field) return `${c.type} needs condition.field`;
  return undefined;
}

/** The count an event_count or value_count condition needs (so the storage bound never prevents a hit). */
function conditionFloor(c: CorrelationRuleModel): number {
  if (c.type !== 'event_count' && c.type !== 'value_count') return 0;
  const cond = c.condition ?? {};
  const limits = [cond.gt, cond.gte, cond.eq].filter(
    (n): n is number => typeof n === 'number' && Number.isFinite(n),
  );
  return limits.length > 0 ? Math.min(Math.max(...limits), 1_000_000) : 0;
}

/** The event field behind a group-by name or value field: its alias for this rule, else the name itself. */
function fieldFor(c: CorrelationRuleModel, name: string, ruleIndex: number, names: string[]): string {
  const alias = c.aliases[name];
  if (!alias) return name;
  for (const key of [c.rules[ruleIndex], ...names]) {
    if (key !== undefined && Object.prototype.hasOwnProperty.call(alias, key)) return alias[key];
  }
  return name;
}

/** Epoch ms of a CloudTrail eventTime, or undefined when it is not a usable timestamp. */
export function eventTimeMs(value: unknown): number | undefined {
  if (typeof value !== 'string' || value.length > 64) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

function hash(text: string, length: number): string {
  return digestOf('sha256', text).slice(0, length);
}

let unserializable = 0;

/** Identifies an event without eventID by its content (so a redelivery still dedupes). */
function fingerprint(record: CloudTrailRecord): string {
  try {
    return `sha256:${hash(JSON.stringify(record), 32)}`;
  } catch {
    return `unserializable:${++unserializable}`;
  }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function summarize(record: CloudTrailRecord, rule: RuleMeta, accountId: string): EventSummary {
  let actor: string | undefined;
  try {
    actor = actorOf(record).display;
  } catch {
    actor = undefined;
  }
  return {
    eventID: str(record.eventID),
    eventTime: str(record.eventTime),
    eventName: str(record.eventName),
    eventSource: str(record.eventSource),
    sourceIPAddress: str(record.sourceIPAddress),
    actor,
    accountId,
    ruleTitle: rule.title,
  };
}
