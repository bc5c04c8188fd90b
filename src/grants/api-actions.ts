/**
 * The AWS API actions the member-grants custom resource may call, per resource type, and the
 * wrapper every call goes through. The stack derives the function role's permissions from
 * GRANTS_API_ACTIONS, and tests check against it that a landing zone's denied actions are never
 * called. A failed call is reported with its IAM action and resource, because S3 and KMS errors
 * (an SCP deny in particular) often say no more than "Access Denied".
 */

/** Resource types this function serves. */
export type GrantsResourceType = 'Custom::TrailBucketEventBridge' | 'Custom::TrailKeyGrant';

/**
 * Every IAM action each resource type may call, over create, update and delete. Nothing here
 * touches a bucket policy; the bucket's EventBridge switch is only deployed for buckets the
 * customer owns (never an AWS Control Tower or Landing Zone Accelerator bucket).
 */
export const GRANTS_API_ACTIONS: Readonly<Record<string, string[]>> = Object.freeze({
  'Custom::TrailBucketEventBridge': ['s3:GetBucketNotification', 's3:PutBucketNotification'],
  'Custom::TrailKeyGrant': ['kms:CreateGrant', 'kms:RetireGrant'],
} satisfies Record<GrantsResourceType, string[]>);

/** Error names AWS uses for a request that IAM, an SCP, an RCP or a key policy refused. */
const DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'Forbidden']);

/**
 * Runs one AWS call; on failure throws an error naming `action` (an IAM action name) and
 * `resource`, keeping the original as `cause`.
 */
export async function callAws<T>(action: string, resource: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw new Error(describeFailure(action, resource, err), { cause: err });
  }
}

/** The name of an AWS SDK error (or of anything thrown), '' when it has none. */
export function errorName(err: unknown): string {
  const name = (err as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' ? name : '';
}

function describeFailure(action: string, resource: string, err: unknown): string {
  const name = errorName(err) || 'Error';
  const message = err instanceof Error ? err.message : String(err);
  const status = (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  if (DENIED.has(name) || status === 403) {
    return (
      `${action} on ${resource} was denied (${name}: ${message}); ` +
      `check this function's role, the resource's policy and any service control policy`
    );
  }
  return `${action} on ${resource} failed (${name}: ${message})`;
}
