/**
 * Grouping (what "cooldown" became): keeps alerts few without ever hiding a call on something
 * else. Per (rule, account, actor) and per window of `windowSeconds` of event time, opened by the
 * key's first alert:
 *   - the first alert goes out at once, alone, and opens the window;
 *   - an exact repeat (same target key) within the window is counted, not sent: `repeat`;
 *   - a different target at level high or critical goes out at once, alone;
 *   - a different target below high is folded into the key's digest, which lists every target
 *     with time and event id. The digest goes out with the next alert of the key (`carried`),
 *     or on its own when its window has closed (the scheduled flush; `scan` at its end), or at
 *     once when it holds MAX_DIGEST_ENTRIES targets. Repeats are counted into the next one.
 * An event outside the window (either side) is a first alert again. `windowSeconds` 0 sends
 * everything alone.
 *
 * Race-safe: which alert reports a target first is decided by a write-once item per (key, window,
 * target); the key's small head item is written with a version check and retried on conflict. A
 * digest being sent is leased, so concurrent flushes never both send it, and one whose send
 * failed (or whose sender died) is sent again after its lease. Each alert's decision is
 * remembered (in the head, and on the target item it wrote), so the retry of a failed send is
 * answered the same (it carries the same digest) and is never counted twice.
 */
import { hash as digestOf } from 'node:crypto';
import { levelRank } from '../core';
import type { Alert } from './alert';
import {
  MAX_DIGEST_ENTRIES,
  MAX_INFLIGHT,
  MAX_RECENT,
  digestEntry,
  pushCapped,
  readGroupState,
  readTargetItem,
  targetItemKey,
  targetSuffix,
  type DigestHead,
  type GroupState,
  type Recalled,
  type StoredDigest,
  type TargetItem,
} from './grouping-state';
import { storeAlert } from './stored-alert';
import type { DueIndex, DueItem, StateStore } from './state';

export interface GroupKey {
  ruleId: string;
  accountId: string;
  actorId: string;
}

/** A digest taken out of the state to be sent; `settle` says whether it was delivered. */
export interface ClaimedDigest {
  storeKey: string;
  key: GroupKey;
  digest: StoredDigest;
}

export type GroupDecision =
  /** Send the alert now; `carried`: the key's digest goes with it. */
  | { kind: 'send'; carried?: ClaimedDigest }
  /** Folded into the digest; `full`: the digest filled up and must be sent on its own now. */
  | { kind: 'fold'; full?: ClaimedDigest }
  /** An exact repeat, counted; `until` is the end of the window. */
  | { kind: 'repeat'; until: string };

export interface GroupingOptions {
  now?: () => Date;
  /** Added to the window's end before a digest is due: events arrive minutes after they happen. */
  graceSeconds?: number;
  /** How long a sender holds a digest before another may send it. */
  leaseSeconds?: number;
}

const MAX_ATTEMPTS = 10;
const DEFAULT_GRACE_SECONDS = 600;
const DEFAULT_LEASE_SECONDS = 300;
/** A digest waits at most this long (wall clock), whatever the window. */
const MAX_DUE_DELAY_MS = 24 * 3600_000;
/** State outlives the window by this much so that late events still see it. */
const MIN_RETENTION_SECONDS = 24 * 3600;
/** Pending digests (and their due entries) are kept this long past their due time. */
const PENDING_RETENTION_SECONDS = 7 * 24 * 3600;

const hex = (text: string, length: number): string => digestOf('sha256', text).slice(0, length);

/** How the head remembers an alert: its id is a hex hash already (dedupe.ts), cut short. */
function recentId(alertId: string): string {
  return /^[0-9a-f]{16,}$/.test(alertId) ? alertId.slice(0, 16) : hex(alertId, 16);
}

/** The state key of a (rule, account, actor): its head item. */
export function groupStateKey(key: GroupKey): string {
  return `group#${hex(`${key.ruleId}\n${key.accountId}\n${key.actorId}`, 40)}`;
}

/** A plan for one head change: the next head (undefined: nothing to write) and what to answer. */
interface Plan<T> {
  next?: GroupState;
  answer: T;
  /** Due times to note before the head is written, so a crash never leaves a digest unfound. */
  due: number[];
}

type Answer = { kind: 'send' | 'fold'; claimed?: DigestHead } | { kind: 'repeat'; until: string };

/** An alert as grouping sees it. */
interface Incoming {
  key: GroupKey;
  alert: Alert;
  /** Event time (or now when unreadable). */
  t: number;
  windowMs: number;
  storeKey: string;
  /** Shortened alert id, as the head remembers decisions. */
  rid: string;
  targetHash: string;
}

export class Grouping {
  private readonly now: () => Date;
  private readonly graceMs: number;
  private readonly leaseMs: number;

  constructor(
    private readonly store: StateStore & DueIndex,
    options: GroupingOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.graceMs = (options.graceSeconds ?? DEFAULT_GRACE_SECONDS) * 1000;
    this.leaseMs = (options.leaseSeconds ?? DEFAULT_LEASE_SECONDS) * 1000;
  }

  /** Decides what happens to an alert (its `id`, `time`, `level` and `target` are read). */
  async decide(key: GroupKey, alert: Alert, windowSeconds: number): Promise<GroupDecision> {
    if (!(windowSeconds > 0)) return { kind: 'send' };
    const storeKey = groupStateKey(key);
    const parsed = Date.parse(alert.time);
    const incoming = {
      key,
      storeKey,
      alert,
      windowMs: windowSeconds * 1000,
      rid: recentId(alert.id),
      targetHash: hex(alert.target?.key ?? alert.eventName ?? '', 16),
    };
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const nowMs = this.now().getTime();
      const current = await this.store.get(storeKey);
      const state = current ? readGroupState(current.value) : undefined;
      const a: Incoming = { ...incoming, t: Number.isFinite(parsed) ? parsed : nowMs };
      const plan = await this.planDecision(storeKey, state, a, nowMs);
      if (!plan) continue;
      if (await this.write(storeKey, plan, current?.version, nowMs)) {
        const { answer } = plan;
        if (answer.kind === 'repeat') return answer;
        const claimed = answer.claimed && {
          storeKey,
          key,
          digest: await this.load(storeKey, answer.claimed),
        };
        return answer.kind === 'send' ? { kind: 'send', carried: claimed } : { kind: 'fold', full: claimed };
      }
    }
    throw new Error(
      `grouping for rule ${key.ruleId}: gave up after ${MAX_ATTEMPTS} concurrent-write conflicts`,
    );
  }

  /** After a send: a delivered digest is forgotten; an undelivered one is due again at once. */
  async settle(claimed: ClaimedDigest, delivered: boolean): Promise<void> {
    await this.update(claimed.storeKey, `rule ${claimed.key.ruleId}`, (state, nowMs) => {
      const at = state?.inflight.findIndex((d) => d.id === claimed.digest.id) ?? -1;
      if (!state || at < 0) return { answer: undefined, due: [] };
      const next = state;
      // Due again a millisecond on, so the flush that listed what was due before never forgets it.
      const again = nowMs + 1;
      if (delivered) next.inflight.splice(at, 1);
      else next.inflight[at].lease = { by: next.inflight[at].lease?.by ?? 'flush', untilMs: again };
      return { next, answer: undefined, due: delivered ? [] : [again] };
    });
  }

  /** Due-index entries at or before `untilMs` (wall clock). */
  async due(untilMs: number, limit: number): Promise<DueItem[]> {
    return this.store.listDue(untilMs, limit);
  }

  /**
   * Takes what is due in the state a due entry names: digests whose window has closed and sends
   * that failed or were abandoned. `force` takes every pending digest (the end of a scan).
   */
  async claimDue(item: DueItem, force = false): Promise<ClaimedDigest[]> {
    const taken = await this.update(item.key, item.key, (state, nowMs) =>
      this.planFlush(state, nowMs, force),
    );
    const out: ClaimedDigest[] = [];
    for (const head of taken.claimed)
      out.push({ storeKey: item.key, key: taken.key!, digest: await this.load(item.key, head) });
    return out;
  }

  async forgetDue(item: DueItem): Promise<void> {
    await this.store.deleteDue(item);
  }

  /** A digest with its entries read from its target items (one that expired is left out). */
  private async load(storeKey: string, head: DigestHead): Promise<StoredDigest> {
    const keys = head.targets.map((s) => targetItemKey(storeKey, s));
    const items = keys.length > 0 ? await this.store.getMany(keys) : new Map();
    const entries: StoredDigest['entries'] = [];
    let base: StoredDigest['base'];
    for (const k of keys) {
      const item = items.get(k);
      const target = item ? readTargetItem(item.value) : undefined;
      if (target?.entry) entries.push(target.entry);
      base ??= target?.base;
    }
    const { targets: _targets, ...rest } = head;
    return { ...structuredClone(rest), entries, ...(base ? { base: structuredClone(base) } : {}) };
  }

  /** Notes due times, then writes the head on its version. */
  private async write(
    storeKey: string,
    plan: Plan<unknown>,
    version: number | undefined,
    nowMs: number,
  ): Promise<boolean> {
    if (!plan.next) return true;
    for (const dueAtMs of plan.due)
      await this.store.putDue(
        { key: storeKey, dueAtMs },
        Math.ceil(dueAtMs / 1000) + PENDING_RETENTION_SECONDS + 24 * 3600,
      );
    // A malformed item counts as absent, and is overwritten only on its exact version.
    return this.store.putIfVersion(storeKey, { ...plan.next }, version, this.expiresAtSec(plan.next, nowMs));
  }

  /** Read, plan, write with a version check; again on conflict. */
  private async update<T>(
    storeKey: string,
    what: string,
    plan: (state: GroupState | undefined, nowMs: number) => Plan<T>,
  ): Promise<T> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const nowMs = this.now().getTime();
      const current = await this.store.get(storeKey);
      const state = current ? readGroupState(current.value) : undefined;
      const planned = plan(state, nowMs);
      if (await this.write(storeKey, planned, current?.version, nowMs)) return planned.answer;
    }
    throw new Error(`grouping for ${what}: gave up after ${MAX_ATTEMPTS} concurrent-write conflicts`);
  }

  /**
   * Decides an alert against the head read: a retry is answered from the head's memory; otherwise
   * the target item of its window is written if absent, and whoever wrote it first reported the
   * target. Undefined when the target item vanished between two reads (plan again).
   */
  private async planDecision(
    storeKey: string,
    state: GroupState | undefined,
    a: Incoming,
    nowMs: number,
  ): Promise<Plan<Answer> | undefined> {
    // readGroupState builds a fresh head on every read: it is changed in place.
    const s: GroupState = state ?? {
      ...a.key,
      startMs: a.t,
      windowMs: a.windowMs,
      recent: [],
      repeats: 0,
      inflight: [],
    };
    const due: number[] = [];
    const recalled = s.recent.find((r) => r.id === a.rid)?.d;
    if (recalled) return this.planRecall(s, a, recalled, nowMs, due);

    const inWindow = !!state && Math.abs(a.t - s.startMs) < s.windowMs && s.windowMs === a.windowMs;
    // Outside the window: a first alert. A late one goes out without moving the window back.
    const opens = !state || (!inWindow && (a.t > s.startMs || s.windowMs !== a.windowMs));
    const suffix = targetSuffix(opens ? a.t : s.startMs, a.targetHash);
    const folds = inWindow && levelRank(a.alert.level) < levelRank('high') && this.hasRoom(s);
    // The alert that opens a digest is the one it goes out as: only that one is stored whole.
    const opensDigest = !s.open || s.open.targets.length >= MAX_DIGEST_ENTRIES;
    const mine: TargetItem = folds
      ? {
          by: a.alert.id,
          d: 'folded',
          entry: digestEntry(a.alert),
          ...(opensDigest ? { base: storeAlert(a.alert) } : {}),
        }
      : { by: a.alert.id, d: 'sent' };
    const itemKey = targetItemKey(storeKey, suffix);
    let decided: Recalled = mine.d;
    if (!(await this.store.putIfAbsent(itemKey, { ...mine }, this.targetExpiresAtSec(s, mine, nowMs)))) {
      const found = await this.store.get(itemKey);
      if (!found) return undefined;
      const first = readTargetItem(found.value);
      // Our own item: an earlier attempt wrote it and never got to the head.
      if (first?.by === a.alert.id) decided = first.d;
      else decided = inWindow ? 'repeat' : 'sent';
    }
    if (opens) {
      s.startMs = a.t;
      s.windowMs = a.windowMs;
    }
    return this.apply(s, a, decided, suffix, nowMs, due);
  }

  /** Whether a folded alert has a digest to go into (one may leave to make room). */
  private hasRoom(s: GroupState): boolean {
    return !(s.open && s.open.targets.length >= MAX_DIGEST_ENTRIES && s.inflight.length >= MAX_INFLIGHT);
  }

  /** Applies a decision to the head (the target item is written already). */
  private apply(
    s: GroupState,
    a: Incoming,
    decided: Recalled,
    suffix: string,
    nowMs: number,
    due: number[],
  ): Plan<Answer> {
    const remember = (d: Recalled) => (s.recent = pushCapped(s.recent, { id: a.rid, d }, MAX_RECENT));
    if (decided === 'repeat') {
      s.repeatsSinceMs = Math.min(s.repeatsSinceMs ?? a.t, a.t);
      s.repeatsUntilMs = Math.max(s.repeatsUntilMs ?? a.t, a.t);
      s.repeats++;
      remember('repeat');
      return { next: s, answer: { kind: 'repeat', until: this.until(s) }, due };
    }
    if (decided === 'sent' || !this.hasRoom(s)) {
      remember('sent');
      return { next: s, answer: { kind: 'send', claimed: this.claim(s, a.alert.id, nowMs, due) }, due };
    }
    // Below high: into the digest. A full one leaves first.
    let full: DigestHead | undefined;
    if (s.open && s.open.targets.length >= MAX_DIGEST_ENTRIES) full = this.claim(s, a.alert.id, nowMs, due);
    if (!s.open) {
      const windowEnd = s.startMs + s.windowMs;
      const dueAtMs = Math.min(Math.max(nowMs, windowEnd) + this.graceMs, nowMs + MAX_DUE_DELAY_MS);
      s.open = {
        id: hex(`digest\n${a.storeKey}\n${a.alert.id}`, 32),
        sinceMs: a.t,
        untilMs: a.t,
        targets: [],
        repeats: 0,
        dueAtMs,
      };
      due.push(dueAtMs);
    }
    s.open.targets.push(suffix);
    s.open.sinceMs = Math.min(s.open.sinceMs, a.t);
    s.open.untilMs = Math.max(s.open.untilMs, a.t);
    remember('folded');
    if (!full && s.open.targets.length >= MAX_DIGEST_ENTRIES && s.inflight.length < MAX_INFLIGHT) {
      full = this.claim(s, a.alert.id, nowMs, due);
    }
    return { next: s, answer: { kind: 'fold', claimed: full }, due };
  }

  /** A retry of an alert already decided: the same answer, nothing counted again. */
  private planRecall(
    s: GroupState,
    a: Incoming,
    recalled: Recalled,
    nowMs: number,
    due: number[],
  ): Plan<Answer> {
    if (recalled === 'repeat') return { answer: { kind: 'repeat', until: this.until(s) }, due };
    const mine = s.inflight.find((d) => d.lease?.by === a.alert.id);
    if (mine) {
      mine.lease = { by: a.alert.id, untilMs: nowMs + this.leaseMs };
      due.push(mine.lease.untilMs);
    }
    const claimed = mine ?? (recalled === 'sent' ? this.claim(s, a.alert.id, nowMs, due) : undefined);
    const kind = recalled === 'sent' ? 'send' : 'fold';
    return { next: claimed ? s : undefined, answer: { kind, claimed }, due };
  }

  private until(s: GroupState): string {
    return new Date(s.startMs + s.windowMs).toISOString();
  }

  private planFlush(
    state: GroupState | undefined,
    nowMs: number,
    force: boolean,
  ): Plan<{ claimed: DigestHead[]; key?: GroupKey }> {
    if (!state) return { answer: { claimed: [] }, due: [] };
    const s = state;
    const key: GroupKey = { ruleId: s.ruleId, accountId: s.accountId, actorId: s.actorId };
    const due: number[] = [];
    const claimed: DigestHead[] = [];
    for (const d of s.inflight) {
      if (!force && d.lease && d.lease.untilMs > nowMs) continue;
      d.lease = { by: 'flush', untilMs: nowMs + this.leaseMs };
      claimed.push(d);
    }
    if (s.open && (force || s.open.dueAtMs <= nowMs)) {
      const d = this.claim(s, 'flush', nowMs, due);
      if (d) claimed.push(d);
    }
    // A digest with no entries (only a count, its carrier gone) is not sent alone: the count waits.
    for (const d of claimed.filter((c) => c.targets.length === 0)) {
      s.repeats += d.repeats;
      s.repeatsSinceMs = Math.min(s.repeatsSinceMs ?? d.sinceMs, d.sinceMs);
      s.repeatsUntilMs = Math.max(s.repeatsUntilMs ?? d.untilMs, d.untilMs);
      s.inflight = s.inflight.filter((x) => x !== d);
    }
    const sendable = claimed.filter((c) => c.targets.length > 0);
    if (claimed.length === 0) return { answer: { claimed: [], key }, due };
    if (sendable.length > 0) due.push(nowMs + this.leaseMs);
    return { next: s, answer: { claimed: sendable, key }, due };
  }

  /**
   * Moves the open digest (with the repeats counted since the last notification) to `inflight`,
   * leased to `by`; undefined when there is nothing to carry or no room.
   */
  private claim(s: GroupState, by: string, nowMs: number, due: number[]): DigestHead | undefined {
    if (s.inflight.length >= MAX_INFLIGHT) return undefined;
    let d = s.open;
    if (!d && s.repeats === 0) return undefined;
    if (!d) {
      const at = s.repeatsSinceMs ?? s.startMs;
      d = {
        id: hex(`repeats\n${s.ruleId}\n${by}\n${at}`, 32),
        sinceMs: at,
        untilMs: at,
        targets: [],
        repeats: 0,
        dueAtMs: nowMs,
      };
    }
    d.repeats += s.repeats;
    if (s.repeatsSinceMs !== undefined) d.sinceMs = Math.min(d.sinceMs, s.repeatsSinceMs);
    if (s.repeatsUntilMs !== undefined) d.untilMs = Math.max(d.untilMs, s.repeatsUntilMs);
    d.lease = { by, untilMs: nowMs + this.leaseMs };
    s.repeats = 0;
    s.repeatsSinceMs = undefined;
    s.repeatsUntilMs = undefined;
    s.open = undefined;
    s.inflight.push(d);
    due.push(d.lease.untilMs);
    return d;
  }

  private retentionSec(s: GroupState, nowMs: number): number {
    return Math.floor(nowMs / 1000) + Math.max(2 * Math.ceil(s.windowMs / 1000), MIN_RETENTION_SECONDS);
  }

  private expiresAtSec(s: GroupState, nowMs: number): number {
    const base = this.retentionSec(s, nowMs);
    const pending = [s.open, ...s.inflight].filter((d): d is DigestHead => d !== undefined);
    const latest = Math.max(0, ...pending.map((d) => Math.max(d.dueAtMs, d.lease?.untilMs ?? 0)));
    return pending.length > 0 ? Math.max(base, Math.ceil(latest / 1000) + PENDING_RETENTION_SECONDS) : base;
  }

  /** A folded target's entry lives as long as the longest a digest may wait to go out. */
  private targetExpiresAtSec(s: GroupState, item: TargetItem, nowMs: number): number {
    const base = this.retentionSec(s, nowMs);
    if (item.d !== 'folded') return base;
    const latestDue = nowMs + MAX_DUE_DELAY_MS + this.graceMs;
    return Math.max(base, Math.ceil(latestDue / 1000) + PENDING_RETENTION_SECONDS);
  }
}
