/**
 * Contracts for reading CloudTrail events from files, directories and S3 objects.
 * A record's origin travels with it so every match can say where it came from.
 */
import type { CloudTrailRecord, Diagnostic } from '../core';

export interface RecordSource {
  /** File path or `s3://bucket/key`. */
  file: string;
  /** 0-based index of the record in its file. */
  index: number;
}

export interface SourcedRecord {
  record: CloudTrailRecord;
  source: RecordSource;
}

/** Problems met while reading inputs (corrupt gzip, truncated JSON, not CloudTrail …). */
export type ReadProblem = Diagnostic;

/** Who acted, derived from `userIdentity` by actor.ts. */
export interface Actor {
  /** userIdentity.type, or `Unknown`. */
  type: string;
  /** The principal's main identifier: user ARN, role ARN, root ARN, service name or user name. */
  id: string;
  /** For assumed roles: the session ARN (`arn:aws:sts::…:assumed-role/Role/session`). */
  sessionArn?: string;
  /** For assumed roles: the IAM role ARN (`arn:aws:iam::…:role/path/Role`). */
  roleArn?: string;
  /** User name for Identity Center, SAML, web identity or IAM users. */
  userName?: string;
  accountId?: string;
  /** `invokedBy`, when an AWS service acted on the principal's behalf. */
  invokedBy?: string;
  /** Every identifier an exception may name (id, role ARN, session ARN, user name …). */
  identifiers: string[];
  /** Short text for people: `role/Admin (session alice)`. */
  display: string;
}
