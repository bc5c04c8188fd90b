/**
 * The alert: what the processor produces from a match (or a correlation) and what every notifier
 * renders. Every string taken from the event is attacker-controlled and is escaped by renderers.
 */
import type { Actor } from '../cloudtrail';
import type { AccountInfo, CloudTrailRecord, EventSummary, Level } from '../core';
import type { RuleMeta } from '../sigma';

/** A rule matched an event: produced by the analyzer, one per (event, rule). */
export interface Match {
  rule: RuleMeta;
  record: CloudTrailRecord;
  /** File path or s3://bucket/key and record index. */
  source: { file: string; index: number };
  /** Account that owns the event: recipientAccountId, else the key's account, else userIdentity.accountId. */
  accountId: string;
  /** Present when the match is an Amazon GuardDuty finding (src/guardduty/), not a Sigma rule's. */
  guardDuty?: GuardDutyFacts;
  /** Present when a retro-hunt found it (src/hunt/): the event may be old. */
  hunt?: HuntMarker;
}

/** The retro-hunt that found a match: its id (`hunt-<UTC time>-<random>`, src/hunt/start.ts). */
export interface HuntMarker {
  id: string;
}

/**
 * What an alert says about the GuardDuty finding behind it (src/guardduty/match.ts). The
 * strings other than `type` and `consoleUrl` are the finding's own, attacker-influenced values.
 */
export interface GuardDutyFacts {
  findingId: string;
  /** GuardDuty's finding type, checked against its vocabulary (never free text). */
  type: string;
  /** GuardDuty's severity, 0 to 10, and its band (Critical, High, Medium, Low). */
  severity: number;
  severityLabel: string;
  /** service.count: occurrences GuardDuty aggregated into the finding so far. */
  count: number;
  title?: string;
  description?: string;
  firstSeen?: string;
  lastSeen?: string;
  resourceType?: string;
  /** `Instance i-0abc…`, `AccessKey AKIA… (user alice)`, `S3Bucket name` … */
  resource?: string;
  findingArn?: string;
  /** The finding in the GuardDuty console (built from a checked region and id). */
  consoleUrl?: string;
}

export interface IpContext {
  ip: string;
  vpn?: boolean;
  proxy?: boolean;
  tor?: boolean;
  relay?: boolean;
  country?: string;
  countryCode?: string;
  city?: string;
  asn?: string;
  isp?: string;
}

export interface Alert {
  /** Event alerts: hash(rule id, event id); correlation alerts: hash(correlation id, group, window). */
  id: string;
  kind: 'event' | 'correlation';
  rule: RuleMeta;
  /** Level after any correlation severity adjustment. */
  level: Level;
  /** Event time (ISO) of the event, or of the last event of a correlation. */
  time: string;
  account: AccountInfo;
  actor: Actor;
  region?: string;
  sourceIPAddress?: string;
  userAgent?: string;
  eventName?: string;
  eventSource?: string;
  eventID?: string;
  errorCode?: string;
  errorMessage?: string;
  requestParameters?: unknown;
  /** The raw event (for event alerts) or the last event (for correlations). */
  event: CloudTrailRecord;
  /** Found by a retro-hunt, not the live pipeline: notifications say so. */
  hunt?: HuntMarker;
  /** For correlations: the events that made it, and the group values. */
  correlation?: {
    type: string;
    groupBy: Record<string, string>;
    /** The aggregate that met the condition (count, distinct values, sum …). */
    value?: number;
    /** value_count / value_sum: the distinct values that were counted (or summed), in first-seen order. */
    values?: string[];
    events: EventSummary[];
  };
  /**
   * What the call acted on: resource ARNs and identifying request parameters (bucket, group and
   * port range, user, policy, secret, trail …). `key` groups repeats; `label` is for people.
   */
  target?: { key: string; label: string };
  /**
   * A digest: the different targets one (rule, account, actor) acted on within the cooldown
   * window, folded into this one notification. Each entry is an event that reached a destination
   * through this digest.
   */
  digest?: {
    since: string;
    until: string;
    entries: { time: string; eventID?: string; eventName?: string; target: string; alertId: string }[];
    /** Exact repeats (same target) counted, not listed. */
    repeats: number;
    /**
     * True when the digest goes out on its own (its window closed, or it filled up): the alert's
     * own fields are those of its last entry and `id` is the digest's. Absent when an alert of
     * the same key carries it: then `entries` are events besides the alert's own, and may be
     * empty when only repeats were counted.
     */
    standalone?: boolean;
  };
  ipContext?: IpContext;
  /** No longer set (issue 17): `digest` names what was folded and counts the exact repeats. */
  suppressedSince?: { count: number; since: string };
  /** Where it came from (for scan output). */
  source?: { file: string; index: number };
  /** An Amazon GuardDuty finding's alert: the finding's facts, for every renderer. */
  guardDuty?: GuardDutyFacts;
}

/** Why an alert did not go out: counted and shown by `scan`, never silent. */
export type AlertOutcome =
  | { kind: 'sent'; alert: Alert; destinations: string[] }
  | { kind: 'excepted'; alert: Alert; exception: string }
  | { kind: 'duplicate'; alert: Alert }
  | { kind: 'suppressed'; alert: Alert; until: string }
  | { kind: 'unrouted'; alert: Alert };
