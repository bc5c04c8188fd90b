/**
 * The first and last observed times of Security Hub findings, kept in the alert state store: one
 * small item per finding id, the earliest first and the latest last of all its imports. Written
 * with the store's versioned writes, so two processors importing the same finding at once both
 * end with the merged times.
 */
import type { StateStore } from '../alerts/state';
import type { FindingTimes } from '../notify';

/**
 * Kept this long after a finding's last import. Security Hub deletes an active finding that has
 * not been updated for 90 days; after that a repeat creates a new finding with its own times.
 */
export const FINDING_TIMES_TTL_DAYS = 90;
/** Concurrent writers of one finding's times: more than this many lost races is an error. */
const MAX_ATTEMPTS = 5;

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/;
const storedTime = (value: unknown): string | undefined =>
  typeof value === 'string' && ISO_UTC.test(value) ? value : undefined;

export const findingTimesKey = (id: string): string => `finding-times#${id}`;

export class StoredFindingTimes implements FindingTimes {
  constructor(
    private readonly store: StateStore,
    private readonly nowMs: () => number = Date.now,
  ) {}

  async observe(id: string, first: string, last: string): Promise<{ first: string; last: string }> {
    const key = findingTimesKey(id);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const item = await this.store.get(key);
      const storedFirst = storedTime(item?.value.first);
      const storedLast = storedTime(item?.value.last);
      const merged = {
        first: storedFirst !== undefined && storedFirst < first ? storedFirst : first,
        last: storedLast !== undefined && storedLast > last ? storedLast : last,
      };
      const expiresAtSec = Math.floor(this.nowMs() / 1000) + FINDING_TIMES_TTL_DAYS * 86_400;
      // Rewritten even when unchanged: the expiry follows the finding's last import.
      if (await this.store.putIfVersion(key, merged, item?.version, expiresAtSec)) return merged;
    }
    throw new Error(`the times of finding ${id} changed under ${MAX_ATTEMPTS} writes in a row`);
  }
}
