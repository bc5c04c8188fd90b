/**
 * Pure bucket-policy editing for the member-grants custom resource: merge one statement into a
 * bucket policy by its Sid (idempotent, leaving every other statement untouched) and remove it
 * again on delete. No AWS client here; the S3 round trips live in bucket-policy-sync.ts.
 */

export interface PolicyStatement {
  Sid?: string;
  [key: string]: unknown;
}

export interface PolicyDocument {
  Version?: string;
  Id?: string;
  Statement: PolicyStatement[];
  [key: string]: unknown;
}

const DEFAULT_VERSION = '2012-10-17';

/**
 * Parses a bucket policy as S3 returns it (a JSON string, or undefined when the bucket has none).
 * `Statement` may be a single object in IAM grammar; it is normalised to an array.
 */
export function parsePolicy(text: string | undefined): PolicyDocument {
  if (text === undefined || text.trim() === '') return { Version: DEFAULT_VERSION, Statement: [] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`bucket policy is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error('bucket policy: expected a JSON object with a Statement list');
  }
  const doc = parsed as Record<string, unknown>;
  const raw = doc.Statement;
  const statements = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  for (const [i, s] of statements.entries()) {
    if (typeof s !== 'object' || s === null || Array.isArray(s)) {
      throw new Error(`bucket policy: Statement[${i}] is not an object`);
    }
  }
  return { ...doc, Statement: statements as PolicyStatement[] };
}

/** Returns a copy of `policy` in which the statement with `statement.Sid` is replaced or appended. */
export function mergeStatement(
  policy: PolicyDocument | undefined,
  statement: PolicyStatement,
): PolicyDocument {
  const sid = requireSid(statement);
  const base = policy ?? { Version: DEFAULT_VERSION, Statement: [] };
  const others = base.Statement.filter((s) => s.Sid !== sid);
  const index = base.Statement.findIndex((s) => s.Sid === sid);
  const statements = [...others];
  // Keep the statement where it was, so a re-run produces byte-identical JSON.
  statements.splice(index === -1 ? others.length : index, 0, statement);
  return { ...base, Version: base.Version ?? DEFAULT_VERSION, Statement: statements };
}

/**
 * Returns a copy of `policy` without the statement `sid`, or undefined when no statement is left
 * (the caller deletes the bucket policy rather than writing an empty one, which S3 refuses).
 */
export function removeStatement(policy: PolicyDocument, sid: string): PolicyDocument | undefined {
  const statements = policy.Statement.filter((s) => s.Sid !== sid);
  if (statements.length === 0) return undefined;
  return { ...policy, Statement: statements };
}

/** True when `policy` holds exactly `statement` under its Sid. */
export function hasStatement(policy: PolicyDocument, statement: PolicyStatement): boolean {
  const sid = requireSid(statement);
  const found = policy.Statement.find((s) => s.Sid === sid);
  return found !== undefined && canonical(found) === canonical(statement);
}

/** Stable JSON (sorted keys) for comparing policies regardless of key order. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function requireSid(statement: PolicyStatement): string {
  if (typeof statement.Sid !== 'string' || !/^[A-Za-z0-9]+$/.test(statement.Sid)) {
    throw new Error(`statement Sid must be alphanumeric, got ${JSON.stringify(statement.Sid)}`);
  }
  return statement.Sid;
}
