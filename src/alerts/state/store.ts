/**
 * The state port: what dedupe, grouping and the correlation engine need from a store.
 * Two adapters implement it: memory-store.ts (CLI, tests) and dynamodb-store.ts (Lambda).
 * Both treat an item whose expiry has passed as absent, so TTL semantics are identical.
 */
import type { EventSummary } from '../../core';

/** A small record kept under one key, with an optimistic-concurrency version. */
export interface VersionedItem {
  value: Record<string, unknown>;
  /** Starts at 1 on creation and increases by one with every successful write. */
  version: number;
}

/** Generic key/value state used by dedupe and grouping. All writes are conditional. */
export interface StateStore {
  /** Writes the key only when it is absent (or expired); true when this call created it. */
  putIfAbsent(key: string, value: Record<string, unknown>, expiresAtSec: number): Promise<boolean>;
  /** The live item, or undefined when absent or expired. */
  get(key: string): Promise<VersionedItem | undefined>;
  /** The live items among `keys` (absent and expired ones are left out). */
  getMany(keys: readonly string[]): Promise<Map<string, VersionedItem>>;
  /**
   * Writes the key only when its current version is `expectedVersion` (undefined: only when
   * absent or expired). True when written; false when another writer got there first.
   */
  putIfVersion(
    key: string,
    value: Record<string, unknown>,
    expectedVersion: number | undefined,
    expiresAtSec: number,
  ): Promise<boolean>;
  delete(key: string): Promise<void>;
}

/** A state key that has something due at a wall-clock time (an open digest, a send to retry). */
export interface DueItem {
  key: string;
  /** Wall clock, epoch milliseconds. */
  dueAtMs: number;
}

/**
 * The due index: lets the scheduled flush find what is due without scanning the table. Entries
 * are hints: the reader checks the state they name, so a stale or repeated entry is harmless.
 */
export interface DueIndex {
  /** Notes (idempotently) that `item.key` has something due at `item.dueAtMs`. */
  putDue(item: DueItem, expiresAtSec: number): Promise<void>;
  /** Entries due at or before `untilMs`, oldest first, at most `limit`. */
  listDue(untilMs: number, limit: number): Promise<DueItem[]>;
  deleteDue(item: DueItem): Promise<void>;
}

/** Nothing is ever noted due later than this after it was noted (grouping caps its delays). */
export const MAX_DUE_AHEAD_MS = 2 * 24 * 3600_000;

/**
 * One event (or one hit of a chained correlation) as a correlation remembers it: only the
 * fields a correlation needs, never the whole event, so stored items stay small.
 */
export interface CorrelationObservation {
  /** Unique per (referenced rule, event); the same event observed twice is stored once. */
  key: string;
  /** Index of the referenced rule in the correlation's `rules` list. */
  ruleIndex: number;
  /** Event time, epoch milliseconds. */
  timeMs: number;
  /** Text of the condition's `field` in this event, when the correlation has one. */
  value?: string;
  /** Short views of the event(s) behind this observation (several for a chained hit). */
  events: EventSummary[];
}

/** A window `[startMs, endMs]` for which a group already raised a hit. */
export interface FiredWindow {
  startMs: number;
  endMs: number;
  /** The observation that claimed it: only its redelivery may raise the hit again (`reclaim`). */
  by?: string;
}

/** State of the correlation engine: observations per group and the windows that fired. */
export interface CorrelationStore {
  /**
   * Remembers an observation of a group. False when the same observation key at the same time
   * is already stored (a redelivered event). Observations older than the group's newest minus
   * `retentionMs` (the correlation's timespan plus its lateness allowance) are dropped, by event
   * time, and never listed again; `expiresAtSec` is the wall-clock TTL, and an expired item is
   * never listed either, whether or not it was swept yet.
   */
  addObservation(
    group: string,
    observation: CorrelationObservation,
    retentionMs: number,
    expiresAtSec: number,
  ): Promise<boolean>;
  /** Observations of a group with `fromMs <= timeMs <= toMs`, oldest first, at most `limit`. */
  listObservations(
    group: string,
    fromMs: number,
    toMs: number,
    limit: number,
  ): Promise<CorrelationObservation[]>;
  /**
   * Atomically records that `window` fired, unless it overlaps a window that already fired for
   * the group. True when this call claimed it (and so must raise the hit). Windows that ended
   * before `window.startMs - retentionMs` are forgotten. With `reclaim`, the same window already
   * claimed by the same `by` counts as claimed again: the redelivery of the event whose run died
   * raises the hit it raised (the processor's lease on the hit id keeps it from going out twice).
   */
  claimWindow(
    group: string,
    window: FiredWindow,
    retentionMs: number,
    expiresAtSec: number,
    reclaim?: boolean,
  ): Promise<boolean>;
  /** Forgets a claimed window (its alert could not be delivered), so a retry can claim it again. */
  releaseWindow(group: string, window: FiredWindow): Promise<void>;
}

/** True when two inclusive windows share at least one instant. */
export function windowsOverlap(a: FiredWindow, b: FiredWindow): boolean {
  return a.startMs <= b.endMs && b.startMs <= a.endMs;
}

/** Whether a fired window stands in the way of claiming `window` (see `claimWindow`). */
export function blocksClaim(fired: FiredWindow, window: FiredWindow, reclaim: boolean): boolean {
  if (!windowsOverlap(fired, window)) return false;
  const same = fired.startMs === window.startMs && fired.endMs === window.endMs;
  return !(reclaim && same && fired.by !== undefined && fired.by === window.by);
}

/** Longest text kept for one field of an event summary or an observed value. */
export const MAX_STORED_TEXT = 256;

/** Cuts attacker-controlled text to a bounded length before it is stored. */
export function clip(text: string | undefined, max = MAX_STORED_TEXT): string | undefined {
  if (text === undefined) return undefined;
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A summary with every field clipped, so a stored observation has a bounded size. */
export function clipSummary(summary: EventSummary): EventSummary {
  const out: EventSummary = {};
  for (const [k, v] of Object.entries(summary) as [keyof EventSummary, string | undefined][]) {
    if (typeof v === 'string') out[k] = clip(v);
  }
  return out;
}
