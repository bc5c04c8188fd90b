/**
 * An alert as one AWS Security Finding Format finding, imported into the security account (the
 * caller: BatchImportFindings refuses other AwsAccountIds from anyone but allow-listed partners)
 * under its default product. The affected account, the actor and the target are Resources; the
 * account name and OU path are also ProductFields, so findings filter by them.
 *
 *   Id               trailalerts/<incident key>: rule, account, actor, target (incident-key.ts),
 *                    so a repeat updates the same finding; a digest has one per (rule, account, actor)
 *   GeneratorId      the rule id
 *   Types            TTPs/<tactic> from the rule's attack.<tactic> tags (TTPs when there is none)
 *   Severity         from the level, also in FindingProviderFields (which later imports update)
 *   SourceUrl        the CloudTrail event (only when region and event ID validate)
 *   ProductFields    trailalerts/…: the alert's facts, the count of events it stands for, the
 *                    correlation's members and the digest's targets. Not Note: after the first
 *                    import, Note and Workflow belong to the analyst and imports cannot change them.
 *
 * Every event value is inert, defanged and capped to the field's documented limit (asff.ts).
 */
import type { Alert } from '../alerts';
import { ACCOUNT_ID, type Level } from '../core';
import { alertFacts, type AlertFacts } from './alert-facts';
import {
  ASFF_LIMITS,
  ASFF_SCHEMA_VERSION,
  type AsffFinding,
  type AsffPartition,
  type AsffResource,
  type AsffSeverityLabel,
} from './asff';
import { CORRELATION_COLUMNS, DIGEST_COLUMNS, rowText } from './event-columns';
import { incidentKey } from './incident-key';
import { isValidRegion } from './links';
import { correlationSummary, digestSummary, groupSummary } from './phrases';
import { huntNote } from './render-text';
import { cleanLine, truncate } from './sanitize';
import { isoTime } from './time';

/** Where findings are imported: the processor's own account and region. */
export interface FindingsAccount {
  accountId: string;
  region: string;
}

export const ASFF_SEVERITY: Record<Level, AsffSeverityLabel> = {
  critical: 'CRITICAL',
  high: 'HIGH',
  medium: 'MEDIUM',
  low: 'LOW',
  informational: 'INFORMATIONAL',
};

/** ATT&CK tactics as Sigma tags them (`attack.defense-evasion`), and their names in `TTPs/<name>`. */
const TACTICS: Record<string, string> = {
  reconnaissance: 'Reconnaissance',
  'resource-development': 'Resource Development',
  'initial-access': 'Initial Access',
  execution: 'Execution',
  persistence: 'Persistence',
  'privilege-escalation': 'Privilege Escalation',
  'defense-evasion': 'Defense Evasion',
  'credential-access': 'Credential Access',
  discovery: 'Discovery',
  'lateral-movement': 'Lateral Movement',
  collection: 'Collection',
  'command-and-control': 'Command and Control',
  exfiltration: 'Exfiltration',
  impact: 'Impact',
};

export function partitionOf(region: string): AsffPartition {
  return region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
}

/** The default product of an account: the only one a custom integration imports under. */
export function productArn(account: FindingsAccount): string {
  const { accountId, region } = account;
  return `arn:${partitionOf(region)}:securityhub:${region}:${accountId}:product/${accountId}/default`;
}

/** `TTPs/<Tactic>` for each tactic tag, in tag order, once each. */
export function findingTypes(tags: unknown): string[] {
  const list = Array.isArray(tags) ? tags.slice(0, 50) : [];
  const types = new Set<string>();
  for (const tag of list) {
    if (typeof tag !== 'string') continue;
    const m = /^attack\.([a-z_-]+)$/i.exec(tag.trim());
    const name = m ? TACTICS[m[1].toLowerCase().replace(/_/g, '-')] : undefined;
    if (name) types.add(`TTPs/${name}`);
  }
  return types.size ? [...types] : ['TTPs'];
}

const later = (a: string, b: string): string => (a > b ? a : b);

/** Rows as lines, cut to the value limit with a count of what was left out. */
function rowsField(rows: string[], more: number): string {
  const max = ASFF_LIMITS.productFieldValue;
  const kept: string[] = [];
  let length = 0;
  for (const row of rows) {
    const line = truncate(row, 500);
    if (length + line.length + 1 > max - 40) break;
    kept.push(line);
    length += line.length + 1;
  }
  const left = more + rows.length - kept.length;
  return truncate(left > 0 ? `${kept.join('\n')}\n… and ${left} more` : kept.join('\n'), max);
}

/** How many events this notification stands for: its own, the digest's targets and repeats. */
function eventCount(f: AlertFacts): number {
  const d = f.digest;
  const digested = d ? d.entries.length + d.more + d.repeats : 0;
  if (d?.standalone) return digested;
  return (f.correlation ? f.correlation.events.length + f.correlation.more : 1) + digested;
}

function productFields(f: AlertFacts, hunt: string | undefined): Record<string, string> {
  const fields: [string, string | undefined][] = [
    ['trailalerts/alertId', f.id],
    ['trailalerts/ruleId', f.ruleId],
    ['trailalerts/ruleTitle', f.title],
    ['trailalerts/ruleFile', f.ruleFile],
    ['trailalerts/level', f.level],
    ['trailalerts/kind', f.kind],
    ['trailalerts/accountId', f.account.id],
    ['trailalerts/accountName', f.account.name],
    ['trailalerts/ouPath', f.account.ouPath],
    ['trailalerts/actor', f.actor],
    ['trailalerts/actorType', f.actorType],
    ['trailalerts/target', f.target],
    ['trailalerts/eventName', f.eventName],
    ['trailalerts/eventSource', f.eventSource],
    ['trailalerts/eventId', f.eventId],
    ['trailalerts/eventTime', f.time],
    ['trailalerts/region', f.region],
    ['trailalerts/sourceIp', f.sourceIp],
    ['trailalerts/ipContext', f.ipContext],
    ['trailalerts/errorCode', f.errorCode],
    ['trailalerts/attackTechniques', f.attack.map((t) => t.id).join(', ')],
    ['trailalerts/count', String(eventCount(f))],
    ['trailalerts/retroHunt', hunt],
  ];
  const c = f.correlation;
  if (c)
    fields.push(
      ['trailalerts/correlation/type', correlationSummary(c)],
      ['trailalerts/correlation/groupBy', groupSummary(c)],
      ['trailalerts/correlation/values', c.values.length ? rowsField(c.values, c.valuesMore) : undefined],
      [
        'trailalerts/correlation/members',
        rowsField(
          c.events.map((e) => rowText(e, CORRELATION_COLUMNS)),
          c.more,
        ),
      ],
    );
  const d = f.digest;
  if (d)
    fields.push(
      ['trailalerts/digest/summary', digestSummary(d)],
      ['trailalerts/digest/targets', String(d.entries.length + d.more)],
      ['trailalerts/digest/repeats', String(d.repeats)],
      [
        'trailalerts/digest/entries',
        rowsField(
          d.entries.map((e) => rowText(e, DIGEST_COLUMNS)),
          d.more,
        ),
      ],
    );
  const out: Record<string, string> = {};
  for (const [key, value] of fields) {
    const v = value === undefined ? '' : truncate(value, ASFF_LIMITS.productFieldValue);
    if (v.trim() !== '') out[key] = v;
  }
  return out;
}

/** A Details.Other map: fixed keys, values non-empty and under the limit. */
function other(entries: [string, string | undefined][]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of entries) {
    const v = value === undefined ? '' : truncate(value, ASFF_LIMITS.otherValueBelow - 1);
    if (v.trim() !== '') out[key] = v;
  }
  return out;
}

function resources(alert: Alert, f: AlertFacts, partition: AsffPartition, region: string): AsffResource[] {
  const eventRegion = isValidRegion(alert.region) ? alert.region : undefined;
  const actor = alert.actor;
  // The account id comes from the event: only 12 digits make an AwsAccount Id; anything else is shown cleaned.
  const accountId = typeof alert.account?.id === 'string' ? alert.account.id : '';
  const validAccount = ACCOUNT_ID.test(accountId);
  const list: AsffResource[] = [
    {
      Type: 'AwsAccount',
      Id: `AWS::::Account:${validAccount ? accountId : 'unknown'}`,
      Partition: partition,
      Region: region,
      Details: {
        Other: other([
          ['accountId', validAccount ? accountId : cleanLine(accountId, 64) || undefined],
          ['name', f.account.name],
          ['ouPath', f.account.ouPath],
          ['knownToDirectory', String(f.account.known)],
        ]),
      },
    },
    {
      Type: 'Other',
      // Identifiers as the event wrote them (cleaned, capped): they are matched, not read.
      Id: cleanLine(actor?.id, ASFF_LIMITS.resourceId) || truncate(f.actor, ASFF_LIMITS.resourceId),
      Partition: partition,
      ...(eventRegion ? { Region: eventRegion } : {}),
      Details: {
        Other: other([
          ['role', 'actor'],
          ['display', f.actor],
          ['type', f.actorType],
          ['userName', cleanLine(actor?.userName, 512) || undefined],
          ['roleArn', cleanLine(actor?.roleArn, 1000) || undefined],
          ['sessionArn', cleanLine(actor?.sessionArn, 1000) || undefined],
          ['invokedBy', cleanLine(actor?.invokedBy, 512) || undefined],
          ['sourceIp', f.sourceIp],
          ['userAgent', f.userAgent],
        ]),
      },
    },
  ];
  const target = alert.target && typeof alert.target === 'object' ? alert.target : undefined;
  if (target && f.target) {
    list.push({
      Type: 'Other',
      Id: cleanLine(target.key, ASFF_LIMITS.resourceId) || truncate(f.target, ASFF_LIMITS.resourceId),
      Partition: partition,
      ...(eventRegion ? { Region: eventRegion } : {}),
      Details: {
        Other: other([
          ['role', 'target'],
          ['label', f.target],
          ['eventName', f.eventName],
        ]),
      },
    });
  }
  return list;
}

function description(alert: Alert, f: AlertFacts): string {
  const event = f.eventName ? `${f.eventName}${f.eventSource ? ` (${f.eventSource})` : ''}` : 'an API call';
  const hunt = huntNote(alert);
  const parts = [
    ...(hunt ? [cleanLine(hunt, 300)] : []),
    `${f.actor} [${f.actorType}] made ${event}${f.target ? ` on ${f.target}` : ''} in ${f.account.label}, OU ${f.account.ouPath}` +
      `${f.region ? `, ${f.region}` : ''}${f.sourceIp ? `, from ${f.sourceIp}` : ''}, at ${f.time}.`,
  ];
  if (f.correlation) parts.push(`Correlation ${correlationSummary(f.correlation)}.`);
  if (f.digest) parts.push(`${digestSummary(f.digest)}.`);
  const ruleText = cleanLine(alert.rule?.description, ASFF_LIMITS.description);
  if (ruleText) parts.push(ruleText);
  return truncate(parts.join(' '), ASFF_LIMITS.description);
}

/** The finding for an alert; `now` stamps UpdatedAt (never before the event's own times). */
export function asffFinding(alert: Alert, account: FindingsAccount, now: Date): AsffFinding {
  const f = alertFacts(alert);
  const partition = partitionOf(account.region);
  const label = ASFF_SEVERITY[f.level];
  const types = findingTypes(alert.rule?.tags);
  const standalone = alert.digest?.standalone === true;
  const nowIso = now.toISOString();
  const first = (standalone ? isoTime(alert.digest?.since) : undefined) ?? isoTime(alert.time) ?? nowIso;
  const last = (standalone ? isoTime(alert.digest?.until) : undefined) ?? isoTime(alert.time) ?? first;
  const title = standalone ? `${f.title} [digest]` : f.title;
  const severity = { Label: label, Original: f.level };
  const finding: AsffFinding = {
    SchemaVersion: ASFF_SCHEMA_VERSION,
    Id: `trailalerts/${incidentKey(alert)}`,
    ProductArn: productArn(account),
    ProductName: 'TrailAlerts',
    CompanyName: 'TrailAlerts',
    Region: account.region,
    GeneratorId: truncate(f.ruleId, ASFF_LIMITS.id) || 'trailalerts',
    AwsAccountId: account.accountId,
    Types: types,
    CreatedAt: first,
    FirstObservedAt: first,
    LastObservedAt: last,
    UpdatedAt: later(nowIso, later(first, last)),
    Severity: severity,
    FindingProviderFields: { Severity: severity, Types: types },
    Title: truncate(`${title} — ${f.account.label}`, ASFF_LIMITS.title),
    Description: description(alert, f),
    ...(f.consoleUrl ? { SourceUrl: f.consoleUrl } : {}),
    Resources: resources(alert, f, partition, account.region),
    ProductFields: productFields(f, alert.hunt ? cleanLine(alert.hunt.id, 80) : undefined),
    RecordState: 'ACTIVE',
  };
  return finding;
}
