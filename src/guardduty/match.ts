/**
 * A GuardDuty finding as the processor's input: a Match whose "rule" is the finding type and whose
 * record is shaped like a CloudTrail record, so the processor treats it exactly as a CloudTrail
 * alert (account name and OU from the directory, exceptions, dedupe, cooldown, routes per OU):
 *
 *   rule.id           `guardduty:<type>`; rule.title `GuardDuty: <type>`; rule.tags [guardduty]
 *   level             from the severity (severity.ts)
 *   eventName         the finding type (exceptions' `eventNames` take GuardDuty types)
 *   eventSource       guardduty.amazonaws.com
 *   eventID           `<finding id>#<service.count>`: each new occurrence is a new alert, an
 *                     event delivered twice is a duplicate
 *   eventTime         updatedAt (the detection lag runs from it)
 *   awsRegion         the finding's region (exceptions' `regions`)
 *   sourceIPAddress   the remote IP of the action, when GuardDuty gives one (`sourceIPs`, IP context)
 *   userAgent         the API call's user agent, when given (`userAgents`)
 *   userIdentity      from resource.accessKeyDetails, when given (`actors`, `actorPatterns`)
 *   guardDutyFinding  the whole finding, as it came (the raw event of the notification)
 *
 * `match.guardDuty` carries the finding's facts for the renderers; the processor keys the cooldown
 * on the finding id (runtime/process.ts), so repeats of one finding within the cooldown are
 * counted, not sent, and a new finding always goes out.
 */
import type { GuardDutyFacts, Match } from '../alerts';
import { GUARDDUTY_RULE_PREFIX } from '../core';

export { GUARDDUTY_RULE_PREFIX };
import type { RuleMeta } from '../sigma';
import { countOf, type GuardDutyFinding } from './finding';
import { severityBand } from './severity';

export const GUARDDUTY_EVENT_SOURCE = 'guardduty.amazonaws.com';
/** The rule "file" of every GuardDuty alert (shown where a Sigma rule's path would be). */
export const GUARDDUTY_RULE_FILE = 'guardduty';
const FINDING_TYPES_URL =
  'https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_finding-types-active.html';
const MAX_TEXT = 2000;

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
const str = (v: unknown, max = 500): string | undefined =>
  typeof v === 'string' && v.length > 0 ? v.slice(0, max) : undefined;

/** The rule an alert of this finding names. */
export function guardDutyRule(finding: GuardDutyFinding): RuleMeta {
  const band = severityBand(finding.severity);
  return {
    id: `${GUARDDUTY_RULE_PREFIX}${finding.type}`,
    title: `GuardDuty: ${finding.type}`,
    level: band.level,
    // Built only from the checked type and severity: rule text is shown without defanging.
    description:
      `Amazon GuardDuty finding of type ${finding.type}, severity ${finding.severity.toFixed(1)} ` +
      `(${band.label}). The level follows GuardDuty's severity bands.`,
    tags: ['guardduty'],
    references: [FINDING_TYPES_URL],
    falsepositives: [],
    file: GUARDDUTY_RULE_FILE,
    line: 0,
  };
}

/** The first remote IP GuardDuty names for the action (API call, connection, probe, login …). */
function remoteIp(service: Obj | undefined): string | undefined {
  const action = obj(service?.action);
  if (!action) return undefined;
  const candidates: unknown[] = [];
  for (const value of Object.values(action)) {
    const a = obj(value);
    if (!a) continue;
    candidates.push(a.remoteIpDetails);
    const probes = a.portProbeDetails;
    if (Array.isArray(probes)) candidates.push(...probes.map((p) => obj(p)?.remoteIpDetails));
  }
  for (const c of candidates) {
    const details = obj(c);
    const ip = str(details?.ipAddressV4, 64) ?? str(details?.ipAddressV6, 64);
    if (ip && /^[0-9A-Fa-f:.]+$/.test(ip)) return ip;
  }
  return undefined;
}

/** A CloudTrail-style userIdentity from resource.accessKeyDetails, so exceptions on actors apply. */
function userIdentityOf(finding: GuardDutyFinding): Obj | undefined {
  const key = obj(finding.resource?.accessKeyDetails);
  if (!key) return undefined;
  const type = str(key.userType, 64);
  const userName = str(key.userName, 256);
  const principalId = str(key.principalId, 256);
  const accessKeyId = str(key.accessKeyId, 128);
  const partition = str(finding.partition, 32) ?? 'aws';
  const acct = finding.accountId;
  const base = { principalId, accessKeyId, accountId: acct };
  switch (type) {
    case 'IAMUser':
      return {
        type,
        ...base,
        userName,
        ...(userName ? { arn: `arn:${partition}:iam::${acct}:user/${userName}` } : {}),
      };
    case 'AssumedRole':
      // GuardDuty names the role (without its path) as userName.
      return {
        type,
        ...base,
        ...(userName
          ? {
              sessionContext: {
                sessionIssuer: {
                  type: 'Role',
                  userName,
                  arn: `arn:${partition}:iam::${acct}:role/${userName}`,
                },
              },
            }
          : {}),
      };
    case 'Root':
      return { type, ...base, arn: `arn:${partition}:iam::${acct}:root` };
    default:
      return { type: type ?? 'Unknown', ...base, userName };
  }
}

/** `Instance i-0abc`, `AccessKey AKIA… (user alice)`, `S3Bucket my-bucket` … or the type alone. */
function resourceSummary(resource: Obj | undefined): string | undefined {
  if (!resource) return undefined;
  const type = str(resource.resourceType, 64);
  const first = (v: unknown) => (Array.isArray(v) ? obj(v[0]) : obj(v));
  const detail = (() => {
    switch (type) {
      case 'Instance':
        return str(obj(resource.instanceDetails)?.instanceId, 64);
      case 'AccessKey': {
        const key = obj(resource.accessKeyDetails);
        const id = str(key?.accessKeyId, 128);
        const user = str(key?.userName, 256);
        return [id, user ? `(user ${user})` : undefined].filter(Boolean).join(' ') || undefined;
      }
      case 'S3Bucket':
        return str(first(resource.s3BucketDetails)?.name, 255);
      case 'EKSCluster':
        return str(obj(resource.eksClusterDetails)?.name, 255);
      case 'ECSCluster':
        return str(obj(resource.ecsClusterDetails)?.name, 255);
      case 'Container':
        return str(obj(resource.containerDetails)?.name, 255);
      case 'RDSDBInstance':
        return str(obj(resource.rdsDbInstanceDetails)?.dbInstanceIdentifier, 255);
      case 'Lambda':
        return str(obj(resource.lambdaDetails)?.functionName, 255);
      default:
        return undefined;
    }
  })();
  return type ? (detail ? `${type} ${detail}` : type) : detail;
}

/** The finding in the GuardDuty console, from a checked region and id only. */
export function guardDutyConsoleUrl(region: string | undefined, findingId: string): string | undefined {
  if (!region || !/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(region) || !/^[A-Za-z0-9_.-]{1,128}$/.test(findingId))
    return undefined;
  return `https://${region}.console.aws.amazon.com/guardduty/home?region=${region}#/findings?macros=current&fId=${findingId}`;
}

/** The facts every renderer shows for a GuardDuty alert. */
export function guardDutyFacts(finding: GuardDutyFinding): GuardDutyFacts {
  const band = severityBand(finding.severity);
  const service = obj(finding.service);
  const facts: GuardDutyFacts = {
    findingId: finding.id,
    type: finding.type,
    severity: finding.severity,
    severityLabel: band.label,
    count: countOf(finding),
    title: str(finding.title, MAX_TEXT),
    description: str(finding.description, MAX_TEXT),
    firstSeen: str(service?.eventFirstSeen, 64),
    lastSeen: str(service?.eventLastSeen, 64),
    resourceType: str(finding.resource?.resourceType, 64),
    resource: resourceSummary(obj(finding.resource)),
    findingArn: str(finding.arn, 1000),
    consoleUrl: guardDutyConsoleUrl(finding.region, finding.id),
  };
  for (const k of Object.keys(facts) as (keyof GuardDutyFacts)[]) if (facts[k] === undefined) delete facts[k];
  return facts;
}

/** The processor's input for one finding; `source` says where it was read (file and index, or the event). */
export function guardDutyMatch(finding: GuardDutyFinding, source: { file: string; index: number }): Match {
  const service = obj(finding.service);
  const apiCall = obj(obj(service?.action)?.awsApiCallAction);
  const userIdentity = userIdentityOf(finding);
  const record: Record<string, unknown> = {
    eventVersion: 'guardduty',
    eventID: `${finding.id}#${countOf(finding)}`,
    eventTime: finding.updatedAt,
    eventSource: GUARDDUTY_EVENT_SOURCE,
    eventName: finding.type,
    eventType: 'GuardDutyFinding',
    recipientAccountId: finding.accountId,
    ...(finding.region ? { awsRegion: finding.region } : {}),
    ...(userIdentity ? { userIdentity } : {}),
    ...(remoteIp(service) ? { sourceIPAddress: remoteIp(service) } : {}),
    ...(str(apiCall?.userAgent, MAX_TEXT) ? { userAgent: str(apiCall?.userAgent, MAX_TEXT) } : {}),
    guardDutyFinding: finding,
  };
  return {
    rule: guardDutyRule(finding),
    record,
    source,
    accountId: finding.accountId,
    guardDuty: guardDutyFacts(finding),
  };
}

/** Whether a match is a GuardDuty finding's (its facts travel with it). */
export const isGuardDutyMatch = (match: Match): boolean => match.guardDuty !== undefined;

/** What a GuardDuty alert acted on, for grouping: the finding itself (its resource for people). */
export function guardDutyTarget(facts: GuardDutyFacts): { key: string; label: string } {
  return {
    key: `guardduty-finding:${facts.findingId}`,
    label: facts.resource ?? `finding ${facts.findingId}`,
  };
}
