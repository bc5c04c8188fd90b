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
   */
  async check(key: CooldownKey, eventTime: string, cooldownSeconds: number): Promise<CooldownDecision> {
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
      if (state && Math.abs(t - state.lastAlertMs) < cooldownMs) {
        const next: CooldownState = {
          lastAlertMs: state.lastAlertMs,
          suppressed: state.suppressed + 1,
          suppressedSinceMs: Math.min(state.suppressedSinceMs ?? t, t),
        };
        if (await this.store.putIfVersion(storeKey, { ...next }, current?.version, expiresAtSec)) {
          return { allowed: false, until: new Date(state.lastAlertMs + cooldownMs).toISOString() };
        }
        continue;
      }
      const next: CooldownState = { lastAlertMs: Math.max(t, state?.lastAlertMs ?? t), suppressed: 0 };
      if (await this.store.putIfVersion(storeKey, { ...next }, current?.version, expiresAtSec)) {
        if (state && state.suppressed > 0) {
          return {
            allowed: true,
            suppressedSince: {
              count: state.suppressed,
              since: new Date(state.suppressedSinceMs ?? state.lastAlertMs).toISOString(),
            },
          };
        }
        return { allowed: true };
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
  const { lastAlertMs, suppressed, suppressedSinceMs } = value;
  if (typeof lastAlertMs !== 'number' || !Number.isFinite(lastAlertMs)) return undefined;
  return {
    lastAlertMs,
    suppressed: typeof suppressed === 'number' && suppressed > 0 ? suppressed : 0,
    suppressedSinceMs: typeof suppressedSinceMs === 'number' ? suppressedSinceMs : undefined,
  };
}
