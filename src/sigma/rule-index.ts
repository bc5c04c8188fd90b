/**
 * Dispatches records to the rules that could match them. Rules that require exact eventName
 * (or, failing that, eventSource) values sit in maps keyed by the lower-cased value; rules with
 * wildcard requirements are checked by pattern; rules with no requirement always run.
 */
import { buildFieldPlan, type FieldPlan, type CloudTrailRecord } from '../core';
import type { CompiledRule } from './model';
import { compilePattern, parseSigmaString } from './sigma-string';

/** Slots of RuleIndex.recent (a power of two). */
const RECENT_SLOTS = 256;

interface RecentPair {
  name: string | undefined;
  source: string | undefined;
  candidates: Candidates;
}

/** A slot for a pair: cheap to compute, and different for most pairs of a trail. */
function recentSlot(name: string | undefined, source: string | undefined): number {
  const n =
    name === undefined
      ? 0
      : name.length * 31 + (name.charCodeAt(0) | 0) * 7 + (name.charCodeAt(name.length - 1) | 0);
  const s = source === undefined ? 0 : source.length * 17 + (source.charCodeAt(0) | 0);
  return (n * 13 + s) & (RECENT_SLOTS - 1);
}

/** A string of its own with the same text: V8 keeps a slice of 13 or more characters as a view of the whole. */
function copyOf(text: string | undefined): string | undefined {
  return text === undefined ? undefined : (' ' + text).slice(1);
}

/** Distinct (eventName, eventSource) pairs whose candidate lists are kept. */
const MAX_CACHED_PAIRS = 4096;
/** Longer eventName / eventSource values (hostile) are dispatched without caching. */
const MAX_CACHED_KEY = 256;

/** The rules a record with some eventName / eventSource could match, and what they read. */
export interface Candidates {
  readonly rules: readonly CompiledRule[];
  /** The union of the rules' field plans (computed on first use). */
  readonly plan: FieldPlan;
}

function candidatesOf(rules: readonly CompiledRule[]): Candidates {
  let plan: FieldPlan | undefined;
  return {
    rules,
    get plan() {
      return (plan ??= buildFieldPlan(rules.map((r) => r.reads)));
    },
  };
}

interface Entry {
  rule: CompiledRule;
  order: number;
}

interface PatternEntry extends Entry {
  field: 'eventName' | 'eventSource';
  exact: Set<string>;
  patterns: Array<(text: string) => boolean>;
}

export class RuleIndex {
  private readonly byName = new Map<string, Entry[]>();
  private readonly bySource = new Map<string, Entry[]>();
  private readonly byPattern: PatternEntry[] = [];
  private readonly always: Entry[] = [];
  private readonly entries: Entry[];
  /** eventName -> eventSource -> candidate rules in load order (raw values; undefined = absent). */
  private readonly cache = new Map<string | undefined, Map<string | undefined, Candidates>>();
  private cached = 0;
  /**
   * The last pairs looked up, by a slot from their lengths and end characters: a hit costs two
   * string comparisons instead of hashing both strings (each record's are new) for the two maps.
   */
  private readonly recent: Array<RecentPair | undefined> = Array.from(
    { length: RECENT_SLOTS },
    () => undefined,
  );
  /** For records whose dispatch fields are not strings: every rule. */
  private readonly all: Candidates;

  constructor(readonly rules: readonly CompiledRule[]) {
    this.entries = rules.map((rule, order) => ({ rule, order }));
    for (const entry of this.entries) this.place(entry);
    this.all = candidatesOf(rules);
  }

  private place(entry: Entry): void {
    const d = entry.rule.dispatch;
    const add = (map: Map<string, Entry[]>, keys: string[]) => {
      for (const key of new Set(keys)) {
        const list = map.get(key);
        if (list) list.push(entry);
        else map.set(key, [entry]);
      }
    };
    if (d.eventName && !d.eventNamePatterns?.length) return add(this.byName, d.eventName);
    if (d.eventSource && !d.eventSourcePatterns?.length) return add(this.bySource, d.eventSource);
    if (d.eventName)
      return void this.byPattern.push(
        patternEntry(entry, 'eventName', d.eventName, d.eventNamePatterns ?? []),
      );
    if (d.eventSource)
      return void this.byPattern.push(
        patternEntry(entry, 'eventSource', d.eventSource, d.eventSourcePatterns ?? []),
      );
    this.always.push(entry);
  }

  /** Rules that could match the record (dispatch only; no detection logic is run). */
  candidates(record: CloudTrailRecord): CompiledRule[] {
    return [...this.lookup(record.eventName, record.eventSource).rules];
  }

  /**
   * The candidate list for the record's eventName / eventSource, computed once per distinct pair
   * and cached (bounded; cleared when full, so hostile variety only costs recomputation).
   */
  lookup(name: unknown, source: unknown): Candidates {
    // A record whose dispatch fields are not plain strings (hostile or odd input) gets every rule.
    if (
      (name !== undefined && typeof name !== 'string') ||
      (source !== undefined && typeof source !== 'string')
    )
      return this.all;
    if ((name?.length ?? 0) > MAX_CACHED_KEY || (source?.length ?? 0) > MAX_CACHED_KEY)
      return candidatesOf(this.compute(name, source));
    const slot = recentSlot(name, source);
    const recent = this.recent[slot];
    if (recent !== undefined && recent.name === name && recent.source === source) return recent.candidates;
    // Kept as copies: a record's value is a slice of the decoded text, which it would keep alive.
    const own = { name: copyOf(name), source: copyOf(source) };
    const candidates = this.cachedLookup(own.name, own.source);
    this.recent[slot] = { ...own, candidates };
    return candidates;
  }

  private cachedLookup(name: string | undefined, source: string | undefined): Candidates {
    let bySource = this.cache.get(name);
    let list = bySource?.get(source);
    if (list) return list;
    if (this.cached >= MAX_CACHED_PAIRS) {
      this.cache.clear();
      this.cached = 0;
      bySource = undefined;
    }
    if (!bySource) {
      bySource = new Map();
      this.cache.set(name, bySource);
    }
    list = candidatesOf(this.compute(name, source));
    bySource.set(source, list);
    this.cached++;
    return list;
  }

  private compute(name: string | undefined, source: string | undefined): CompiledRule[] {
    const lowerName = typeof name === 'string' ? name.toLowerCase() : undefined;
    const lowerSource = typeof source === 'string' ? source.toLowerCase() : undefined;
    const picked: Entry[] = [];
    if (lowerName !== undefined) picked.push(...(this.byName.get(lowerName) ?? []));
    if (lowerSource !== undefined) picked.push(...(this.bySource.get(lowerSource) ?? []));
    for (const p of this.byPattern) {
      const value = p.field === 'eventName' ? lowerName : lowerSource;
      if (value !== undefined && (p.exact.has(value) || p.patterns.some((m) => m(value)))) picked.push(p);
    }
    picked.push(...this.always);
    if (picked.length > 1) picked.sort((a, b) => a.order - b.order);
    return picked.map((e) => e.rule);
  }

  /** The rules that match the record, in load order. */
  match(record: CloudTrailRecord): CompiledRule[] {
    const out: CompiledRule[] = [];
    for (const rule of this.lookup(record.eventName, record.eventSource).rules) {
      if (rule.match(record)) out.push(rule);
    }
    return out;
  }

  /** An index over the rules whose id is in the set (callers cache it per rule set). */
  subset(ruleIds: ReadonlySet<string>): RuleIndex {
    return new RuleIndex(this.rules.filter((r) => ruleIds.has(r.meta.id)));
  }

  /** How many rules sit in each dispatch bucket (for diagnostics and tests). */
  stats(): { byName: number; bySource: number; byPattern: number; always: number } {
    const count = (m: Map<string, Entry[]>) => new Set([...m.values()].flat().map((e) => e.order)).size;
    return {
      byName: count(this.byName),
      bySource: count(this.bySource),
      byPattern: this.byPattern.length,
      always: this.always.length,
    };
  }
}

function patternEntry(
  entry: Entry,
  field: 'eventName' | 'eventSource',
  exact: string[],
  patterns: string[],
): PatternEntry {
  return {
    ...entry,
    field,
    exact: new Set(exact),
    patterns: patterns.map((p) => compilePattern(parseSigmaString(p), true)),
  };
}
