/**
 * One cleaned view of an alert that every renderer shares, so that all outputs state the same
 * facts. Every string here is inert (invisible and format characters made visible, lengths capped)
 * but not yet escaped: each renderer escapes for its own syntax (HTML, mrkdwn, Markdown, MIME).
 * For people (the default) event values are also defanged and times read `2026-11-20 10:07:02 UTC`;
 * for machines (the JSON webhook) they stay as the event wrote them.
 */
import type { Alert } from '../alerts';
import { LEVELS, type Level } from '../core';
import { defang } from './defang';
import { attackTechnique, cloudTrailEventUrl, type AttackTechnique } from './links';
import { asText, cleanBlock, cleanLine, escapeInvisible, headerSafe, prettyJson, truncate } from './sanitize';
import { displayTime } from './time';

/** Limits on what a notification carries. */
export const LIMITS = {
  line: 1000,
  description: 4000,
  errorMessage: 2000,
  requestParameters: 4096,
  rawEvent: 65536,
  correlatedEvents: 50,
  countedValues: 100,
  digestEntries: 100,
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

export interface DigestRow {
  time: string;
  eventName: string;
  target: string;
  eventId: string;
  alertId: string;
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
  /** `label`: `payments-prod (444455556666)`, or `123837392027 (unknown account)`. */
  account: { id: string; name: string; ouPath: string; known: boolean; label: string };
  actor: string;
  actorType: string;
  actorId: string;
  /** What the call acted on (resource ARNs, bucket, group and ports …). */
  target?: string;
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
    /** value_count / value_sum: the distinct values counted, capped. */
    values: string[];
    /** Counted values left out of `values` beyond the cap. */
    valuesMore: number;
    events: EventRow[];
    /** Events left out of `events` beyond the cap. */
    more: number;
  };
  /** Several targets of one (rule, account, actor) folded into this notification. */
  digest?: {
    since: string;
    until: string;
    entries: DigestRow[];
    /** Entries left out beyond the cap. */
    more: number;
    /** Exact repeats counted, not listed. */
    repeats: number;
    /** Sent on its own; otherwise an alert carries it and its entries are the alert's other targets. */
    standalone: boolean;
  };
  suppressed?: { count: number; since: string };
  rawEvent: string;
}

export interface AlertFactsOptions {
  consoleBaseUrl?: string;
  /** `people` (default): defanged values, one time format; `machines`: values as the event wrote them. */
  audience?: 'people' | 'machines';
}

/** How the facts builder turns event values into text, for people or for machines. */
interface Cleaner {
  line(value: unknown, max: number): string;
  block(value: unknown, max: number): string;
  time(value: unknown): string;
  json(value: unknown, max: number): string;
}

const MACHINES: Cleaner = {
  line: cleanLine,
  block: cleanBlock,
  time: (v) => cleanLine(v, 64),
  json: prettyJson,
};

// Defanged before the cap, so that a cut never lands inside a URL that was still live.
const PEOPLE: Cleaner = {
  line: (v, max) => truncate(defang(escapeInvisible(asText(v))), max),
  block: (v, max) => truncate(defang(escapeInvisible(asText(v), true)), max),
  time: (v) => defang(displayTime(v)),
  json: (v, max) => truncate(defang(prettyJson(v, Number.MAX_SAFE_INTEGER)), max),
};

const safeLevel = (value: unknown): Level =>
  (LEVELS as readonly unknown[]).includes(value) ? (value as Level) : 'informational';

/** Account text for people: an unknown account says so instead of repeating its id as its name. */
export function accountLabel(account: { id: string; name: string; known: boolean }): string {
  if (account.known) return `${account.name} (${account.id})`;
  const named = account.name !== '' && account.name !== account.id;
  return named ? `${account.name} (${account.id}, unknown account)` : `${account.id} (unknown account)`;
}

function describeIpContext(alert: Alert, clean: Cleaner): string | undefined {
  const ctx = alert.ipContext;
  if (!ctx || typeof ctx !== 'object') return undefined;
  const flags = [
    ctx.vpn === true && 'VPN',
    ctx.proxy === true && 'proxy',
    ctx.tor === true && 'Tor',
    ctx.relay === true && 'relay',
  ].filter((f): f is string => typeof f === 'string');
  const place = [ctx.city, ctx.country]
    .map((v) => clean.line(v, 100))
    .filter(Boolean)
    .join(', ');
  const code = clean.line(ctx.countryCode, 8);
  const location = place ? (code ? `${place} (${code})` : place) : code;
  const network = [ctx.asn, ctx.isp]
    .map((v) => clean.line(v, 200))
    .filter(Boolean)
    .join(' ');
  const parts = [flags.join(', '), location, network].filter(Boolean);
  return parts.length ? parts.join(' · ') : undefined;
}

function describeCorrelation(alert: Alert, clean: Cleaner): AlertFacts['correlation'] {
  const c = alert.correlation;
  if (!c || typeof c !== 'object') return undefined;
  const events = Array.isArray(c.events) ? c.events : [];
  const rows = events.slice(0, LIMITS.correlatedEvents).map((e): EventRow => ({
    time: clean.time(e?.eventTime),
    eventName: clean.line(e?.eventName, 128),
    eventSource: clean.line(e?.eventSource, 128),
    actor: clean.line(e?.actor, 300),
    sourceIp: clean.line(e?.sourceIPAddress, 128),
    accountId: clean.line(e?.accountId, 32),
    eventId: clean.line(e?.eventID, 128),
    ruleTitle: clean.line(e?.ruleTitle, 300),
  }));
  const groupBy = Object.entries(c.groupBy && typeof c.groupBy === 'object' ? c.groupBy : {})
    .slice(0, 20)
    // Group keys are the rule's field names (`userIdentity.arn`), not event values: never defanged.
    .map(([k, v]): [string, string] => [cleanLine(k, 128), clean.line(v, 300)]);
  const values = Array.isArray(c.values) ? c.values : [];
  return {
    type: clean.line(c.type, 64),
    value: typeof c.value === 'number' && Number.isFinite(c.value) ? String(c.value) : undefined,
    groupBy,
    values: values.slice(0, LIMITS.countedValues).map((v) => clean.line(v, 300)),
    valuesMore: Math.max(0, values.length - LIMITS.countedValues),
    events: rows,
    more: Math.max(0, events.length - rows.length),
  };
}

function describeDigest(alert: Alert, clean: Cleaner): AlertFacts['digest'] {
  const d = alert.digest;
  if (!d || typeof d !== 'object') return undefined;
  const entries = Array.isArray(d.entries) ? d.entries : [];
  return {
    since: clean.time(d.since),
    until: clean.time(d.until),
    entries: entries.slice(0, LIMITS.digestEntries).map((e): DigestRow => ({
      time: clean.time(e?.time),
      eventName: clean.line(e?.eventName, 128),
      target: clean.line(e?.target, 500),
      eventId: clean.line(e?.eventID, 128),
      alertId: clean.line(e?.alertId, 200),
    })),
    more: Math.max(0, entries.length - LIMITS.digestEntries),
    repeats: typeof d.repeats === 'number' && d.repeats > 0 ? Math.floor(d.repeats) : 0,
    standalone: (d as { standalone?: unknown }).standalone === true,
  };
}

/** Builds the cleaned facts of an alert. Never throws on malformed event values. */
export function alertFacts(alert: Alert, options: AlertFactsOptions = {}): AlertFacts {
  const clean = options.audience === 'machines' ? MACHINES : PEOPLE;
  const optional = (value: unknown, max: number = LIMITS.line): string | undefined =>
    clean.line(value, max) || undefined;
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
  // Rule text comes from the operator's rule files, not from events: it is cleaned, not defanged.
  const description = cleanBlock(alert.rule?.description, LIMITS.description);
  const errorMessage = clean.block(alert.errorMessage, LIMITS.errorMessage);
  const accountId = clean.line(account.id, 32);
  const accountFacts = {
    id: accountId,
    name: clean.line(account.name, 200) || accountId,
    ouPath: clean.line(account.ouPath, 500) || '/',
    known: account.known === true,
  };
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
    account: { ...accountFacts, label: accountLabel(accountFacts) },
    actor: clean.line(actor.display || actor.id, LIMITS.line) || 'unknown',
    actorType: clean.line(actor.type, 64) || 'Unknown',
    actorId: clean.line(actor.id, LIMITS.line),
    target: alert.target && typeof alert.target === 'object' ? optional(alert.target.label) : undefined,
    sourceIp: optional(alert.sourceIPAddress, 256),
    ipContext: describeIpContext(alert, clean),
    userAgent: optional(alert.userAgent),
    region: optional(alert.region, 64),
    time: clean.time(alert.time),
    eventName: optional(alert.eventName, 256),
    eventSource: optional(alert.eventSource, 256),
    eventId: optional(alert.eventID, 128),
    errorCode: optional(alert.errorCode, 256),
    errorMessage: errorMessage || undefined,
    requestParameters:
      alert.requestParameters === undefined || alert.requestParameters === null
        ? undefined
        : clean.json(alert.requestParameters, LIMITS.requestParameters),
    consoleUrl: cloudTrailEventUrl(alert.region, alert.eventID, options.consoleBaseUrl),
    correlation: describeCorrelation(alert, clean),
    digest: describeDigest(alert, clean),
    suppressed:
      suppressed && typeof suppressed.count === 'number' && suppressed.count > 0
        ? { count: Math.floor(suppressed.count), since: clean.time(suppressed.since) }
        : undefined,
    rawEvent: clean.json(alert.event, LIMITS.rawEvent),
  };
}

/** `[HIGH] title — account name (OU path)`, or `— 123837392027 (unknown account)`: the headline every output uses (still unescaped). */
export function headline(facts: AlertFacts): string {
  const where = facts.account.known ? `${facts.account.name} (${facts.account.ouPath})` : facts.account.label;
  return `[${facts.level.toUpperCase()}] ${facts.title} — ${where}`;
}

/**
 * The same headline for a mail or SNS subject, built from the raw values with every invisible or
 * format character turned into a space (no CR/LF can survive), account values defanged, capped at `max`.
 */
export function subjectLine(alert: Alert, max: number): string {
  const level = safeLevel(alert.level).toUpperCase();
  const title = headerSafe(alert.rule?.title, 150) || '(untitled rule)';
  const id = defang(headerSafe(alert.account?.id, 32));
  const name = defang(headerSafe(alert.account?.name, 80)) || id;
  const ou = defang(headerSafe(alert.account?.ouPath, 120)) || '/';
  const where = alert.account?.known === true ? `${name} (${ou})` : accountLabel({ id, name, known: false });
  return headerSafe(`[${level}] ${title} — ${where}`, max);
}
