/**
 * The PagerDuty Events API v2 `trigger` for an alert, without its routing key (the notifier adds
 * it; the outbox writes the event as it is here). Built from the alert's facts: event values are
 * inert, defanged and capped, and each sits in a string of a fixed shape, so no event text can
 * add a field or change one. Links are only the validated CloudTrail and ATT&CK URLs (links.ts).
 *
 *   dedup_key      trailalerts-<incident key>: rule, account, actor and target (incident-key.ts)
 *   payload        summary (the headline), source (the account), severity (from the level),
 *                  timestamp (event time), component (event source), group (OU path),
 *                  class (event name, or the correlation type), custom_details (the facts)
 *   links          the CloudTrail event, the ATT&CK techniques
 */
import type { Alert } from '../alerts';
import type { Level } from '../core';
import { alertFacts, headline, type AlertFacts } from './alert-facts';
import { CORRELATION_COLUMNS, DIGEST_COLUMNS, rowText } from './event-columns';
import { incidentKey } from './incident-key';
import { correlationSummary, digestSummary, groupSummary } from './phrases';
import { huntNote } from './render-text';
import { cleanLine, truncate } from './sanitize';
import { isoTime } from './time';

/** The only address events are sent to: PagerDuty's events host, over https. */
export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';
/** The events host of accounts in PagerDuty's EU service region. */
export const PAGERDUTY_EU_EVENTS_URL = 'https://events.eu.pagerduty.com/v2/enqueue';

/** Where a destination's events go: its service region's events host, and nowhere else. */
export function pagerDutyEventsUrl(serviceRegion: 'us' | 'eu' | undefined): string {
  return serviceRegion === 'eu' ? PAGERDUTY_EU_EVENTS_URL : PAGERDUTY_EVENTS_URL;
}

export type PagerDutySeverity = 'critical' | 'error' | 'warning' | 'info';

export const PAGERDUTY_SEVERITY: Record<Level, PagerDutySeverity> = {
  critical: 'critical',
  high: 'error',
  medium: 'warning',
  low: 'info',
  informational: 'info',
};

/** Rows listed in custom_details; the rest are counted. */
const MAX_ROWS = 20;

export interface PagerDutyEvent {
  event_action: 'trigger';
  dedup_key: string;
  client: string;
  payload: {
    summary: string;
    source: string;
    severity: PagerDutySeverity;
    timestamp?: string;
    component?: string;
    group?: string;
    class?: string;
    custom_details: Record<string, unknown>;
  };
  links?: { href: string; text: string }[];
}

function summaryOf(f: AlertFacts, hunt: boolean): string {
  const extra = f.digest?.standalone
    ? ` [digest: ${f.digest.entries.length + f.digest.more} targets]`
    : f.correlation
      ? ` [correlation: ${f.correlation.events.length + f.correlation.more} events]`
      : '';
  return truncate(`${hunt ? '[retro-hunt] ' : ''}${headline(f)}${extra}`, 1024);
}

function details(f: AlertFacts): Record<string, unknown> {
  const d: Record<string, unknown> = {
    alert_id: f.id,
    level: f.level,
    rule: `${f.title} (${f.ruleId})`,
    account_name: f.account.name,
    account_id: f.account.id,
    ou_path: f.account.ouPath,
    account_known: f.account.known,
    actor: `${f.actor} [${f.actorType}]`,
    actor_id: f.actorId || undefined,
    target: f.target,
    event:
      f.eventName && f.eventSource ? `${f.eventName} (${f.eventSource})` : (f.eventName ?? f.eventSource),
    event_id: f.eventId,
    event_time: f.time,
    region: f.region,
    source_ip: f.sourceIp,
    ip_context: f.ipContext,
    user_agent: f.userAgent,
    error_code: f.errorCode,
    attack: f.attack.length ? f.attack.map((t) => t.id).join(', ') : undefined,
  };
  if (f.correlation) {
    const c = f.correlation;
    const rows = c.events.slice(0, MAX_ROWS);
    d.correlation = {
      summary: correlationSummary(c),
      group: groupSummary(c) || undefined,
      values: c.values.length ? c.values.slice(0, MAX_ROWS) : undefined,
      events: rows.map((e) => rowText(e, CORRELATION_COLUMNS)),
      events_not_listed: c.more + (c.events.length - rows.length) || undefined,
    };
  }
  if (f.digest) {
    const g = f.digest;
    const rows = g.entries.slice(0, MAX_ROWS);
    d.digest = {
      summary: digestSummary(g),
      targets: rows.map((e) => rowText(e, DIGEST_COLUMNS)),
      targets_not_listed: g.more + (g.entries.length - rows.length) || undefined,
      exact_repeats: g.repeats,
    };
  }
  return d;
}

/** The event PagerDuty receives, less `routing_key`. */
export function pagerDutyEvent(alert: Alert): PagerDutyEvent {
  const f = alertFacts(alert);
  const links = [
    ...(f.consoleUrl ? [{ href: f.consoleUrl, text: 'CloudTrail event' }] : []),
    ...f.attack.slice(0, 10).map((t) => ({ href: t.url, text: `MITRE ATT&CK ${t.id}` })),
  ];
  const event: PagerDutyEvent = {
    event_action: 'trigger',
    dedup_key: `trailalerts-${incidentKey(alert)}`,
    client: 'TrailAlerts',
    payload: {
      summary: summaryOf(f, alert.hunt !== undefined),
      source: truncate(f.account.label, 255),
      severity: PAGERDUTY_SEVERITY[f.level],
      timestamp: isoTime(alert.time),
      component: f.eventSource ? truncate(f.eventSource, 255) : undefined,
      group: truncate(f.account.ouPath, 255),
      class: truncate(f.correlation ? `correlation ${f.correlation.type}` : (f.eventName ?? f.kind), 255),
      custom_details: { ...details(f), retro_hunt: cleanLine(huntNote(alert), 300) || undefined },
    },
    ...(links.length ? { links } : {}),
  };
  // Round-trip: drops undefined members, as the request body would.
  return JSON.parse(JSON.stringify(event)) as PagerDutyEvent;
}
