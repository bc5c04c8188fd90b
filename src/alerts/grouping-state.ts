/**
 * What grouping stores, and how it is read back. Per (rule, account, actor), a small head item
 * written with a version check (grouping.ts retries on conflict); per target seen in a window,
 * an item written once, only if absent, which decides "new target" or "exact repeat". A folded
 * target's item also holds its digest entry (and, for the one that opened the digest, the alert
 * the digest goes out as), so nothing grows with the number of targets but the head's list of
 * the open digest's targets, which is capped. Times: event times for the window and the digest's
 * since/until, wall clock for `dueAtMs` and leases.
 */
import type { Alert } from './alert';
import { readStoredAlert, type StoredAlert } from './stored-alert';
import { clip } from './state';

export type DigestEntry = NonNullable<Alert['digest']>['entries'][number];

/** A digest as the head keeps it: its targets are named, their entries live in the target items. */
export interface DigestHead {
  /** Stable id: the notification id of the digest when it goes out on its own. */
  id: string;
  /** Event-time range of the folded events and counted repeats. */
  sinceMs: number;
  untilMs: number;
  /** Target item suffixes (see targetSuffix), in folding order. */
  targets: string[];
  repeats: number;
  /** Wall clock at which the flush sends it (the window has closed, plus delivery grace). */
  dueAtMs: number;
  /** Set while being sent: who sends it (an alert id, or `flush`) and until when others wait. */
  lease?: { by: string; untilMs: number };
}

/** A digest with its entries read back: what a sender gets. */
export interface StoredDigest extends Omit<DigestHead, 'targets'> {
  entries: DigestEntry[];
  /** The alert that opened the digest: what it shows when it goes out on its own. */
  base?: StoredAlert;
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
  /** Latest decisions by (shortened) alert id, oldest first. */
  recent: { id: string; d: Recalled }[];
  /** Exact repeats counted since the key's last notification. */
  repeats: number;
  repeatsSinceMs?: number;
  repeatsUntilMs?: number;
  /** The digest being filled. */
  open?: DigestHead;
  /** Digests taken out of `open` to be sent: removed once delivered, sent again if not. */
  inflight: DigestHead[];
}

/** One target of one window: who reported it first, how, and (folded) its digest entry. */
export interface TargetItem {
  by: string;
  d: 'sent' | 'folded';
  entry?: DigestEntry;
  base?: StoredAlert;
}

export const MAX_RECENT = 50;
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

/** The target item of a target hash in the window opened at `startMs`, below a head key. */
export function targetSuffix(startMs: number, targetHash: string): string {
  return `${startMs.toString(36)}.${targetHash}`;
}

export function targetItemKey(headKey: string, suffix: string): string {
  return `${headKey}#t#${suffix}`;
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

function readDigestHead(v: unknown): DigestHead | undefined {
  if (!obj(v) || !str(v.id) || !num(v.sinceMs) || !num(v.untilMs) || !num(v.dueAtMs)) return undefined;
  const lease = obj(v.lease) && str(v.lease.by) && num(v.lease.untilMs) ? v.lease : undefined;
  return {
    id: v.id,
    sinceMs: v.sinceMs,
    untilMs: v.untilMs,
    targets: (Array.isArray(v.targets) ? v.targets : []).filter(str),
    repeats: num(v.repeats) && v.repeats > 0 ? v.repeats : 0,
    dueAtMs: v.dueAtMs,
    ...(lease ? { lease: { by: lease.by as string, untilMs: lease.untilMs as number } } : {}),
  };
}

/** Reads a target item defensively: another shape is undefined. */
export function readTargetItem(value: Record<string, unknown>): TargetItem | undefined {
  const { by, d } = value;
  if (!str(by) || (d !== 'sent' && d !== 'folded')) return undefined;
  const entry = readEntry(value.entry);
  const base = readStoredAlert(value.base);
  return { by, d, ...(entry ? { entry } : {}), ...(base ? { base } : {}) };
}

/** Reads a stored head defensively: an item of another shape is treated as absent. */
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
    recent: recent
      .filter(
        (r): r is { id: string; d: Recalled } =>
          obj(r) && str(r.id) && ['sent', 'folded', 'repeat'].includes(r.d as string),
      )
      .map((r) => ({ id: r.id, d: r.d })),
    repeats: num(value.repeats) && value.repeats > 0 ? value.repeats : 0,
    repeatsSinceMs: num(value.repeatsSinceMs) ? value.repeatsSinceMs : undefined,
    repeatsUntilMs: num(value.repeatsUntilMs) ? value.repeatsUntilMs : undefined,
    open: readDigestHead(value.open),
    inflight: (Array.isArray(value.inflight) ? value.inflight : [])
      .map(readDigestHead)
      .filter((d): d is DigestHead => d !== undefined),
  };
}
