/**
 * Delivery receipts, one per notification and destination: `sending` is written before the
 * send, `sent` once the destination took it. A retried notification (a failed destination, a run
 * that died) goes only to the destinations without `sent`; one found `sending` may have been
 * sent by the run that died, so it is sent again and counted (`repeated`): at least once, with
 * the possible duplicate counted, and at most one per delivery attempt.
 *
 * Every notification uses them: event and correlation alerts (keyed by alert id), an alert
 * carrying a digest (keyed by the alert and what it carries: digest-alert.ts `notificationId`),
 * and a digest sent on its own (its digest id). The key, `dedupe#<notification>@<destination>`,
 * is the one receipts always had, and a receipt of another shape counts as `sent`.
 */
import type { StateStore } from './state';

/** A receipt being written: settle it with `confirm` once the send succeeded. */
export interface ReceiptMark {
  key: string;
  version: number;
  /** An earlier attempt began this send and did not confirm it: it may have gone out. */
  repeated: boolean;
}

export class DeliveryReceipts {
  private readonly now: () => Date;

  constructor(
    private readonly store: StateStore,
    private readonly ttlSeconds: number,
    now?: () => Date,
  ) {
    this.now = now ?? (() => new Date());
  }

  /** Before a send: undefined when the destination has it already, else the mark to confirm. */
  async begin(notification: string, destination: string): Promise<ReceiptMark | undefined> {
    const key = receiptKey(notification, destination);
    // Twice at most: the second round only follows an item that expired between the two calls.
    for (let round = 0; round < 2; round++) {
      const at = this.nowSec();
      if (await this.store.putIfAbsent(key, { state: 'sending', at }, at + this.ttlSeconds))
        return { key, version: 1, repeated: false };
      const current = await this.store.get(key);
      if (!current) continue;
      if (current.value.state !== 'sending') return undefined;
      return { key, version: current.version, repeated: true };
    }
    throw new Error(`receipt ${key}: could not be read or written`);
  }

  /** After the send: the destination is served. */
  async confirm(mark: ReceiptMark): Promise<void> {
    const at = this.nowSec();
    await this.store.putIfVersion(mark.key, { state: 'sent', at }, mark.version, at + this.ttlSeconds);
  }

  private nowSec(): number {
    return Math.floor(this.now().getTime() / 1000);
  }
}

export function receiptKey(notification: string, destination: string): string {
  return `dedupe#${notification}@${destination}`;
}
