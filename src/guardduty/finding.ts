import { TrailAlertsError } from '../core';
/**
 * Amazon GuardDuty findings as they reach TrailAlerts: the EventBridge event GuardDuty publishes
 * (`source` aws.guardduty, `detail-type` "GuardDuty Finding", the finding in `detail`), a bare
 * finding (the `detail`, or one element of `aws guardduty get-findings`), or that command's whole
 * output (`{"Findings": [...]}`).
 * https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-guardduty.html
 *
 * Every value of a finding is attacker-influenced (user names, bucket names, domains, user agents
 * come from the activity GuardDuty saw). Only the fields the pipeline keys on are required and
 * checked strictly (id, type, account, severity, time); the rest is kept as it came and escaped by
 * the renderers like any CloudTrail value.
 */

/** The parts of a GuardDuty finding the pipeline reads (the rest is kept untouched). */
export interface GuardDutyFinding {
  /** 32 hex characters in practice; checked against FINDING_ID. */
  id: string;
  /** `ThreatPurpose:ResourceTypeAffected/ThreatFamilyName.DetectionMechanism!Artifact`. */
  type: string;
  /** The member account the finding is about. */
  accountId: string;
  /** 1.0 to 10.0 (guardduty_findings-severity.html). */
  severity: number;
  /** When the finding was last updated (ISO 8601): the event time of its alert. */
  updatedAt: string;
  createdAt?: string;
  region?: string;
  partition?: string;
  arn?: string;
  title?: string;
  description?: string;
  resource?: Record<string, unknown>;
  service?: Record<string, unknown>;
  [key: string]: unknown;
}

/** What arrived, and where in its input each finding was. */
export interface GuardDutyInput {
  findings: { finding: GuardDutyFinding; path: string }[];
  /** The EventBridge event id, when the input was an envelope. */
  eventId?: string;
}

/** A finding or envelope that cannot be used: `path` names the field, the message what was expected. */
export class GuardDutyInputError extends TrailAlertsError {
  constructor(
    readonly path: string,
    readonly expected: string,
    got: unknown,
  ) {
    super(`GuardDuty finding: ${path}: expected ${expected}, got ${describe(got)}`);
  }
}

export const GUARDDUTY_SOURCE = 'aws.guardduty';
export const GUARDDUTY_DETAIL_TYPE = 'GuardDuty Finding';

const FINDING_ID = /^[A-Za-z0-9_.:-]{1,128}$/;
/** GuardDuty's finding type vocabulary: letters, digits and `:/.!_-`; never free text. */
const FINDING_TYPE = /^[A-Za-z0-9][A-Za-z0-9:/.!_-]{0,199}$/;
const ACCOUNT_ID = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const MAX_FINDINGS = 1000;

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `"${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value).slice(0, 40)}`;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** An EventBridge event envelope (any source): `version`, `id`, `detail-type`, `source`, `detail`. */
export function isEventBridgeEnvelope(value: unknown): value is Record<string, unknown> {
  return isObject(value) && typeof value.source === 'string' && 'detail-type' in value && 'detail' in value;
}

/** A bare finding: GuardDuty's `schemaVersion` beside `type` and `severity` (no CloudTrail record has them). */
export function isBareFinding(value: unknown): value is Record<string, unknown> {
  return isObject(value) && 'schemaVersion' in value && 'type' in value && 'severity' in value;
}

/** `aws guardduty get-findings` output. */
function isFindingsList(value: unknown): value is { Findings: unknown } {
  return isObject(value) && 'Findings' in value && Object.keys(value).length === 1;
}

/** Whether the value is meant as GuardDuty input (an envelope from aws.guardduty, a finding, a list). */
export function looksLikeGuardDuty(value: unknown): boolean {
  return (
    (isEventBridgeEnvelope(value) && value.source === GUARDDUTY_SOURCE) ||
    isBareFinding(value) ||
    isFindingsList(value)
  );
}

/** Checks one finding's required fields; throws GuardDutyInputError naming the first bad one. */
export function checkFinding(value: unknown, path = 'finding'): GuardDutyFinding {
  if (!isObject(value)) throw new GuardDutyInputError(path, 'a JSON object', value);
  const at = (field: string) => (path ? `${path}.${field}` : field);
  const { id, type, accountId, severity, updatedAt, createdAt, region } = value;
  if (typeof id !== 'string' || !FINDING_ID.test(id))
    throw new GuardDutyInputError(at('id'), 'a finding id (letters, digits, up to 128)', id);
  if (typeof type !== 'string' || !FINDING_TYPE.test(type))
    throw new GuardDutyInputError(
      at('type'),
      'a GuardDuty finding type like Recon:EC2/PortProbeUnprotectedPort',
      type,
    );
  if (typeof accountId !== 'string' || !ACCOUNT_ID.test(accountId))
    throw new GuardDutyInputError(at('accountId'), 'a 12-digit account id', accountId);
  if (typeof severity !== 'number' || !Number.isFinite(severity) || severity < 0 || severity > 10)
    throw new GuardDutyInputError(at('severity'), 'a number from 0 to 10', severity);
  if (typeof updatedAt !== 'string' || updatedAt.length > 64 || !Number.isFinite(Date.parse(updatedAt)))
    throw new GuardDutyInputError(at('updatedAt'), 'an ISO 8601 time', updatedAt);
  if (createdAt !== undefined && (typeof createdAt !== 'string' || !Number.isFinite(Date.parse(createdAt))))
    throw new GuardDutyInputError(at('createdAt'), 'an ISO 8601 time', createdAt);
  if (region !== undefined && (typeof region !== 'string' || !REGION.test(region)))
    throw new GuardDutyInputError(at('region'), 'an AWS region like us-east-1', region);
  for (const field of ['title', 'description', 'arn', 'partition'] as const) {
    if (value[field] !== undefined && typeof value[field] !== 'string')
      throw new GuardDutyInputError(at(field), 'a string', value[field]);
  }
  for (const field of ['resource', 'service'] as const) {
    if (value[field] !== undefined && !isObject(value[field]))
      throw new GuardDutyInputError(at(field), 'an object', value[field]);
  }
  const count = isObject(value.service) ? value.service.count : undefined;
  if (count !== undefined && (typeof count !== 'number' || !Number.isInteger(count) || count < 1))
    throw new GuardDutyInputError(at('service.count'), 'a whole number of at least 1', count);
  return value as GuardDutyFinding;
}

/**
 * The findings of one input value: an envelope from aws.guardduty (detail-type GuardDuty Finding),
 * a bare finding, or `{"Findings": [...]}`. Throws GuardDutyInputError for anything else, naming
 * the field: an envelope of another source or detail type, a finding missing what it needs.
 */
export function parseGuardDutyInput(value: unknown): GuardDutyInput {
  if (isEventBridgeEnvelope(value)) {
    if (value.source !== GUARDDUTY_SOURCE)
      throw new GuardDutyInputError(
        'source',
        `"${GUARDDUTY_SOURCE}" (the only EventBridge source accepted)`,
        value.source,
      );
    if (value['detail-type'] !== GUARDDUTY_DETAIL_TYPE)
      throw new GuardDutyInputError('detail-type', `"${GUARDDUTY_DETAIL_TYPE}"`, value['detail-type']);
    const eventId = typeof value.id === 'string' ? value.id : undefined;
    return { findings: [{ finding: checkFinding(value.detail, 'detail'), path: 'detail' }], eventId };
  }
  if (isFindingsList(value)) {
    const list = value.Findings;
    if (!Array.isArray(list)) throw new GuardDutyInputError('Findings', 'a list of findings', list);
    if (list.length > MAX_FINDINGS)
      throw new GuardDutyInputError(
        'Findings',
        `at most ${MAX_FINDINGS} findings per document`,
        `${list.length} findings`,
      );
    return {
      findings: list.map((f, i) => ({ finding: checkFinding(f, `Findings[${i}]`), path: `Findings[${i}]` })),
    };
  }
  if (isBareFinding(value)) return { findings: [{ finding: checkFinding(value, ''), path: '' }] };
  throw new GuardDutyInputError(
    '(document)',
    'a GuardDuty Finding EventBridge event, a finding, or {"Findings": [...]}',
    value,
  );
}

/** service.count: how many times GuardDuty saw the activity (1 when absent). */
export function countOf(finding: GuardDutyFinding): number {
  const count = finding.service?.count;
  return typeof count === 'number' && Number.isInteger(count) && count >= 1 ? count : 1;
}
