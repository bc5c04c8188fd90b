/**
 * The member-grants custom resource: one Lambda (inlined into the StackSet template) serving three
 * resource types in the log-archive account —
 *   Custom::TrailBucketStatement   merge/remove the analyzer's read statement in the bucket policy
 *   Custom::TrailBucketEventBridge switch on EventBridge notifications (left on at delete: other
 *                                  consumers may rely on them)
 *   Custom::TrailKeyGrant          KMS Decrypt grant for the analyzer role, CloudTrail context only
 * Properties come from our own template, but are still checked before use.
 */
import {
  GetBucketNotificationConfigurationCommand,
  PutBucketNotificationConfigurationCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { PolicyStatement } from './bucket-policy';
import { deletePolicyStatement, putPolicyStatement, type SyncOptions } from './bucket-policy-sync';
import { enableEventBridge } from './bucket-notification';
import { createAnalyzerGrant, revokeAnalyzerGrant, type KmsGrantsPort } from './kms-grant';

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

export interface GrantsDeps {
  s3: S3Client;
  kms: KmsGrantsPort;
  sync?: SyncOptions;
}

export interface GrantsResult {
  physicalId: string;
}

/** Applies one custom-resource request; throws with a message CloudFormation shows on failure. */
export async function applyGrantsRequest(
  event: CustomResourceEvent,
  deps: GrantsDeps,
): Promise<GrantsResult> {
  const props = event.ResourceProperties ?? {};
  switch (event.ResourceType) {
    case 'Custom::TrailBucketStatement':
      return bucketStatement(event, props, deps);
    case 'Custom::TrailBucketEventBridge': {
      const bucket = text(props, 'Bucket');
      if (event.RequestType !== 'Delete') await switchOnEventBridge(deps.s3, bucket);
      return { physicalId: bucket };
    }
    case 'Custom::TrailKeyGrant':
      return keyGrant(event, props, deps);
    default:
      throw new Error(`unsupported resource type ${JSON.stringify(event.ResourceType)}`);
  }
}

async function bucketStatement(
  event: CustomResourceEvent,
  props: Record<string, unknown>,
  deps: GrantsDeps,
): Promise<GrantsResult> {
  const bucket = text(props, 'Bucket');
  const statement = statementOf(props);
  const physicalId = `${bucket}/${statement.Sid}`;
  if (event.RequestType === 'Delete') {
    if (event.PhysicalResourceId === physicalId)
      await deletePolicyStatement(deps.s3, bucket, String(statement.Sid), deps.sync);
    return { physicalId: event.PhysicalResourceId ?? physicalId };
  }
  await putPolicyStatement(deps.s3, bucket, statement, deps.sync);
  // A changed bucket or Sid gives a new physical id: CloudFormation then deletes the old one.
  return { physicalId };
}

async function keyGrant(
  event: CustomResourceEvent,
  props: Record<string, unknown>,
  deps: GrantsDeps,
): Promise<GrantsResult> {
  const keyArn = text(props, 'KeyArn');
  if (event.RequestType === 'Delete') {
    const id = event.PhysicalResourceId ?? '';
    await revokeAnalyzerGrant(deps.kms, keyArn, id);
    return { physicalId: id };
  }
  const grantId = await createAnalyzerGrant(deps.kms, {
    keyArn,
    granteeRoleArn: text(props, 'GranteeRoleArn'),
    trailArn: text(props, 'TrailArn'),
  });
  return { physicalId: grantId };
}

async function switchOnEventBridge(s3: S3Client, bucket: string): Promise<void> {
  const current = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }));
  const { config, changed } = enableEventBridge(current as unknown as Record<string, unknown>);
  if (!changed) return;
  await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: bucket,
      NotificationConfiguration: config as never,
    }),
  );
}

function text(props: Record<string, unknown>, key: string): string {
  const value = props[key];
  if (typeof value !== 'string' || value === '')
    throw new Error(`property ${key}: expected a non-empty string`);
  return value;
}

function statementOf(props: Record<string, unknown>): PolicyStatement {
  const raw = props.Statement;
  const statement = typeof raw === 'string' ? (JSON.parse(raw) as unknown) : raw;
  if (typeof statement !== 'object' || statement === null || Array.isArray(statement)) {
    throw new Error('property Statement: expected a policy statement object');
  }
  return statement as PolicyStatement;
}
