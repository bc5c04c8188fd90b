/**
 * Cooldown: after an alert of a rule for one actor in one account, further alerts of the same
 * (rule, account, actor) within `cooldownSeconds` of event time are suppressed and counted; the
 * next alert that goes out says how many were suppressed and since when. Race-safe through
 * versioned conditional writes (optimistic concurrency, retried).
 */
import { createHash } from 'node:crypto';
import type { StateStore } from './state/store';

export interface CooldownKey {
  ruleId: string;
  accountId: string;
  actorId: string;
}

export type CooldownDecision =
  { allowed: true; suppressedSince?: { count: number; since: string } } | { allowed: false; until: string };

/** What is stored per key. Times are event times in epoch milliseconds. */
interface CooldownState {
  lastAlertMs: number;
  suppressed: number;
  suppressedSinceMs?: number;
  /** The alert that went out last, so that its retry (a failed send) is allowed again. */
  lastAlertId?: string;
  /** What that alert reported as suppressed before it, repeated on its retry. */
  lastReported?: { count: number; since: string };
}

const MAX_ATTEMPTS = 10;
/** State outlives the cooldown by this much so that late events still see it. */
const MIN_RETENTION_SECONDS = 24 * 3600;

export class Cooldown {
  private readonly now: () => Date;

  constructor(
    private readonly store: StateStore,
    now?: () => Date,
  ) {
    this.now = now ?? (() => new Date());
  }

  /**
   * Decides whether an alert at `eventTime` may go out. An alert is suppressed when its event
   * time lies within `cooldownSeconds` (either side) of the last alert that went out for the key.
   * `cooldownSeconds` 0 (or less) means always allowed. An unreadable eventTime counts as now.
   * `alertId` makes the check idempotent for one alert: the retry of an alert whose send failed
   * is allowed again (with the same suppressed count) instead of being held back by itself.
   */
  async check(
    key: CooldownKey,
    eventTime: string,
    cooldownSeconds: number,
    alertId?: string,
  ): Promise<CooldownDecision> {
    if (!(cooldownSeconds > 0)) return { allowed: true };
    const parsed = Date.parse(eventTime);
    const t = Number.isFinite(parsed) ? parsed : this.now().getTime();
    const cooldownMs = cooldownSeconds * 1000;
    const storeKey = `cooldown#${hashKey(key)}`;
    const expiresAtSec =
      Math.floor(this.now().getTime() / 1000) + Math.max(2 * cooldownSeconds, MIN_RETENTION_SECONDS);

    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await this.store.get(storeKey);
      const state = current ? readState(current.value) : undefined;
      if (state && alertId !== undefined && state.lastAlertId === alertId) {
        return state.lastReported
          ? { allowed: true, suppressedSince: state.lastReported }
          : { allowed: true };
      }
      if (state && Math.abs(t - state.lastAlertMs) < cooldownMs) {
        const next: CooldownState = {
          ...state,
          suppressed: state.suppressed + 1,
          suppressedSinceMs: Math.min(state.suppressedSinceMs ?? t, t),
        };
        if (await this.store.putIfVersion(storeKey, { ...next }, current?.version, expiresAtSec)) {
          return { allowed: false, until: new Date(state.lastAlertMs + cooldownMs).toISOString() };
        }
        continue;
      }
      const reported =
        state && state.suppressed > 0
          ? {
              count: state.suppressed,
              since: new Date(state.suppressedSinceMs ?? state.lastAlertMs).toISOString(),
            }
          : undefined;
      const next: CooldownState = {
        lastAlertMs: Math.max(t, state?.lastAlertMs ?? t),
        suppressed: 0,
        ...(alertId !== undefined ? { lastAlertId: alertId } : {}),
        ...(reported ? { lastReported: reported } : {}),
      };
      if (await this.store.putIfVersion(storeKey, { ...next }, current?.version, expiresAtSec)) {
        return reported ? { allowed: true, suppressedSince: reported } : { allowed: true };
      }
    }
    throw new Error(
      `cooldown for rule ${key.ruleId}: gave up after ${MAX_ATTEMPTS} concurrent-write conflicts`,
    );
  }
}

function hashKey(key: CooldownKey): string {
  return createHash('sha256')
    .update(`${key.ruleId}\n${key.accountId}\n${key.actorId}`)
    .digest('hex')
    .slice(0, 40);
}

/** Reads stored state defensively: a malformed item is treated as absent. */
function readState(value: Record<string, unknown>): CooldownState | undefined {
  const { lastAlertMs, suppressed, suppressedSinceMs, lastAlertId, lastReported } = value;
  if (typeof lastAlertMs !== 'number' || !Number.isFinite(lastAlertMs)) return undefined;
  const reported = lastReported as { count?: unknown; since?: unknown } | undefined;
  return {
    lastAlertMs,
    suppressed: typeof suppressed === 'number' && suppressed > 0 ? suppressed : 0,
    suppressedSinceMs: typeof suppressedSinceMs === 'number' ? suppressedSinceMs : undefined,
    lastAlertId: typeof lastAlertId === 'string' ? lastAlertId : undefined,
    lastReported:
      reported && typeof reported.count === 'number' && typeof reported.since === 'string'
        ? { count: reported.count, since: reported.since }
        : undefined,
  };
}
