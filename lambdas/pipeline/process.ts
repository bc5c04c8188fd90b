/**
 * The processor core: a match in, the alerts that go out (or the reason they do not).
 * Order (issue 5): exceptions → dedupe → correlation → cooldown → enrichment → routing → notify.
 * Shared by the processor Lambda and `trailalerts scan`, so a scan shows what production sends.
 */
import { actorOf } from '../cloudtrail/actor';
import type { Actor } from '../cloudtrail/types';
import type { Alert, AlertOutcome, EventSummary, IpContext, Match } from '../alerts/alert';
import type { Cooldown } from '../alerts/cooldown';
import { eventAlertId, type Deduper } from '../alerts/dedupe';
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
  cooldown: Cooldown;
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
  };
}

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

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

  /** Processes one match; returns one outcome per alert it produced (event alert and correlation alerts). */
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
        for (const hit of hits) outcomes.push(await this.correlationOutcome(hit, alert, effective));
      }
      if (!engine || engine.generates(match.rule)) {
        outcomes.push(await this.deliver(alert, effective, actor.id));
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
      source: match.source,
    };
  }

  private async correlationOutcome(
    hit: CorrelationHit,
    last: Alert,
    effective: EffectiveConfig,
  ): Promise<AlertOutcome> {
    this.counters.correlations++;
    const meta = hit.correlation.meta;
    const alert: Alert = {
      ...last,
      id: hit.id,
      kind: 'correlation',
      rule: meta,
      level: meta.level as Level,
      time: hit.time,
      correlation: { type: hit.correlation.type, groupBy: hit.groupBy, value: hit.value, events: hit.events },
    };
    if (!(await this.options.deduper.firstSeen(alert.id))) {
      this.counters.duplicate++;
      return { kind: 'duplicate', alert };
    }
    try {
      return await this.deliver(alert, effective, last.actor.id);
    } catch (err) {
      // Re-arm the window so that the retry raises the same correlation alert again.
      await this.options.correlations?.release(hit.id);
      throw err;
    }
  }

  /** Cooldown → enrichment → routing → send. */
  private async deliver(alert: Alert, effective: EffectiveConfig, actorId: string): Promise<AlertOutcome> {
    const cooldown = await this.options.cooldown.check(
      { ruleId: alert.rule.id, accountId: alert.account.id, actorId },
      alert.time,
      effective.cooldownSeconds,
      alert.id,
    );
    if (!cooldown.allowed) {
      this.counters.suppressed++;
      return { kind: 'suppressed', alert, until: cooldown.until };
    }
    if (cooldown.suppressedSince) alert.suppressedSince = cooldown.suppressedSince;
    if (alert.sourceIPAddress && this.options.ipContext) {
      alert.ipContext = await this.options.ipContext.lookup(alert.sourceIPAddress);
    }
    const names = routeAlert(alert, effective.routes);
    if (names.length === 0) {
      this.counters.unrouted++;
      return { kind: 'unrouted', alert };
    }
    const errors: unknown[] = [];
    for (const name of names) {
      const destination = this.options.destinations.get(name);
      if (!destination) {
        errors.push(new Error(`route names unknown destination "${name}"`));
        continue;
      }
      try {
        if (await this.options.deduper.delivered(alert.id, name)) continue;
        await this.options.sender.send(alert, destination);
        await this.options.deduper.recordDelivery(alert.id, name);
      } catch (err) {
        this.counters.sendFailures++;
        errors.push(
          new Error(`${name}: ${err instanceof Error ? err.message : String(err)}`, { cause: err }),
        );
      }
    }
    // A failed send must not be lost: the caller (SQS batch item) retries the match, and the
    // deduper would drop the retry, so the alert id is released before rethrowing.
    if (errors.length > 0) {
      await this.options.deduper.release(alert.id);
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
