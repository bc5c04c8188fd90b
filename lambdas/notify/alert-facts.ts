/**
 * One cleaned view of an alert that every renderer shares, so that all outputs state the same
 * facts. Every string here is inert (controls and bidi characters made visible, lengths capped)
 * but not yet escaped: each renderer escapes for its own syntax (HTML, mrkdwn, Markdown, MIME).
 */
import type { Alert } from '../alerts/alert';
import { LEVELS, type Level } from '../sigma/model';
import { attackTechnique, cloudTrailEventUrl, type AttackTechnique } from './links';
import { cleanBlock, cleanLine, headerSafe, prettyJson } from './sanitize';

/** Limits on what a notification carries. */
export const LIMITS = {
  line: 1000,
  description: 4000,
  errorMessage: 2000,
  requestParameters: 4096,
  rawEvent: 65536,
  correlatedEvents: 50,
} as const;

export interface EventRow {
  time: string;
  eventName: string;
  eventSource: string;
  actor: string;
  sourceIp: string;
  accountId: string;
  eventId: string;
  ruleTitle: string;
}

export interface AlertFacts {
  id: string;
  kind: 'event' | 'correlation';
  level: Level;
  title: string;
  description?: string;
  ruleId: string;
  ruleFile: string;
  /** Tags that name an ATT&CK technique, with their URL built from the parsed number. */
  attack: (AttackTechnique & { tag: string })[];
  /** All other tags, as text. */
  otherTags: string[];
  account: { id: string; name: string; ouPath: string; known: boolean };
  actor: string;
  actorType: string;
  actorId: string;
  sourceIp?: string;
  /** `VPN, Tor · Berlin, Germany (DE) · AS3320 Deutsche Telekom`. */
  ipContext?: string;
  userAgent?: string;
  region?: string;
  time: string;
  eventName?: string;
  eventSource?: string;
  eventId?: string;
  errorCode?: string;
  errorMessage?: string;
  requestParameters?: string;
  /** Only when region and event ID validate. */
  consoleUrl?: string;
  correlation?: {
    type: string;
    value?: string;
    groupBy: [string, string][];
    events: EventRow[];
    /** Events left out of `events` beyond the cap. */
    more: number;
  };
  suppressed?: { count: number; since: string };
  rawEvent: string;
}

const optional = (value: unknown, max: number = LIMITS.line): string | undefined => {
  const text = cleanLine(value, max);
  return text === '' ? undefined : text;
};

const safeLevel = (value: unknown): Level =>
  (LEVELS as readonly unknown[]).includes(value) ? (value as Level) : 'informational';

function describeIpContext(alert: Alert): string | undefined {
  const ctx = alert.ipContext;
  if (!ctx || typeof ctx !== 'object') return undefined;
  const flags = [
    ctx.vpn === true && 'VPN',
    ctx.proxy === true && 'proxy',
    ctx.tor === true && 'Tor',
    ctx.relay === true && 'relay',
  ].filter((f): f is string => typeof f === 'string');
  const place = [ctx.city, ctx.country]
    .map((v) => cleanLine(v, 100))
    .filter(Boolean)
    .join(', ');
  const code = cleanLine(ctx.countryCode, 8);
  const location = place ? (code ? `${place} (${code})` : place) : code;
  const network = [ctx.asn, ctx.isp]
    .map((v) => cleanLine(v, 200))
    .filter(Boolean)
    .join(' ');
  const parts = [flags.join(', '), location, network].filter(Boolean);
  return parts.length ? parts.join(' · ') : undefined;
}

function describeCorrelation(alert: Alert): AlertFacts['correlation'] {
  const c = alert.correlation;
  if (!c || typeof c !== 'object') return undefined;
  const events = Array.isArray(c.events) ? c.events : [];
  const rows = events.slice(0, LIMITS.correlatedEvents).map((e): EventRow => ({
    time: cleanLine(e?.eventTime, 64),
    eventName: cleanLine(e?.eventName, 128),
    eventSource: cleanLine(e?.eventSource, 128),
    actor: cleanLine(e?.actor, 300),
    sourceIp: cleanLine(e?.sourceIPAddress, 128),
    accountId: cleanLine(e?.accountId, 32),
    eventId: cleanLine(e?.eventID, 128),
    ruleTitle: cleanLine(e?.ruleTitle, 300),
  }));
  const groupBy = Object.entries(c.groupBy && typeof c.groupBy === 'object' ? c.groupBy : {})
    .slice(0, 20)
    .map(([k, v]): [string, string] => [cleanLine(k, 128), cleanLine(v, 300)]);
  return {
    type: cleanLine(c.type, 64),
    value: typeof c.value === 'number' && Number.isFinite(c.value) ? String(c.value) : undefined,
    groupBy,
    events: rows,
    more: Math.max(0, events.length - rows.length),
  };
}

/** Builds the cleaned facts of an alert. Never throws on malformed event values. */
export function alertFacts(alert: Alert, options: { consoleBaseUrl?: string } = {}): AlertFacts {
  const tags = Array.isArray(alert.rule?.tags)
    ? alert.rule.tags.filter((t): t is string => typeof t === 'string')
    : [];
  const attack: AlertFacts['attack'] = [];
  const otherTags: string[] = [];
  for (const tag of tags.slice(0, 50)) {
    const technique = attackTechnique(tag);
    if (technique) attack.push({ ...technique, tag });
    else otherTags.push(cleanLine(tag, 200));
  }
  const account = alert.account ?? { id: '', name: '', ouPath: '/', known: false };
  const actor = alert.actor ?? { type: 'Unknown', id: '', identifiers: [], display: '' };
  const suppressed = alert.suppressedSince;
  const description = cleanBlock(alert.rule?.description, LIMITS.description);
  const errorMessage = cleanBlock(alert.errorMessage, LIMITS.errorMessage);
  return {
    id: cleanLine(alert.id, 200),
    kind: alert.kind === 'correlation' ? 'correlation' : 'event',
    level: safeLevel(alert.level),
    title: cleanLine(alert.rule?.title, 300) || '(untitled rule)',
    description: description || undefined,
    ruleId: cleanLine(alert.rule?.id, 200),
    ruleFile: cleanLine(alert.rule?.file, 500),
    attack,
    otherTags,
    account: {
      id: cleanLine(account.id, 32),
      name: cleanLine(account.name, 200) || cleanLine(account.id, 32),
      ouPath: cleanLine(account.ouPath, 500) || '/',
      known: account.known === true,
    },
    actor: cleanLine(actor.display || actor.id, LIMITS.line) || 'unknown',
    actorType: cleanLine(actor.type, 64) || 'Unknown',
    actorId: cleanLine(actor.id, LIMITS.line),
    sourceIp: optional(alert.sourceIPAddress, 256),
    ipContext: describeIpContext(alert),
    userAgent: optional(alert.userAgent),
    region: optional(alert.region, 64),
    time: cleanLine(alert.time, 64),
    eventName: optional(alert.eventName, 256),
    eventSource: optional(alert.eventSource, 256),
    eventId: optional(alert.eventID, 128),
    errorCode: optional(alert.errorCode, 256),
    errorMessage: errorMessage || undefined,
    requestParameters:
      alert.requestParameters === undefined || alert.requestParameters === null
        ? undefined
        : prettyJson(alert.requestParameters, LIMITS.requestParameters),
    consoleUrl: cloudTrailEventUrl(alert.region, alert.eventID, options.consoleBaseUrl),
    correlation: describeCorrelation(alert),
    suppressed:
      suppressed && typeof suppressed.count === 'number' && suppressed.count > 0
        ? { count: Math.floor(suppressed.count), since: cleanLine(suppressed.since, 64) }
        : undefined,
    rawEvent: prettyJson(alert.event, LIMITS.rawEvent),
  };
}

/** `[HIGH] title — account name (OU path)`: the headline every output uses (still unescaped). */
export function headline(facts: AlertFacts): string {
  return `[${facts.level.toUpperCase()}] ${facts.title} — ${facts.account.name} (${facts.account.ouPath})`;
}

/**
 * The same headline for a mail or SNS subject, built from the raw values with every control,
 * bidi and invisible character turned into a space (no CR/LF can survive) and capped at `max`.
 */
export function subjectLine(alert: Alert, max: number): string {
  const level = safeLevel(alert.level).toUpperCase();
  const title = headerSafe(alert.rule?.title, 150) || '(untitled rule)';
  const name = headerSafe(alert.account?.name, 80) || headerSafe(alert.account?.id, 32);
  const ou = headerSafe(alert.account?.ouPath, 120) || '/';
  return headerSafe(`[${level}] ${title} — ${name} (${ou})`, max);
}
