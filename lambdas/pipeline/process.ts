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
 */
import { actorOf } from '../cloudtrail/actor';
import { targetOf } from '../cloudtrail/target';
import type { Actor } from '../cloudtrail/types';
import type { Alert, AlertOutcome, EventSummary, IpContext, Match } from '../alerts/alert';
import { correlationTarget } from '../alerts/correlation-target';
import { eventAlertId, type Deduper } from '../alerts/dedupe';
import { notificationId, standaloneDigestAlert } from '../alerts/digest-alert';
import type { ClaimedDigest, Grouping } from '../alerts/grouping';
import { digestView } from '../alerts/grouping-state';
import { exceptionLabel, findException } from '../alerts/exceptions';
import { routeAlert } from '../alerts/routing';
import type { CorrelationEngine, CorrelationHit } from '../sigma/correlate/engine';
import type { AccountDirectory } from '../org/directory';
import type { EffectiveConfig, OrgPolicy } from '../org/effective';
import type { CloudTrailRecord, FilterRuleModel, Level, RuleMeta } from '../sigma/model';
import type { NamedDestination } from '../notify/destination';

/** Sends one alert to one destination (SES, SNS, webhook, or the local outbox). */
export interface AlertSender {
  send(alert: Alert, destination: NamedDestination): Promise<void>;
}

/** Looks up IP context; resolves undefined when not applicable or on failure (never throws). */
export interface IpContextLookup {
  lookup(ip: string): Promise<IpContext | undefined>;
}

export interface ProcessorOptions {
  directory: AccountDirectory;
  policy: OrgPolicy;
  deduper: Deduper;
  grouping: Grouping;
  correlations?: CorrelationEngine;
  /** Sigma filter documents: applied like exceptions, and counted as such. */
  filters?: FilterRuleModel[];
  ipContext?: IpContextLookup;
  destinations: Map<string, NamedDestination>;
  sender: AlertSender;
  now?: () => Date;
}

/** Counters for scan output and metrics. */
export interface ProcessorCounters {
  matches: number;
  sent: number;
  excepted: number;
  duplicate: number;
  suppressed: number;
  unrouted: number;
  correlations: number;
  sendFailures: number;
  /** Alerts folded into a digest (each reaches its destinations inside one). */
  folded: number;
  /** Digests handled on their own, window closed or full (sent, or unrouted like their alerts). */
  digests: number;
}

export function emptyCounters(): ProcessorCounters {
  return {
    matches: 0,
    sent: 0,
    excepted: 0,
    duplicate: 0,
    suppressed: 0,
    unrouted: 0,
    correlations: 0,
    sendFailures: 0,
    folded: 0,
    digests: 0,
  };
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
}

export function summarizeEvent(record: CloudTrailRecord, actor?: Actor, ruleTitle?: string): EventSummary {
  return {
    eventID: text(record.eventID),
    eventTime: text(record.eventTime),
    eventName: text(record.eventName),
    eventSource: text(record.eventSource),
    sourceIPAddress: text(record.sourceIPAddress),
    actor: (actor ?? actorOf(record)).display,
    accountId: text(record.recipientAccountId),
    ruleTitle,
  };
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
   */
  async process(match: Match): Promise<AlertOutcome[]> {
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
    if (!(await this.options.deduper.firstSeen(alert.id))) {
      this.counters.duplicate++;
      return [{ kind: 'duplicate', alert }];
    }

    const outcomes: AlertOutcome[] = [];
    const engine = this.options.correlations;
    try {
      if (engine) {
        const hits = await engine.observe({
          rule: match.rule,
          record: match.record,
          accountId: match.accountId,
        });
        for (const hit of hits) outcomes.push(...(await this.correlationOutcome(hit, alert, effective)));
      }
      if (!engine || engine.generates(match.rule)) {
        outcomes.push(...(await this.deliver(alert, effective, actor.id)));
      }
    } catch (err) {
      // The match will be retried (SQS redelivery): forget its alert id so the retry reaches the
      // correlation engine and the notifiers again (at-least-once, never lost).
      await this.options.deduper.release(alert.id);
      throw err;
    }
    return outcomes;
  }

  private exceptionFor(
    rule: RuleMeta,
    record: CloudTrailRecord,
    actor: Actor,
    effective: EffectiveConfig,
  ): string | undefined {
    const found = findException({ rule, record, actor }, effective.exceptions, this.now());
    if (found) return exceptionLabel(found);
    for (const filter of this.options.filters ?? []) {
      if (appliesTo(filter.rules, rule) && !filter.keep(record))
        return `filter: ${filter.meta.title} (${filter.meta.file})`;
    }
    return undefined;
  }

  private eventAlert(match: Match, actor: Actor, account: Alert['account']): Alert {
    const r = match.record;
    const eventId = text(r.eventID) ?? `${match.source.file}#${match.source.index}`;
    return {
      id: eventAlertId(match.rule.id, eventId),
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
      target: targetOf(r),
      source: match.source,
    };
  }

  private async correlationOutcome(
    hit: CorrelationHit,
    last: Alert,
    effective: EffectiveConfig,
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
    if (!(await this.options.deduper.firstSeen(alert.id))) {
      this.counters.duplicate++;
      return [{ kind: 'duplicate', alert }];
    }
    try {
      return await this.deliver(alert, effective, last.actor.id);
    } catch (err) {
      // Re-arm the window so that the retry raises the same correlation alert again.
      await this.options.correlations?.release(hit.id);
      throw err;
    }
  }

  /** Grouping → enrichment → routing → send. */
  private async deliver(alert: Alert, effective: EffectiveConfig, actorId: string): Promise<AlertOutcome[]> {
    const key = { ruleId: alert.rule.id, accountId: alert.account.id, actorId };
    const decision = await this.options.grouping.decide(key, alert, effective.cooldownSeconds);
    if (decision.kind === 'repeat') {
      this.counters.suppressed++;
      return [{ kind: 'suppressed', alert, until: decision.until }];
    }
    if (decision.kind === 'fold') {
      this.counters.folded++;
      return decision.full ? [await this.sendDigest(decision.full)] : [];
    }
    const carried = decision.carried;
    if (carried) alert.digest = digestView(carried.digest, false);
    let outcome: AlertOutcome;
    try {
      outcome = await this.send(alert, effective.routes);
    } catch (err) {
      // The match is retried (SQS): its alert id is released so the retry gets through dedupe, and
      // the digest it carried is due again, so it is never lost (the retry carries it again).
      await this.options.deduper.release(alert.id);
      if (carried) await this.options.grouping.settle(carried, false);
      throw err;
    }
    // Delivered, or unrouted like its carrier: the digest is done either way.
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
              result.outcomes.push(await this.sendDigest(claimed));
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
  private async sendDigest(claimed: ClaimedDigest): Promise<AlertOutcome> {
    const account = await this.options.directory.resolve(claimed.key.accountId);
    const effective = this.options.policy.forAccount(account);
    const alert = standaloneDigestAlert(claimed, account, this.now());
    try {
      const outcome = await this.send(alert, effective.routes);
      this.counters.digests++;
      await this.options.grouping.settle(claimed, true);
      return outcome;
    } catch (err) {
      await this.options.grouping.settle(claimed, false);
      throw err;
    }
  }

  /** Enrichment → routing → send to every destination; throws when any send failed. */
  private async send(alert: Alert, routes: EffectiveConfig['routes']): Promise<AlertOutcome> {
    if (alert.sourceIPAddress && this.options.ipContext) {
      alert.ipContext = await this.options.ipContext.lookup(alert.sourceIPAddress);
    }
    const names = routeAlert(alert, routes);
    if (names.length === 0) {
      this.counters.unrouted++;
      return { kind: 'unrouted', alert };
    }
    // Delivery receipts name the notification: the alert with what it carries.
    const receipt = notificationId(alert);
    const errors: unknown[] = [];
    for (const name of names) {
      const destination = this.options.destinations.get(name);
      if (!destination) {
        errors.push(new Error(`route names unknown destination "${name}"`));
        continue;
      }
      try {
        if (await this.options.deduper.delivered(receipt, name)) continue;
        await this.options.sender.send(alert, destination);
        await this.options.deduper.recordDelivery(receipt, name);
      } catch (err) {
        this.counters.sendFailures++;
        errors.push(
          new Error(`${name}: ${err instanceof Error ? err.message : String(err)}`, { cause: err }),
        );
      }
    }
    if (errors.length > 0) {
      throw new AggregateError(
        errors,
        `alert ${alert.id}: ${errors.length} of ${names.length} sends failed (${errors.map((e) => (e as Error).message).join('; ')})`,
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
