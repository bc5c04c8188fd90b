/** A CloudTrail record (one element of a log object's `Records` array). Attacker-controlled. */
export type CloudTrailRecord = Record<string, unknown>;

/** A short view of an event, used to list the events behind a correlated alert. */
export interface EventSummary {
  eventID?: string;
  eventTime?: string;
  eventName?: string;
  eventSource?: string;
  sourceIPAddress?: string;
  actor?: string;
  accountId?: string;
  ruleTitle?: string;
}
