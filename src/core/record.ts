/** A CloudTrail record (one element of a log object's `Records` array). Attacker-controlled. */
export type CloudTrailRecord = Record<string, unknown>;
