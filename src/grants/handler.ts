/**
 * Lambda entry of the member-grants custom resource. esbuild inlines this file (with the modules
 * next to it, the AWS SDK left to the Lambda runtime) into the StackSet template's ZipFile. It
 * adapts the SDK clients to the ports of custom-resource.ts (S3 GetBucketNotificationConfiguration
 * and PutBucketNotificationConfiguration; KMS CreateGrant and RetireGrant, nothing else) and always
 * answers CloudFormation, so a failure never leaves a stack waiting for an hour.
 */
import { request } from 'node:https';
import {
  GetBucketNotificationConfigurationCommand,
  PutBucketNotificationConfigurationCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { S3NotificationsPort } from './bucket-notification';
import { applyGrantsRequest, type CustomResourceEvent, type GrantsDeps } from './custom-resource';
import type { KmsGrantsPort } from './kms-grant';

type Send = (url: string, body: string) => Promise<void>;

/** Builds the handler over its dependencies (tests pass fakes; production the SDK clients). */
export function makeHandler(deps: () => GrantsDeps, send: Send = putResponse) {
  return async (event: CustomResourceEvent): Promise<void> => {
    let status = 'SUCCESS';
    let reason = '';
    let physicalId = event.PhysicalResourceId ?? event.LogicalResourceId;
    try {
      physicalId = (await applyGrantsRequest(event, deps())).physicalId;
    } catch (err) {
      status = 'FAILED';
      reason = String((err as Error).message ?? err).slice(0, 500);
      console.error(
        `${event.RequestType} ${event.ResourceType} ${event.LogicalResourceId} failed: ${reason}`,
      );
    }
    const body = JSON.stringify({
      Status: status,
      Reason: reason || 'see the function log',
      PhysicalResourceId: physicalId,
      StackId: event.StackId,
      RequestId: event.RequestId,
      LogicalResourceId: event.LogicalResourceId,
    });
    await send(event.ResponseURL, body);
  };
}

/** S3 through the SDK client: the two notification calls of the EventBridge switch. */
export function runtimeS3(client: Pick<S3Client, 'send'> = new S3Client({})): S3NotificationsPort {
  return {
    getBucketNotificationConfiguration: async (input) =>
      (await client.send(new GetBucketNotificationConfigurationCommand(input))) as unknown as Record<
        string,
        unknown
      >,
    putBucketNotificationConfiguration: (input) =>
      client.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: input.Bucket,
          NotificationConfiguration: input.NotificationConfiguration as never,
        }),
      ),
  };
}

/** The part of @aws-sdk/client-kms used here (the Lambda runtime ships it; this project does not). */
export type KmsSdk = Record<string, new (input: unknown) => unknown>;

/** KMS through the runtime's SDK: CreateGrant and RetireGrant. */
export function runtimeKms(sdk: KmsSdk = loadKmsSdk()): KmsGrantsPort {
  const client = new sdk.KMSClient({}) as { send(command: unknown): Promise<unknown> };
  return {
    createGrant: (input) => client.send(new sdk.CreateGrantCommand(input)) as Promise<{ GrantId?: string }>,
    retireGrant: (input) => client.send(new sdk.RetireGrantCommand(input)),
  };
}

function loadKmsSdk(): KmsSdk {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('@aws-sdk/client-kms') as KmsSdk;
}

/** PUTs the response document to CloudFormation's pre-signed URL. */
function putResponse(url: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'PUT', headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve());
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

let clients: GrantsDeps | undefined;

export const handler = makeHandler(() => (clients ??= { s3: runtimeS3(), kms: runtimeKms() }));
