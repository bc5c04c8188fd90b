/**
 * Lambda entry of the member-grants custom resource. esbuild inlines this file (with the pure
 * modules next to it, the AWS SDK left to the Lambda runtime) into the StackSet template's ZipFile.
 * It always answers CloudFormation, so a failure never leaves a stack waiting for an hour.
 */
import { request } from 'node:https';
import { S3Client } from '@aws-sdk/client-s3';
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

/** KMS through the SDK that the Lambda runtime ships (not a dependency of this project). */
function runtimeKms(): KmsGrantsPort {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sdk = require('@aws-sdk/client-kms') as Record<string, new (input: unknown) => unknown>;
  const client = new sdk.KMSClient({}) as { send(command: unknown): Promise<unknown> };
  return {
    createGrant: (input) => client.send(new sdk.CreateGrantCommand(input)) as Promise<{ GrantId?: string }>,
    revokeGrant: (input) => client.send(new sdk.RevokeGrantCommand(input)),
  };
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

export const handler = makeHandler(() => (clients ??= { s3: new S3Client({}), kms: runtimeKms() }));
