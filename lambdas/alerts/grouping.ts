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
 * Race-safe: state is one item per key written with a version check and retried on conflict; a
 * digest being sent is leased, so concurrent flushes never both send it, and one whose send
 * failed (or whose sender died) is sent again after its lease. Each alert's decision is
 * remembered by alert id, so the retry of a failed send is answered the same (it carries the
 * same digest) and is never counted twice.
 */
import { createHash } from 'node:crypto';
import { levelRank } from '../sigma/model';
import type { Alert } from './alert';
import {
  MAX_DIGEST_ENTRIES,
  MAX_INFLIGHT,
  MAX_RECENT,
  MAX_SEEN,
  digestEntry,
  pushCapped,
  readGroupState,
  type GroupState,
  type Recalled,
  type StoredDigest,
} from './grouping-state';
import { storeAlert } from './stored-alert';
import type { DueIndex, DueItem, StateStore } from './state/store';

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

const hex = (text: string, length: number): string =>
  createHash('sha256').update(text).digest('hex').slice(0, length);

/** The state key of a (rule, account, actor). */
export function groupStateKey(key: GroupKey): string {
  return `group#${hex(`${key.ruleId}\n${key.accountId}\n${key.actorId}`, 40)}`;
}

/** A plan for one state change: the next state (undefined: nothing to write) and what to answer. */
interface Plan<T> {
  next?: GroupState;
  answer: T;
  /** Due times to note before the state is written, so a crash never leaves a digest unfound. */
  due: number[];
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
    const answer = await this.update(storeKey, `rule ${key.ruleId}`, (state, nowMs) =>
      this.planDecision(
        state,
        key,
        alert,
        Number.isFinite(parsed) ? parsed : nowMs,
        windowSeconds * 1000,
        nowMs,
      ),
    );
    if (answer.kind === 'repeat') return answer;
    const claimed = answer.claimed && { storeKey, key, digest: answer.claimed };
    return answer.kind === 'send' ? { kind: 'send', carried: claimed } : { kind: 'fold', full: claimed };
  }

  /** After a send: a delivered digest is forgotten; an undelivered one is due again at once. */
  async settle(claimed: ClaimedDigest, delivered: boolean): Promise<void> {
    await this.update(claimed.storeKey, `rule ${claimed.key.ruleId}`, (state, nowMs) => {
      const at = state?.inflight.findIndex((d) => d.id === claimed.digest.id) ?? -1;
      if (!state || at < 0) return { answer: undefined, due: [] };
      const next = structuredClone(state);
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
    return taken.claimed.map((digest) => ({ storeKey: item.key, key: taken.key!, digest }));
  }

  async forgetDue(item: DueItem): Promise<void> {
    await this.store.deleteDue(item);
  }

  /** Read, plan, note due times, write with a version check; again on conflict. */
  private async update<T>(
    storeKey: string,
    what: string,
    plan: (state: GroupState | undefined, nowMs: number) => Plan<T>,
  ): Promise<T> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const nowMs = this.now().getTime();
      const current = await this.store.get(storeKey);
      const state = current ? readGroupState(current.value) : undefined;
      const { next, answer, due } = plan(state, nowMs);
      if (!next) return answer;
      for (const dueAtMs of due)
        await this.store.putDue(
          { key: storeKey, dueAtMs },
          Math.ceil(dueAtMs / 1000) + PENDING_RETENTION_SECONDS + 24 * 3600,
        );
      // A malformed item counts as absent, and is overwritten only on its exact version.
      if (
        await this.store.putIfVersion(storeKey, { ...next }, current?.version, this.expiresAtSec(next, nowMs))
      ) {
        return answer;
      }
    }
    throw new Error(`grouping for ${what}: gave up after ${MAX_ATTEMPTS} concurrent-write conflicts`);
  }

  private planDecision(
    state: GroupState | undefined,
    key: GroupKey,
    alert: Alert,
    t: number,
    windowMs: number,
    nowMs: number,
  ): Plan<{ kind: 'send' | 'fold'; claimed?: StoredDigest } | { kind: 'repeat'; until: string }> {
    const s: GroupState = state
      ? structuredClone(state)
      : { ...key, startMs: t, windowMs, seen: [], recent: [], repeats: 0, inflight: [] };
    const due: number[] = [];
    const until = () => new Date(s.startMs + s.windowMs).toISOString();
    const remember = (d: Recalled) => (s.recent = pushCapped(s.recent, { id: alert.id, d }, MAX_RECENT));

    // A retry of an alert already decided gets the same answer (and is not counted again).
    const recalled = state?.recent.find((r) => r.id === alert.id)?.d;
    if (recalled === 'repeat') return { answer: { kind: 'repeat', until: until() }, due };
    if (recalled) {
      const mine = s.inflight.find((d) => d.lease?.by === alert.id);
      if (mine) {
        mine.lease = { by: alert.id, untilMs: nowMs + this.leaseMs };
        due.push(mine.lease.untilMs);
      }
      const claimed = mine ?? (recalled === 'sent' ? this.claim(s, alert.id, nowMs, due) : undefined);
      const kind = recalled === 'sent' ? 'send' : 'fold';
      return { next: claimed ? s : undefined, answer: { kind, claimed }, due };
    }

    const target = hex(alert.target?.key ?? alert.eventName ?? '', 16);
    if (!state || Math.abs(t - s.startMs) >= s.windowMs || s.windowMs !== windowMs) {
      // Outside the window: a first alert. A late one goes out without moving the window back.
      if (!state || t > s.startMs || s.windowMs !== windowMs) {
        s.startMs = t;
        s.windowMs = windowMs;
        s.seen = [];
      }
      s.seen = pushCapped(s.seen, target, MAX_SEEN);
      remember('sent');
      return { next: s, answer: { kind: 'send', claimed: this.claim(s, alert.id, nowMs, due) }, due };
    }
    if (s.seen.includes(target)) {
      s.repeatsSinceMs = Math.min(s.repeatsSinceMs ?? t, t);
      s.repeatsUntilMs = Math.max(s.repeatsUntilMs ?? t, t);
      s.repeats++;
      remember('repeat');
      return { next: s, answer: { kind: 'repeat', until: until() }, due };
    }
    s.seen = pushCapped(s.seen, target, MAX_SEEN);
    if (levelRank(alert.level) >= levelRank('high')) {
      remember('sent');
      return { next: s, answer: { kind: 'send', claimed: this.claim(s, alert.id, nowMs, due) }, due };
    }

    // Below high: into the digest. A full one leaves first; with no room at all, the alert goes alone.
    let full: StoredDigest | undefined;
    if (s.open && s.open.entries.length >= MAX_DIGEST_ENTRIES) {
      if (s.inflight.length >= MAX_INFLIGHT) {
        remember('sent');
        return { next: s, answer: { kind: 'send' }, due };
      }
      full = this.claim(s, alert.id, nowMs, due);
    }
    if (!s.open) {
      const windowEnd = s.startMs + s.windowMs;
      const dueAtMs = Math.min(Math.max(nowMs, windowEnd) + this.graceMs, nowMs + MAX_DUE_DELAY_MS);
      s.open = {
        id: hex(`digest\n${groupStateKey(key)}\n${alert.id}`, 32),
        sinceMs: t,
        untilMs: t,
        entries: [],
        repeats: 0,
        dueAtMs,
      };
      due.push(dueAtMs);
    }
    s.open.entries.push(digestEntry(alert));
    s.open.sinceMs = Math.min(s.open.sinceMs, t);
    s.open.untilMs = Math.max(s.open.untilMs, t);
    s.open.base = storeAlert(alert);
    remember('folded');
    if (!full && s.open.entries.length >= MAX_DIGEST_ENTRIES && s.inflight.length < MAX_INFLIGHT) {
      full = this.claim(s, alert.id, nowMs, due);
    }
    return { next: s, answer: { kind: 'fold', claimed: full }, due };
  }

  private planFlush(
    state: GroupState | undefined,
    nowMs: number,
    force: boolean,
  ): Plan<{ claimed: StoredDigest[]; key?: GroupKey }> {
    if (!state) return { answer: { claimed: [] }, due: [] };
    const s = structuredClone(state);
    const key: GroupKey = { ruleId: s.ruleId, accountId: s.accountId, actorId: s.actorId };
    const due: number[] = [];
    const claimed: StoredDigest[] = [];
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
    for (const d of claimed.filter((c) => c.entries.length === 0)) {
      s.repeats += d.repeats;
      s.repeatsSinceMs = Math.min(s.repeatsSinceMs ?? d.sinceMs, d.sinceMs);
      s.repeatsUntilMs = Math.max(s.repeatsUntilMs ?? d.untilMs, d.untilMs);
      s.inflight = s.inflight.filter((x) => x !== d);
    }
    const sendable = claimed.filter((c) => c.entries.length > 0);
    if (claimed.length === 0) return { answer: { claimed: [], key }, due };
    if (sendable.length > 0) due.push(nowMs + this.leaseMs);
    return { next: s, answer: { claimed: sendable, key }, due };
  }

  /**
   * Moves the open digest (with the repeats counted since the last notification) to `inflight`,
   * leased to `by`; undefined when there is nothing to carry or no room.
   */
  private claim(s: GroupState, by: string, nowMs: number, due: number[]): StoredDigest | undefined {
    if (s.inflight.length >= MAX_INFLIGHT) return undefined;
    let d = s.open;
    if (!d && s.repeats === 0) return undefined;
    if (!d) {
      const at = s.repeatsSinceMs ?? s.startMs;
      d = {
        id: hex(`repeats\n${s.ruleId}\n${by}\n${at}`, 32),
        sinceMs: at,
        untilMs: at,
        entries: [],
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

  private expiresAtSec(s: GroupState, nowMs: number): number {
    const base = Math.floor(nowMs / 1000) + Math.max(2 * Math.ceil(s.windowMs / 1000), MIN_RETENTION_SECONDS);
    const pending = [s.open, ...s.inflight].filter((d): d is StoredDigest => d !== undefined);
    const latest = Math.max(0, ...pending.map((d) => Math.max(d.dueAtMs, d.lease?.untilMs ?? 0)));
    return pending.length > 0 ? Math.max(base, Math.ceil(latest / 1000) + PENDING_RETENTION_SECONDS) : base;
  }
}
