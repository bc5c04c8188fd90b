/**
 * What grouping stores per (rule, account, actor), and how it is read back. One item per key,
 * written with a version check (grouping.ts retries on conflict). Times: event times for the
 * window and the digest's since/until, wall clock for `dueAtMs` and leases.
 *
 * Every list is capped, so the item stays well below DynamoDB's 400 KB: `seen` drops its oldest
 * hashes (a forgotten target is folded again, never suppressed), `recent` its oldest decisions,
 * a digest sends itself when full, and at most MAX_INFLIGHT digests are being sent at once.
 */
import type { Alert } from './alert';
import { readStoredAlert, type StoredAlert } from './stored-alert';
import { clip } from './state/store';

export type DigestEntry = NonNullable<Alert['digest']>['entries'][number];

/** A digest: the different targets folded since the key's last notification. */
export interface StoredDigest {
  /** Stable id: the notification id of the digest when it goes out on its own. */
  id: string;
  /** Event-time range of the folded events and counted repeats. */
  sinceMs: number;
  untilMs: number;
  entries: DigestEntry[];
  repeats: number;
  /** Wall clock at which the flush sends it (the window has closed, plus delivery grace). */
  dueAtMs: number;
  /** The last folded alert: what the digest shows when it goes out on its own. */
  base?: StoredAlert;
  /** Set while being sent: who sends it (an alert id, or `flush`) and until when others wait. */
  lease?: { by: string; untilMs: number };
}

/** How one alert was decided, remembered so that its retry gets the same answer. */
export type Recalled = 'sent' | 'folded' | 'repeat';

export interface GroupState {
  ruleId: string;
  accountId: string;
  actorId: string;
  /** Event time of the alert that opened the window. */
  startMs: number;
  windowMs: number;
  /** Hashes of the target keys already reported (sent or folded) in this window, oldest first. */
  seen: string[];
  /** Latest decisions by alert id, oldest first. */
  recent: { id: string; d: Recalled }[];
  /** Exact repeats counted since the key's last notification. */
  repeats: number;
  repeatsSinceMs?: number;
  repeatsUntilMs?: number;
  /** The digest being filled. */
  open?: StoredDigest;
  /** Digests taken out of `open` to be sent: removed once delivered, sent again if not. */
  inflight: StoredDigest[];
}

export const MAX_SEEN = 1000;
export const MAX_RECENT = 100;
export const MAX_DIGEST_ENTRIES = 100;
export const MAX_INFLIGHT = 2;

const ENTRY_TEXT = 64;
const ENTRY_TARGET = 160;

/** A digest entry with every attacker-controlled text clipped. */
export function digestEntry(alert: Alert): DigestEntry {
  return {
    time: clip(alert.time, ENTRY_TEXT)!,
    eventID: clip(alert.eventID, ENTRY_TEXT),
    eventName: clip(alert.eventName, ENTRY_TEXT),
    target: clip(alert.target?.label ?? alert.eventName ?? '(unknown)', ENTRY_TARGET)!,
    alertId: alert.id,
  };
}

/** Adds to a capped list, dropping the oldest. */
export function pushCapped<T>(list: T[], item: T, max: number): T[] {
  const next = [...list, item];
  return next.length > max ? next.slice(next.length - max) : next;
}

/** The digest as the alert carries it. */
export function digestView(d: StoredDigest, standalone: boolean): NonNullable<Alert['digest']> {
  return {
    since: new Date(d.sinceMs).toISOString(),
    until: new Date(d.untilMs).toISOString(),
    entries: d.entries.map((e) => ({ ...e })),
    repeats: d.repeats,
    ...(standalone ? { standalone: true } : {}),
  };
}

const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const str = (v: unknown): v is string => typeof v === 'string';
const obj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

function readEntry(v: unknown): DigestEntry | undefined {
  if (!obj(v) || !str(v.time) || !str(v.target) || !str(v.alertId)) return undefined;
  return {
    time: v.time,
    eventID: str(v.eventID) ? v.eventID : undefined,
    eventName: str(v.eventName) ? v.eventName : undefined,
    target: v.target,
    alertId: v.alertId,
  };
}

function readDigest(v: unknown): StoredDigest | undefined {
  if (!obj(v) || !str(v.id) || !num(v.sinceMs) || !num(v.untilMs) || !num(v.dueAtMs)) return undefined;
  const lease = obj(v.lease) && str(v.lease.by) && num(v.lease.untilMs) ? v.lease : undefined;
  return {
    id: v.id,
    sinceMs: v.sinceMs,
    untilMs: v.untilMs,
    entries: (Array.isArray(v.entries) ? v.entries : [])
      .map(readEntry)
      .filter((e): e is DigestEntry => e !== undefined),
    repeats: num(v.repeats) && v.repeats > 0 ? v.repeats : 0,
    dueAtMs: v.dueAtMs,
    base: readStoredAlert(v.base),
    ...(lease ? { lease: { by: lease.by as string, untilMs: lease.untilMs as number } } : {}),
  };
}

/** Reads stored state defensively: an item of another shape is treated as absent. */
export function readGroupState(value: Record<string, unknown>): GroupState | undefined {
  const { ruleId, accountId, actorId, startMs, windowMs } = value;
  if (!str(ruleId) || !str(accountId) || !str(actorId) || !num(startMs) || !num(windowMs)) return undefined;
  const recent = Array.isArray(value.recent) ? value.recent : [];
  return {
    ruleId,
    accountId,
    actorId,
    startMs,
    windowMs,
    seen: (Array.isArray(value.seen) ? value.seen : []).filter(str),
    recent: recent
      .filter(
        (r): r is { id: string; d: Recalled } =>
          obj(r) && str(r.id) && ['sent', 'folded', 'repeat'].includes(r.d as string),
      )
      .map((r) => ({ id: r.id, d: r.d })),
    repeats: num(value.repeats) && value.repeats > 0 ? value.repeats : 0,
    repeatsSinceMs: num(value.repeatsSinceMs) ? value.repeatsSinceMs : undefined,
    repeatsUntilMs: num(value.repeatsUntilMs) ? value.repeatsUntilMs : undefined,
    open: readDigest(value.open),
    inflight: (Array.isArray(value.inflight) ? value.inflight : [])
      .map(readDigest)
      .filter((d): d is StoredDigest => d !== undefined),
  };
}
