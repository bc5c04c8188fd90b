/**
 * In-memory state store for the CLI (`trailalerts scan`) and tests. Same semantics as the
 * DynamoDB adapter: conditional writes, expiry, bounded observations per group. Values are frozen
 * when written and read without copying.
 */
import {
  blocksClaim,
  type CorrelationObservation,
  type CorrelationStore,
  type DueIndex,
  type DueItem,
  type FiredWindow,
  type StateStore,
  type VersionedItem,
} from './store';

interface Entry {
  value: Record<string, unknown>;
  version: number;
  expiresAtSec: number;
}

interface GroupState {
  /** Sorted by time, then key. */
  observations: CorrelationObservation[];
  /** `timeMs key` of each held observation: duplicates are found without a scan. */
  held: Set<string>;
  fired: FiredWindow[];
  retentionMs: number;
  newestMs: number;
}

export interface MemoryStoreOptions {
  /** Wall clock, for expiry. */
  now?: () => Date;
  /** Observations kept per group at most; the oldest are dropped first. */
  maxObservationsPerGroup?: number;
}

export class MemoryStateStore implements StateStore, CorrelationStore, DueIndex {
  private readonly items = new Map<string, Entry>();
  /** Due index entries by `<dueAtMs>#<key>`. */
  private readonly due = new Map<string, DueItem & { expiresAtSec: number }>();
  private readonly groups = new Map<string, GroupState>();
  private readonly now: () => Date;
  private readonly maxObservations: number;
  private writesSinceSweep = 0;

  constructor(options: MemoryStoreOptions = {}) {
    this.now = options.now ?? (() => new Date());
    this.maxObservations = options.maxObservationsPerGroup ?? 5000;
  }

  private nowSec(): number {
    return Math.floor(this.now().getTime() / 1000);
  }

  private live(key: string): Entry | undefined {
    const entry = this.items.get(key);
    if (!entry) return undefined;
    if (entry.expiresAtSec <= this.nowSec()) {
      this.items.delete(key);
      return undefined;
    }
    return entry;
  }

  async putIfAbsent(key: string, value: Record<string, unknown>, expiresAtSec: number): Promise<boolean> {
    if (this.live(key)) return false;
    this.items.set(key, { value: frozenValue(value), version: 1, expiresAtSec });
    this.sweepSometimes();
    return true;
  }

  async get(key: string): Promise<VersionedItem | undefined> {
    const entry = this.live(key);
    return entry ? { value: entry.value, version: entry.version } : undefined;
  }

  async getMany(keys: readonly string[]): Promise<Map<string, VersionedItem>> {
    const out = new Map<string, VersionedItem>();
    for (const key of keys) {
      const entry = this.live(key);
      if (entry) out.set(key, { value: entry.value, version: entry.version });
    }
    return out;
  }

  async putIfVersion(
    key: string,
    value: Record<string, unknown>,
    expectedVersion: number | undefined,
    expiresAtSec: number,
  ): Promise<boolean> {
    const current = this.live(key);
    if ((current?.version ?? undefined) !== expectedVersion) return false;
    this.items.set(key, {
      value: frozenValue(value),
      version: (current?.version ?? 0) + 1,
      expiresAtSec,
    });
    this.sweepSometimes();
    return true;
  }

  async delete(key: string): Promise<void> {
    this.items.delete(key);
  }

  async addObservation(
    group: string,
    observation: CorrelationObservation,
    retentionMs: number,
    _expiresAtSec?: number,
  ): Promise<boolean> {
    let state = this.groups.get(group);
    if (!state) {
      state = { observations: [], held: new Set(), fired: [], retentionMs, newestMs: observation.timeMs };
      this.groups.set(group, state);
    }
    const list = state.observations;
    const id = heldId(observation);
    if (state.held.has(id)) return false;
    state.held.add(id);
    let at = list.length;
    while (at > 0 && compare(list[at - 1], observation) > 0) at--;
    list.splice(at, 0, frozenCopy(observation));
    state.retentionMs = retentionMs;
    state.newestMs = Math.max(state.newestMs, observation.timeMs);
    const oldestKept = state.newestMs - retentionMs;
    let drop = 0;
    while (drop < list.length && list[drop].timeMs < oldestKept) drop++;
    drop = Math.max(drop, list.length - this.maxObservations);
    if (drop > 0) for (const gone of list.splice(0, drop)) state.held.delete(heldId(gone));
    this.sweepSometimes();
    return true;
  }

  async listObservations(
    group: string,
    fromMs: number,
    toMs: number,
    limit: number,
  ): Promise<CorrelationObservation[]> {
    const list = this.groups.get(group)?.observations ?? [];
    // Sorted by time: find the first at or after fromMs by bisection, then read in order. The
    // stored copies are frozen, so they are handed out as they are (readers cannot change them).
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (list[mid].timeMs < fromMs) lo = mid + 1;
      else hi = mid;
    }
    const out: CorrelationObservation[] = [];
    for (let i = lo; i < list.length && out.length < limit && list[i].timeMs <= toMs; i++) out.push(list[i]);
    return out;
  }

  async claimWindow(
    group: string,
    window: FiredWindow,
    retentionMs: number,
    _expiresAtSec?: number,
    reclaim = false,
  ): Promise<boolean> {
    let state = this.groups.get(group);
    if (!state) {
      state = { observations: [], held: new Set(), fired: [], retentionMs, newestMs: window.endMs };
      this.groups.set(group, state);
    }
    state.fired = state.fired.filter((w) => w.endMs >= window.startMs - retentionMs);
    if (state.fired.some((w) => blocksClaim(w, window, reclaim))) return false;
    // A reclaimed window is held already: noted once.
    if (!state.fired.some((w) => w.startMs === window.startMs && w.endMs === window.endMs))
      state.fired.push({ ...window });
    return true;
  }

  async releaseWindow(group: string, window: FiredWindow): Promise<void> {
    const state = this.groups.get(group);
    if (state)
      state.fired = state.fired.filter((w) => w.startMs !== window.startMs || w.endMs !== window.endMs);
  }

  async putDue(item: DueItem, expiresAtSec: number): Promise<void> {
    this.due.set(dueId(item), { key: item.key, dueAtMs: item.dueAtMs, expiresAtSec });
  }

  async listDue(untilMs: number, limit: number): Promise<DueItem[]> {
    const nowSec = this.nowSec();
    return [...this.due.values()]
      .filter((d) => d.dueAtMs <= untilMs && d.expiresAtSec > nowSec)
      .sort((a, b) => a.dueAtMs - b.dueAtMs || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .slice(0, Math.max(0, limit))
      .map(({ key, dueAtMs }) => ({ key, dueAtMs }));
  }

  async deleteDue(item: DueItem): Promise<void> {
    this.due.delete(dueId(item));
  }

  /** Number of groups and items held (for tests and scan statistics). */
  size(): { items: number; groups: number } {
    return { items: this.items.size, groups: this.groups.size };
  }

  /** Every few thousand writes, forget expired items and groups far behind the newest event. */
  private sweepSometimes(): void {
    if (++this.writesSinceSweep < 2000) return;
    this.writesSinceSweep = 0;
    const nowSec = this.nowSec();
    for (const [key, entry] of this.items) if (entry.expiresAtSec <= nowSec) this.items.delete(key);
    let newest = -Infinity;
    for (const g of this.groups.values()) newest = Math.max(newest, g.newestMs);
    for (const [key, g] of this.groups) {
      if (g.newestMs < newest - 2 * g.retentionMs) this.groups.delete(key);
    }
  }
}

function compare(a: CorrelationObservation, b: CorrelationObservation): number {
  return a.timeMs - b.timeMs || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

function dueId(item: DueItem): string {
  return `${item.dueAtMs}#${item.key}`;
}

function heldId(o: CorrelationObservation): string {
  return `${o.timeMs} ${o.key}`;
}

/**
 * Freezes a written value in place, deeply: it is handed to every reader as it is, so a reader
 * (or the writer, later) that tries to change it throws instead of changing the store.
 */
function frozenValue<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const k in value) frozenValue((value as Record<string, unknown>)[k]);
  return value;
}

/** A deep copy that cannot be changed: stored once, then shared by every listing. */
function frozenCopy(o: CorrelationObservation): CorrelationObservation {
  const copy = structuredClone(o);
  for (const e of copy.events) Object.freeze(e);
  Object.freeze(copy.events);
  return Object.freeze(copy);
}
