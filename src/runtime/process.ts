/**
 * The processor core: a match in, the alerts that go out (or the reason they do not).
 * Order (issue 5): exceptions → dedupe → correlation → grouping → enrichment → routing → notify.
 * Shared by the processor Lambda and `trailalerts scan`, so a scan shows what production sends.
 *
 * Outcomes: one per alert that went out (`sent`, `unrouted`) or was held back (`excepted`,
 * `duplicate`, `suppressed`: an exact repeat). An alert folded into a digest has no outcome of
 * its own: it is named (alert id, event id, target) in `alert.digest.entries` of the outcome of
 * the notification that delivers it, which a later call returns (the next alert of its key, a
 * full digest, or `flushDigests`).
 *
 * Delivery is at least once (issue 18): every alert id (an event's, a correlation hit's) is taken
 * under a lease before anything is sent and marked done only once every destination has its
 * receipt (alerts/delivery-lease.ts, alerts/delivery-receipts.ts). A run that dies or fails
 * part-way leaves the id in progress; its redelivery resumes it, sending only to the destinations
 * without a receipt, and raises again the correlation hits the event had raised (`reclaim`).
 * Sends go to an alert's destinations concurrently, each within the invocation's time.
 */
import { actorOf, targetOf, type Actor } from '../cloudtrail';
import {
  type Alert,
  type AlertOutcome,
  type IpContext,
  type Match,
  correlationTarget,
  DEDUPE_TTL_SECONDS,
  eventAlertId,
  type AlertedEvents,
  ruleIdentity,
  type DeliveryLedger,
  type HeldLease,
  type DeliveryReceipts,
  notificationId,
  standaloneDigestAlert,
  type ClaimedDigest,
  type Grouping,
  digestView,
} from '../alerts';
import {
  exceptionLabel,
  findException,
  judgedAt,
  routeAlert,
  type AccountDirectory,
  type EffectiveConfig,
  type OrgPolicy,
} from '../org';
import type { CorrelationEngine, CorrelationHit } from '../alerts/correlate';
import type { CloudTrailRecord, Level } from '../core';
import type { FilterRuleModel, RuleMeta } from '../sigma';
import { guardDutyTarget } from '../guardduty';
import type { NamedDestination } from '../notify';
import { hasTime, OutOfTimeError, UNLIMITED, type TimeBudget } from './send-budget';
import { quietly, underLease } from './leased-delivery';
import { emptyCounters } from './processor-counters';
import { sendToDestinations, type AlertSender } from './send-destinations';

export type { AlertSender } from './send-destinations';
export { emptyCounters, type ProcessorCounters } from './processor-counters';

/** Looks up IP context; resolves undefined when not applicable or on failure (never throws). */
export interface IpContextLookup {
  lookup(ip: string): Promise<IpContext | undefined>;
}

export interface ProcessorOptions {
  directory: AccountDirectory;
  policy: OrgPolicy;
  /** Leases on alert ids: dedupe, and resuming a delivery that did not finish. */
  ledger: DeliveryLedger;
  /** Per notification and destination: who has it already. */
  receipts: DeliveryReceipts;
  /**
   * Event alerts that went out, kept by event time: a retro-hunt match (or an event older than
   * the lease remembers) whose alert went out before is a duplicate, however old.
   */
  alerted?: AlertedEvents;
  grouping: Grouping;
  correlations?: CorrelationEngine;
  /** Sigma filter documents: applied like exceptions, and counted as such. */
  filters?: FilterRuleModel[];
  ipContext?: IpContextLookup;
  destinations: Map<string, NamedDestination>;
  sender: AlertSender;
  now?: () => Date;
}

/** Per call: the time the invocation has left (the Lambda's context; `scan` has no limit). */
export interface ProcessOptions {
  budget?: TimeBudget;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** What a digest flush did: the notifications' outcomes, and the sends that failed (retried later). */
export interface FlushResult {
  outcomes: AlertOutcome[];
  failures: { digest: string; error: string }[];
}

export interface FlushOptions {
  /** Every pending digest, due or not (the end of a scan). */
  all?: boolean;
  /** Due entries read per call at most. */
  limit?: number;
  /** Checked before each digest: true stops the flush (the Lambda's time is running out). */
  stop?: () => boolean;
  /** Caps each send by the time the invocation has left. */
  budget?: TimeBudget;
}

export class AlertProcessor {
  readonly counters = emptyCounters();
  private readonly now: () => Date;

  constructor(private readonly options: ProcessorOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Processes one match: an outcome per alert it produced (event and correlation alerts), except
   * an alert folded into a digest, plus the outcome of a digest that filled up and went out.
   * Throws when anything was not delivered (the message is retried); LeaseBusyError when another
   * run is delivering it right now.
   */
  async process(match: Match, options: ProcessOptions = {}): Promise<AlertOutcome[]> {
    const budget = options.budget ?? UNLIMITED;
    this.counters.matches++;
    const { directory, policy } = this.options;
    const account = await directory.resolve(match.accountId);
    const effective = policy.forAccount(account);
    const actor = actorOf(match.record);
    const alert = this.eventAlert(match, actor, account);

    const exception = this.exceptionFor(match.rule, match.record, actor, effective);
    if (exception) {
      this.counters.excepted++;
      return [{ kind: 'excepted', alert, exception }];
    }
    const alerted = this.options.alerted;
    if (alerted && (match.hunt || this.olderThanLeases(alert.time)) && (await alerted.seen(alert.id))) {
      this.counters.duplicate++;
      return [{ kind: 'duplicate', alert }];
    }
    // Nothing is taken that this run could not finish: the message comes back with time to spare.
    if (!hasTime(budget)) throw new OutOfTimeError(`alert ${alert.id}`, budget.remainingMs());
    return this.underLease(alert, async (lease) => {
      const outcomes: AlertOutcome[] = [];
      const errors: unknown[] = [];
      const engine = this.options.correlations;
      if (engine) {
        const input = { rule: match.rule, record: match.record, accountId: match.accountId };
        // Resumed: the hits this event raised before come back, so none is lost with a dead run.
        const hits = await engine.observe(input, { reclaim: lease.resumed });
        // Each hit on its own: one that fails never keeps the next from going out.
        for (const hit of hits) {
          await this.collect(outcomes, errors, () => this.correlationOutcome(hit, alert, effective, budget));
        }
      }
      if (!engine || engine.generates(match.rule)) {
        // A GuardDuty finding's cooldown is its own: repeats of it are counted, other findings go out.
        const groupActor = match.guardDuty ? guardDutyTarget(match.guardDuty).key : actor.id;
        await this.collect(outcomes, errors, () => this.deliver(alert, effective, groupActor, budget));
        if (errors.length === 0 && alerted)
          await this.quietly(() => alerted.remember(alert.id, alert.time, match.hunt?.id));
      }
      if (errors.length === 1) throw errors[0];
      if (errors.length > 1)
        throw new AggregateError(
          errors,
          errors.map((e) => (e instanceof Error ? e.message : String(e))).join('; '),
        );
      return outcomes;
    });
  }

  private async collect(
    outcomes: AlertOutcome[],
    errors: unknown[],
    work: () => Promise<AlertOutcome[]>,
  ): Promise<void> {
    try {
      outcomes.push(...(await work()));
    } catch (err) {
      errors.push(err);
    }
  }

  /** Delivers under the lease of `alert.id` (see leased-delivery.ts). */
  private underLease(
    alert: Alert,
    work: (lease: HeldLease) => Promise<AlertOutcome[]>,
  ): Promise<AlertOutcome[]> {
    return underLease(this.options.ledger, this.counters, alert, work);
  }

  /** A state write that delivery does not depend on: counted when it fails, never thrown. */
  private quietly(write: () => Promise<void>): Promise<void> {
    return quietly(this.counters, write);
  }

  private exceptionFor(
    rule: RuleMeta,
    record: CloudTrailRecord,
    actor: Actor,
    effective: EffectiveConfig,
  ): string | undefined {
    // Judged at the event's time: a replay after an exception expired still excepts its events.
    const found = findException({ rule, record, actor }, effective.exceptions, judgedAt(record, this.now()));
    if (found) return exceptionLabel(found);
    for (const filter of this.options.filters ?? []) {
      if (appliesTo(filter.rules, rule) && !filter.keep(record))
        return `filter: ${filter.meta.title} (${filter.meta.file})`;
    }
    return undefined;
  }

  /** An event from before the delivery leases' memory (a replay of an old object). */
  private olderThanLeases(eventTime: string): boolean {
    const t = Date.parse(eventTime);
    return Number.isFinite(t) && t < this.now().getTime() - DEDUPE_TTL_SECONDS * 1000;
  }

  private eventAlert(match: Match, actor: Actor, account: Alert['account']): Alert {
    const r = match.record;
    const eventId = text(r.eventID) ?? `${match.source.file}#${match.source.index}`;
    return {
      id: eventAlertId(ruleIdentity(match.rule), eventId),
      kind: 'event',
      rule: match.rule,
      level: match.rule.level,
      time: text(r.eventTime) ?? this.now().toISOString(),
      account,
      actor,
      region: text(r.awsRegion),
      sourceIPAddress: text(r.sourceIPAddress),
      userAgent: text(r.userAgent),
      eventName: text(r.eventName),
      eventSource: text(r.eventSource),
      eventID: text(r.eventID),
      errorCode: text(r.errorCode),
      errorMessage: text(r.errorMessage),
      requestParameters: r.requestParameters,
      event: r,
      target: match.guardDuty ? guardDutyTarget(match.guardDuty) : targetOf(r),
      source: match.source,
      ...(match.guardDuty ? { guardDuty: match.guardDuty } : {}),
      ...(match.hunt ? { hunt: { id: match.hunt.id } } : {}),
    };
  }

  private async correlationOutcome(
    hit: CorrelationHit,
    last: Alert,
    effective: EffectiveConfig,
    budget: TimeBudget,
  ): Promise<AlertOutcome[]> {
    this.counters.correlations++;
    const meta = hit.correlation.meta;
    const alert: Alert = {
      ...last,
      id: hit.id,
      kind: 'correlation',
      rule: meta,
      level: meta.level as Level,
      time: hit.time,
      correlation: {
        type: hit.correlation.type,
        groupBy: hit.groupBy,
        value: hit.value,
        // value_count / value_sum: the distinct values counted, so the alert can list them.
        ...(hit.values ? { values: [...hit.values] } : {}),
        events: hit.events,
      },
      target: correlationTarget(hit.groupBy, hit.values),
    };
    // The hit's own lease: its window stays claimed by the event, which raises it again on retry.
    return this.underLease(alert, () => this.deliver(alert, effective, last.actor.id, budget));
  }

  /** Grouping → enrichment → routing → send. */
  private async deliver(
    alert: Alert,
    effective: EffectiveConfig,
    actorId: string,
    budget: TimeBudget,
  ): Promise<AlertOutcome[]> {
    const key = { ruleId: ruleIdentity(alert.rule), accountId: alert.account.id, actorId };
    const decision = await this.options.grouping.decide(key, alert, effective.cooldownSeconds);
    if (decision.kind === 'repeat') {
      this.counters.suppressed++;
      return [{ kind: 'suppressed', alert, until: decision.until }];
    }
    if (decision.kind === 'fold') {
      this.counters.folded++;
      return decision.full ? [await this.sendDigest(decision.full, budget)] : [];
    }
    const carried = decision.carried;
    if (carried) alert.digest = digestView(carried.digest, false);
    let outcome: AlertOutcome;
    try {
      outcome = await this.send(alert, effective.routes, budget);
    } catch (err) {
      // Due again, so it is never lost; the retry of this alert carries it again (same receipts).
      if (carried) await this.quietly(() => this.options.grouping.settle(carried, false));
      throw err;
    }
    // Delivered, or unrouted like its carrier: the digest is done either way. A settle that fails
    // fails the alert, whose retry carries the digest again and finds every receipt.
    if (carried) await this.options.grouping.settle(carried, true);
    return [outcome];
  }

  /**
   * Sends the digests that are due (their window closed, or a send to retry), each on its own:
   * the scheduled invocation of the processor, and `scan` at its end (`all`). A failed send stays
   * due and is tried again by the next flush; it is reported, never dropped.
   */
  async flushDigests(options: FlushOptions = {}): Promise<FlushResult> {
    const result: FlushResult = { outcomes: [], failures: [] };
    const limit = options.limit ?? 100;
    const untilMs = options.all ? Number.MAX_SAFE_INTEGER : this.now().getTime();
    // Each key once per flush: a send that fails stays due for the next flush, not this one.
    const done = new Set<string>();
    for (;;) {
      const listed = await this.options.grouping.due(untilMs, limit + done.size);
      const fresh = listed.filter((item) => !done.has(item.key));
      if (fresh.length === 0) break;
      for (const item of fresh) {
        if (options.stop?.()) return result;
        if (!done.has(item.key)) {
          done.add(item.key);
          for (const claimed of await this.options.grouping.claimDue(item, options.all)) {
            try {
              result.outcomes.push(await this.sendDigest(claimed, options.budget ?? UNLIMITED));
            } catch (err) {
              result.failures.push({
                digest: claimed.digest.id,
                error: err instanceof Error ? err.message : String(err),
              });
            }
          }
        }
        await this.options.grouping.forgetDue(item);
      }
      if (!options.all) break;
    }
    return result;
  }

  /** A digest on its own: the last folded alert, its account as known now, and every entry. */
  private async sendDigest(claimed: ClaimedDigest, budget: TimeBudget): Promise<AlertOutcome> {
    const account = await this.options.directory.resolve(claimed.key.accountId);
    const effective = this.options.policy.forAccount(account);
    const alert = standaloneDigestAlert(claimed, account, this.now());
    try {
      const outcome = await this.send(alert, effective.routes, budget);
      this.counters.digests++;
      await this.options.grouping.settle(claimed, true);
      return outcome;
    } catch (err) {
      // Due again at once; if even that write fails, the digest's lease runs out and it is due then.
      await this.quietly(() => this.options.grouping.settle(claimed, false));
      throw err;
    }
  }

  /**
   * Enrichment → routing → send to every destination at once (those with a receipt are skipped);
   * throws when any send failed.
   */
  private async send(
    alert: Alert,
    routes: EffectiveConfig['routes'],
    budget: TimeBudget,
  ): Promise<AlertOutcome> {
    if (alert.sourceIPAddress && this.options.ipContext) {
      alert.ipContext = await this.options.ipContext.lookup(alert.sourceIPAddress);
    }
    const names = routeAlert(alert, routes);
    if (names.length === 0) {
      this.counters.unrouted++;
      return { kind: 'unrouted', alert };
    }
    const { destinations, sender, receipts } = this.options;
    // Receipts name the notification: the alert with what it carries.
    const errors = await sendToDestinations(
      alert,
      notificationId(alert),
      names,
      { destinations, sender, receipts, budget },
      this.counters,
    );
    if (errors.length > 0) {
      this.counters.sendFailures += errors.length;
      throw new AggregateError(
        errors,
        `alert ${alert.id}: ${errors.length} of ${names.length} sends failed (${errors.map((e) => e.message).join('; ')})`,
      );
    }
    this.counters.sent++;
    return { kind: 'sent', alert, destinations: names };
  }
}

/** Whether a filter's `rules` list names this rule (by id, name or title); an empty list names all. */
function appliesTo(names: string[], rule: RuleMeta): boolean {
  if (names.length === 0) return true;
  return names.some((n) => n === rule.id || n === rule.name || n === rule.title);
}
