/**
 * One notification to its destinations, all at once. Each destination is skipped when its
 * receipt says `sent`; otherwise it is marked `sending`, sent within the invocation's time, and
 * marked `sent`. One destination failing never holds back another; the failures are returned,
 * each naming its destination.
 */
import type { Alert, DeliveryReceipts } from '../alerts';
import type { NamedDestination, SendOptions } from '../notify';
import { hasTime, OutOfTimeError, withinBudget, type TimeBudget } from './send-budget';

/** Sends one alert to one destination (SES, SNS, webhook, or the local outbox). */
export interface AlertSender {
  send(alert: Alert, destination: NamedDestination, options?: SendOptions): Promise<void>;
}

export interface FanOutDeps {
  destinations: Map<string, NamedDestination>;
  sender: AlertSender;
  receipts: DeliveryReceipts;
  budget: TimeBudget;
}

/** What happened beside the sends, for the processor's counters. */
export interface FanOutTally {
  /** Sends repeated after an attempt that may have gone out (a run died between send and receipt). */
  repeatedSends: number;
  /** Receipts that could not be written after a send that succeeded (the destination is served). */
  stateWriteFailures: number;
  /** Sends stopped because the invocation had no time left. */
  sendTimeouts: number;
}

/** Sends to every destination not served yet; resolves with the failures (empty: all served). */
export async function sendToDestinations(
  alert: Alert,
  notification: string,
  names: string[],
  deps: FanOutDeps,
  tally: FanOutTally,
): Promise<Error[]> {
  const settled = await Promise.allSettled(
    names.map((name) => sendOne(alert, notification, name, deps, tally)),
  );
  const failures: Error[] = [];
  settled.forEach((result, i) => {
    if (result.status === 'fulfilled') return;
    const err: unknown = result.reason;
    if (err instanceof OutOfTimeError) tally.sendTimeouts++;
    const message = err instanceof Error ? err.message : String(err);
    failures.push(new Error(`${names[i]}: ${message}`, { cause: err }));
  });
  return failures;
}

async function sendOne(
  alert: Alert,
  notification: string,
  name: string,
  deps: FanOutDeps,
  tally: FanOutTally,
): Promise<void> {
  const destination = deps.destinations.get(name);
  if (!destination) throw new Error(`route names unknown destination "${name}"`);
  // No `sending` mark for a send that could not start: it would count as a possible duplicate.
  if (!hasTime(deps.budget)) throw new OutOfTimeError(`send to ${name}`, deps.budget.remainingMs());
  const mark = await deps.receipts.begin(notification, name);
  if (!mark) return;
  if (mark.repeated) tally.repeatedSends++;
  await withinBudget(deps.budget, `send to ${name}`, (signal) =>
    deps.sender.send(alert, destination, signal ? { signal } : undefined),
  );
  try {
    await deps.receipts.confirm(mark);
  } catch {
    // Sent all the same: only a retry of this notification would send it again (counted then).
    tally.stateWriteFailures++;
  }
}
