/**
 * An alert as a stored digest keeps it, so that the scheduled flush can send the digest with no
 * event in hand: every string clipped, lists capped, the raw event reduced to its identifying
 * fields. A stored digest item therefore stays far below DynamoDB's 400 KB, whatever the event.
 */
import type { Actor } from '../cloudtrail';
import { LEVELS, type CloudTrailRecord, type Level } from '../core';
import { type RuleMeta } from '../sigma';
import type { AccountInfo } from '../core';
import type { Alert } from './alert';
import { clip } from './state';

/** The alert without its account (resolved again when sent) and without per-send additions. */
export type StoredAlert = Omit<Alert, 'account' | 'digest' | 'ipContext' | 'suppressedSince' | 'correlation'>;

const MAX_LIST = 20;
const MAX_LONG_TEXT = 2048;
/** Request parameters and identity are kept whole only when their JSON is this short. */
const MAX_EMBEDDED_JSON = 2048;

/** Top-level record fields kept as text. */
const RECORD_TEXT = [
  'eventVersion',
  'eventTime',
  'eventSource',
  'eventName',
  'awsRegion',
  'sourceIPAddress',
  'userAgent',
  'eventID',
  'eventType',
  'recipientAccountId',
  'errorCode',
  'errorMessage',
];

const text = (v: unknown, max?: number): string | undefined =>
  typeof v === 'string' ? clip(v, max) : undefined;

const texts = (v: unknown): string[] =>
  Array.isArray(v)
    ? v
        .filter((x): x is string => typeof x === 'string')
        .slice(0, MAX_LIST)
        .map((x) => clip(x)!)
    : [];

/** A JSON value kept only when short; otherwise a note of its size. */
function small(v: unknown): unknown {
  if (v === undefined) return undefined;
  const json = JSON.stringify(v) ?? '';
  return json.length <= MAX_EMBEDDED_JSON ? JSON.parse(json) : `(not kept: ${json.length} characters)`;
}

function compactRule(rule: RuleMeta): RuleMeta {
  return {
    id: clip(rule.id)!,
    title: clip(rule.title)!,
    level: rule.level,
    status: text(rule.status),
    description: text(rule.description, MAX_LONG_TEXT),
    author: text(rule.author),
    date: text(rule.date),
    tags: texts(rule.tags),
    references: texts(rule.references),
    falsepositives: texts(rule.falsepositives),
    name: text(rule.name),
    file: clip(rule.file)!,
    line: rule.line,
    // Kept so a stored alert's identity (alerts/rule-identity.ts) is the one it was sent under.
    ...(rule.sharesId ? { sharesId: true } : {}),
  };
}

function compactActor(actor: Actor): Actor {
  return {
    type: clip(actor.type)!,
    id: clip(actor.id)!,
    sessionArn: text(actor.sessionArn),
    roleArn: text(actor.roleArn),
    userName: text(actor.userName),
    accountId: text(actor.accountId),
    invokedBy: text(actor.invokedBy),
    identifiers: texts(actor.identifiers),
    display: clip(actor.display)!,
  };
}

function compactRecord(record: CloudTrailRecord): CloudTrailRecord {
  const out: CloudTrailRecord = {};
  for (const key of RECORD_TEXT) {
    const v = text(record[key]);
    if (v !== undefined) out[key] = v;
  }
  if (typeof record.readOnly === 'boolean') out.readOnly = record.readOnly;
  for (const key of ['userIdentity', 'requestParameters', 'resources']) {
    if (record[key] !== undefined) out[key] = small(record[key]);
  }
  return out;
}

/** A bounded, JSON-safe copy of the alert for storage. */
export function storeAlert(alert: Alert): StoredAlert {
  return JSON.parse(
    JSON.stringify({
      id: alert.id,
      kind: alert.kind,
      rule: compactRule(alert.rule),
      level: alert.level,
      time: clip(alert.time, 64)!,
      actor: compactActor(alert.actor),
      region: text(alert.region),
      sourceIPAddress: text(alert.sourceIPAddress),
      userAgent: text(alert.userAgent),
      eventName: text(alert.eventName),
      eventSource: text(alert.eventSource),
      eventID: text(alert.eventID),
      errorCode: text(alert.errorCode),
      errorMessage: text(alert.errorMessage),
      requestParameters: small(alert.requestParameters),
      event: compactRecord(alert.event),
      target: alert.target && { key: clip(alert.target.key)!, label: clip(alert.target.label)! },
      source: alert.source && { file: clip(alert.source.file)!, index: alert.source.index },
    } satisfies StoredAlert),
  ) as StoredAlert;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** Reads a stored alert back; undefined when the stored shape is not one this code wrote. */
export function readStoredAlert(v: unknown): StoredAlert | undefined {
  if (!isObj(v) || !isObj(v.rule) || !isObj(v.actor) || !isObj(v.event)) return undefined;
  const { id, kind, level, time } = v;
  if (typeof id !== 'string' || typeof time !== 'string') return undefined;
  if (kind !== 'event' && kind !== 'correlation') return undefined;
  if (!LEVELS.includes(level as Level)) return undefined;
  const rule = v.rule;
  if (typeof rule.id !== 'string' || typeof rule.title !== 'string' || !Array.isArray(rule.tags))
    return undefined;
  if (typeof v.actor.id !== 'string' || typeof v.actor.display !== 'string') return undefined;
  return v as unknown as StoredAlert;
}

/** The alert again, with the account as the directory knows it now. */
export function restoreAlert(stored: StoredAlert, account: AccountInfo): Alert {
  return { ...structuredClone(stored), account };
}
