/**
 * Generic JSON alert (webhook `format: json`, the outbox `.json` file). A stable, documented schema,
 * `schemaVersion: 1`; fields are added, never renamed or removed, within a version:
 *
 *   schemaVersion 1 · id · kind 'event'|'correlation' · level · time (event time, as given)
 *   rule { id, title, tags[] }
 *   account { id, name, ouPath, known }
 *   actor { type, id, display, roleArn?, sessionArn?, userName?, invokedBy? }
 *   target? { key, label } (what the call acted on)
 *   region? · sourceIPAddress? · userAgent? · ipContext? { ip, vpn?, proxy?, tor?, relay?, country?, countryCode?, city?, asn?, isp? }
 *   eventName? · eventSource? · eventID? · errorCode? · errorMessage?
 *   consoleUrl? (only when region and eventID validate)
 *   correlation? { type, groupBy {…}, value?, values? [the distinct values counted, value_count / value_sum],
 *                  valuesOmitted?, events [{ eventID?, eventTime?, eventName?, eventSource?,
 *                  sourceIPAddress?, actor?, accountId?, ruleTitle? }], eventsOmitted? }
 *   digest? { since, until, repeats, standalone, entries [{ time, eventID?, eventName?, target, alertId }],
 *             entriesOmitted? } (several targets of one rule, account and actor in one notification)
 *   suppressedSince? { count, since }
 *   guardDuty? { findingId, type, severity, severityLabel, count, title?, description?, firstSeen?,
 *                lastSeen?, resourceType?, resource?, findingArn?, consoleUrl? } (a GuardDuty finding's alert)
 *   event? (the raw CloudTrail record; only with `includeEvent`)
 *
 * Strings are the event's own text (not defanged: this output is for machines) with invisible and
 * format characters made visible (`\uXXXX`, `\u{XXXXX}`) and lengths capped; times as the event
 * wrote them (ISO 8601). The consumer escapes for its own context. Absent values are left out.
 */
import type { Alert } from '../alerts';
import { cloudTrailEventUrl } from './links';
import { alertFacts } from './alert-facts';
import { guardDutyView } from './render-guardduty';
import { cleanBlock, cleanLine } from './sanitize';

export const JSON_SCHEMA_VERSION = 1;

export interface JsonRenderOptions {
  /** Include the raw event (it can be large and holds every attacker-controlled value). */
  includeEvent?: boolean;
}

const opt = (value: unknown, max = 1000): string | undefined => {
  const text = cleanLine(value, max);
  return text === '' ? undefined : text;
};

const bool = (value: unknown): boolean | undefined => (typeof value === 'boolean' ? value : undefined);

/** The alert as a plain JSON-safe object following the schema above. */
export function renderJson(alert: Alert, options: JsonRenderOptions = {}): Record<string, unknown> {
  const f = alertFacts(alert, { audience: 'machines' });
  const actor = alert.actor;
  const ip = alert.ipContext;
  const c = alert.correlation;
  const doc: Record<string, unknown> = {
    schemaVersion: JSON_SCHEMA_VERSION,
    id: f.id,
    kind: f.kind,
    level: f.level,
    time: f.time,
    rule: {
      id: f.ruleId,
      title: f.title,
      tags: (Array.isArray(alert.rule?.tags) ? alert.rule.tags : [])
        .slice(0, 50)
        .map((t) => cleanLine(t, 200)),
    },
    account: { id: f.account.id, name: f.account.name, ouPath: f.account.ouPath, known: f.account.known },
    actor: {
      type: f.actorType,
      id: f.actorId,
      display: f.actor,
      roleArn: opt(actor?.roleArn),
      sessionArn: opt(actor?.sessionArn),
      userName: opt(actor?.userName),
      invokedBy: opt(actor?.invokedBy),
    },
    target:
      alert.target && typeof alert.target === 'object'
        ? { key: cleanLine(alert.target.key, 1000), label: cleanLine(alert.target.label, 1000) }
        : undefined,
    // Found by a retro-hunt, not the live pipeline: the event may be old.
    hunt: alert.hunt ? { id: cleanLine(alert.hunt.id, 80) } : undefined,
    region: f.region,
    sourceIPAddress: f.sourceIp,
    userAgent: f.userAgent,
    ipContext:
      ip && typeof ip === 'object'
        ? {
            ip: cleanLine(ip.ip, 128),
            vpn: bool(ip.vpn),
            proxy: bool(ip.proxy),
            tor: bool(ip.tor),
            relay: bool(ip.relay),
            country: opt(ip.country, 100),
            countryCode: opt(ip.countryCode, 8),
            city: opt(ip.city, 100),
            asn: opt(ip.asn, 100),
            isp: opt(ip.isp, 200),
          }
        : undefined,
    eventName: f.eventName,
    eventSource: f.eventSource,
    eventID: f.eventId,
    errorCode: f.errorCode,
    errorMessage: alert.errorMessage === undefined ? undefined : cleanBlock(alert.errorMessage, 2000),
    consoleUrl: cloudTrailEventUrl(alert.region, alert.eventID),
    correlation:
      f.correlation && c
        ? {
            type: f.correlation.type,
            groupBy: Object.fromEntries(f.correlation.groupBy),
            value: typeof c.value === 'number' && Number.isFinite(c.value) ? c.value : undefined,
            values: f.correlation.values.length ? f.correlation.values : undefined,
            valuesOmitted: f.correlation.valuesMore || undefined,
            events: f.correlation.events.map((e) => ({
              eventID: e.eventId || undefined,
              eventTime: e.time || undefined,
              eventName: e.eventName || undefined,
              eventSource: e.eventSource || undefined,
              sourceIPAddress: e.sourceIp || undefined,
              actor: e.actor || undefined,
              accountId: e.accountId || undefined,
              ruleTitle: e.ruleTitle || undefined,
            })),
            eventsOmitted: f.correlation.more || undefined,
          }
        : undefined,
    digest: f.digest
      ? {
          since: f.digest.since,
          until: f.digest.until,
          repeats: f.digest.repeats,
          standalone: f.digest.standalone,
          entries: f.digest.entries.map((e) => ({
            time: e.time,
            eventID: e.eventId || undefined,
            eventName: e.eventName || undefined,
            target: e.target,
            alertId: e.alertId,
          })),
          entriesOmitted: f.digest.more || undefined,
        }
      : undefined,
    suppressedSince: f.suppressed,
    guardDuty: guardDutyJson(alert),
  };
  if (options.includeEvent) doc.event = toJsonSafe(alert.event);
  // Round-trip: drops undefined members and guarantees the result serialises.
  return JSON.parse(JSON.stringify(doc)) as Record<string, unknown>;
}

/** A GuardDuty alert's finding facts, values as GuardDuty wrote them (made visible, capped). */
function guardDutyJson(alert: Alert): Record<string, unknown> | undefined {
  const g = alert.guardDuty;
  if (!g || typeof g !== 'object') return undefined;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  return {
    findingId: cleanLine(g.findingId, 128),
    type: cleanLine(g.type, 200),
    severity: num(g.severity),
    severityLabel: opt(g.severityLabel, 32),
    count: num(g.count),
    title: opt(g.title, 2000),
    description: g.description === undefined ? undefined : cleanBlock(g.description, 4000),
    firstSeen: opt(g.firstSeen, 64),
    lastSeen: opt(g.lastSeen, 64),
    resourceType: opt(g.resourceType, 64),
    resource: opt(g.resource),
    findingArn: opt(g.findingArn),
    consoleUrl: guardDutyView(alert, 'machines')?.consoleUrl,
  };
}

/** A JSON-safe deep copy (cycles and BigInts replaced by markers). */
function toJsonSafe(value: unknown): unknown {
  const seen = new WeakSet<object>();
  try {
    return JSON.parse(
      JSON.stringify(value, (_k, v: unknown) => {
        if (typeof v === 'bigint') return v.toString();
        if (typeof v === 'object' && v !== null) {
          if (seen.has(v)) return '[circular]';
          seen.add(v);
        }
        return v;
      }) ?? 'null',
    ) as unknown;
  } catch {
    return '[unprintable value]';
  }
}

/** The JSON text of `renderJson`. */
export function renderJsonText(alert: Alert, options: JsonRenderOptions = {}): string {
  return JSON.stringify(renderJson(alert, options), null, 2);
}
