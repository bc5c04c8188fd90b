/**
 * The member-grants custom resource: one Lambda (inlined into the StackSet template) serving two
 * resource types in the log-archive account —
 *   Custom::TrailBucketEventBridge switch on the bucket's EventBridge notifications; only for a
 *                                  bucket the customer owns, and left on at delete (other
 *                                  consumers may rely on them)
 *   Custom::TrailKeyGrant          KMS Decrypt grant for the reader role, CloudTrail context only,
 *                                  retired (not revoked) at delete by this function's own role
 * The bucket policy is never touched: the security account reads the bucket through a reader role
 * inside the log-archive account. The former Custom::TrailBucketStatement is refused, except for a
 * Delete, which succeeds without any call so that stacks still holding one can drop it.
 * Each type calls only the actions listed in GRANTS_API_ACTIONS, through injectable ports.
 * Properties come from our own template, but are still checked before use.
 */
import { GRANTS_API_ACTIONS } from './api-actions';
import { switchOnEventBridge, type S3NotificationsPort } from './bucket-notification';
import { createReaderGrant, isGrantId, retireReaderGrant, type KmsGrantsPort } from './kms-grant';

export { GRANTS_API_ACTIONS, type GrantsResourceType } from './api-actions';

export interface CustomResourceEvent {
  RequestType: 'Create' | 'Update' | 'Delete';
  ResourceType: string;
  ResourceProperties: Record<string, unknown>;
  OldResourceProperties?: Record<string, unknown>;
  PhysicalResourceId?: string;
  LogicalResourceId: string;
  RequestId: string;
  StackId: string;
  ResponseURL: string;
}

/** The AWS calls, injectable: the handler passes SDK adapters, tests pass fakes. */
export interface GrantsDeps {
  s3: S3NotificationsPort;
  kms: KmsGrantsPort;
}

export interface GrantsResult {
  physicalId: string;
}

/** The removed bucket-policy resource type (TrailAlerts no longer edits bucket policies). */
export const RETIRED_BUCKET_STATEMENT_TYPE = 'Custom::TrailBucketStatement';

/** Applies one custom-resource request; throws with a message CloudFormation shows on failure. */
export async function applyGrantsRequest(
  event: CustomResourceEvent,
  deps: GrantsDeps,
): Promise<GrantsResult> {
  const props = event.ResourceProperties ?? {};
  switch (event.ResourceType) {
    case 'Custom::TrailBucketEventBridge': {
      const bucket = text(props, 'Bucket');
      // Delete leaves EventBridge on: other consumers of the bucket's events may rely on it.
      if (event.RequestType !== 'Delete') await switchOnEventBridge(deps.s3, bucket);
      return { physicalId: bucket };
    }
    case 'Custom::TrailKeyGrant':
      return keyGrant(event, props, deps.kms);
    case RETIRED_BUCKET_STATEMENT_TYPE:
      // Removed type: Delete succeeds with no S3 call (the statement stays), so old stacks can drop it.
      if (event.RequestType === 'Delete')
        return { physicalId: event.PhysicalResourceId ?? event.LogicalResourceId };
      throw unsupported(
        event.ResourceType,
        'TrailAlerts no longer edits the bucket policy; the security account reads through a reader role in this account',
      );
    default:
      throw unsupported(event.ResourceType);
  }
}

async function keyGrant(
  event: CustomResourceEvent,
  props: Record<string, unknown>,
  kms: KmsGrantsPort,
): Promise<GrantsResult> {
  if (event.RequestType === 'Delete') {
    const id = event.PhysicalResourceId ?? '';
    // Lenient on delete (any KeyArn): a check added later must not strand an old grant.
    if (isGrantId(id)) await retireReaderGrant(kms, text(props, 'KeyArn'), id);
    return { physicalId: id || event.LogicalResourceId };
  }
  // Create, and Update alike: KMS returns the same grant for the same parameters, so a changed
  // key, grantee, trail or retiring principal yields a new grant id, and CloudFormation then sends
  // a Delete (RetireGrant) for the old one.
  const grantId = await createReaderGrant(kms, {
    keyArn: arn(props, 'KeyArn', KMS_KEY),
    granteeRoleArn: arn(props, 'GranteeRoleArn', IAM_ROLE),
    retiringPrincipalArn: arn(props, 'RetiringPrincipalArn', IAM_ROLE),
    trailArn: arn(props, 'TrailArn', CLOUDTRAIL_TRAIL),
  });
  return { physicalId: grantId };
}

const KMS_KEY = { pattern: /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/\S+$/, what: 'a KMS key ARN' };
const IAM_ROLE = { pattern: /^arn:aws[a-z-]*:iam::\d{12}:role\/\S+$/, what: 'an IAM role ARN' };
const CLOUDTRAIL_TRAIL = {
  pattern: /^arn:aws[a-z-]*:cloudtrail:[a-z0-9-]+:\d{12}:trail\/\S+$/,
  what: 'a CloudTrail trail ARN',
};

function unsupported(type: string, why?: string): Error {
  const served = Object.keys(GRANTS_API_ACTIONS).join(', ');
  return new Error(
    `unsupported resource type ${JSON.stringify(type)}${why ? ` (${why})` : ''}; this function serves ${served}`,
  );
}

function text(props: Record<string, unknown>, key: string): string {
  const value = props[key];
  if (typeof value !== 'string' || value === '')
    throw new Error(`property ${key}: expected a non-empty string`);
  return value;
}

function arn(props: Record<string, unknown>, key: string, kind: { pattern: RegExp; what: string }): string {
  const value = text(props, key);
  if (!kind.pattern.test(value)) throw new Error(`property ${key}: expected ${kind.what}, got ${value}`);
  return value;
}
