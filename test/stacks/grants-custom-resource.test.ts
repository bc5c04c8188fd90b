/**
 * The member-grants custom resource (src/grants) against the recording, denying fake of
 * test/grants/deny-fake.ts: each resource type's create, update and delete, the exact AWS actions
 * each may call (GRANTS_API_ACTIONS), SCP-style denies answered as FAILED with the action and the
 * resource, the removed Custom::TrailBucketStatement, and the SDK adapters of the handler.
 */
import {
  GetBucketNotificationConfigurationCommand,
  PutBucketNotificationConfigurationCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import {
  GRANTS_API_ACTIONS,
  applyGrantsRequest,
  type CustomResourceEvent,
} from '../../src/grants/custom-resource';
import { makeHandler, runtimeKms, runtimeS3, type KmsSdk } from '../../src/grants/handler';
import { GRANT_NAME } from '../../src/grants/kms-grant';
import { createDenyingClients, type DenyingClients } from '../grants/deny-fake';

const EVENTBRIDGE = 'Custom::TrailBucketEventBridge';
const KEY_GRANT = 'Custom::TrailKeyGrant';
const OLD_STATEMENT = 'Custom::TrailBucketStatement';

const bucket = 'org-trail-bucket';
const grantProps = {
  KeyArn: 'arn:aws:kms:us-east-1:333333333333:key/1111',
  GranteeRoleArn: 'arn:aws:iam::333333333333:role/trailalerts-trail-reader',
  RetiringPrincipalArn: 'arn:aws:iam::333333333333:role/trailalerts-member-grants',
  TrailArn: 'arn:aws:cloudtrail:us-east-1:111111111111:trail/org-trail',
};
const queue = [{ Id: 'q', QueueArn: 'arn:aws:sqs:us-east-1:333333333333:q', Events: ['s3:ObjectCreated:*'] }];

/** Actions a Control Tower / Landing Zone Accelerator log archive denies on its buckets and keys. */
const LANDING_ZONE_DENIED = [
  's3:PutBucketPolicy',
  's3:DeleteBucketPolicy',
  's3:PutBucketAcl',
  's3:PutBucketLogging',
  's3:PutLifecycleConfiguration',
  's3:PutEncryptionConfiguration',
  's3:PutBucketNotification',
  'kms:RevokeGrant',
  'kms:PutKeyPolicy',
];

function event(
  RequestType: CustomResourceEvent['RequestType'],
  ResourceType: string,
  props: Record<string, unknown>,
  PhysicalResourceId?: string,
  OldResourceProperties?: Record<string, unknown>,
): CustomResourceEvent {
  return {
    RequestType,
    ResourceType,
    ResourceProperties: { ServiceToken: 'arn:aws:lambda:us-east-1:333333333333:function:grants', ...props },
    OldResourceProperties,
    PhysicalResourceId,
    LogicalResourceId: 'Res',
    RequestId: 'req-1',
    StackId: 'arn:aws:cloudformation:us-east-1:333333333333:stack/s/1',
    ResponseURL: 'https://cloudformation-custom-resource-response.example/abc',
  };
}

/** Runs the handler (as CloudFormation would) and returns the response document it sent. */
async function respond(ev: CustomResourceEvent, clients: DenyingClients): Promise<Record<string, unknown>> {
  const sent: string[] = [];
  const spy = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    await makeHandler(
      () => clients.deps,
      async (url, body) => {
        expect(url).toBe(ev.ResponseURL);
        sent.push(body);
      },
    )(ev);
  } finally {
    spy.mockRestore();
  }
  expect(sent).toHaveLength(1);
  return JSON.parse(sent[0]) as Record<string, unknown>;
}

describe('GRANTS_API_ACTIONS', () => {
  it('lists exactly the actions of each resource type, and no bucket-policy action', () => {
    expect(GRANTS_API_ACTIONS).toEqual({
      [EVENTBRIDGE]: ['s3:GetBucketNotification', 's3:PutBucketNotification'],
      [KEY_GRANT]: ['kms:CreateGrant', 'kms:RetireGrant'],
    });
    expect(Object.values(GRANTS_API_ACTIONS).flat()).not.toEqual(
      expect.arrayContaining([expect.stringMatching(/BucketPolicy|RevokeGrant/)]),
    );
  });

  it('matches what each type calls over create, update and delete, exactly', async () => {
    const flows: Record<string, (deps: DenyingClients['deps']) => Promise<unknown>> = {
      [EVENTBRIDGE]: async (deps) => {
        await applyGrantsRequest(event('Create', EVENTBRIDGE, { Bucket: bucket }), deps);
        await applyGrantsRequest(
          event('Update', EVENTBRIDGE, { Bucket: 'b2' }, bucket, { Bucket: bucket }),
          deps,
        );
        await applyGrantsRequest(event('Delete', EVENTBRIDGE, { Bucket: bucket }, bucket), deps);
      },
      [KEY_GRANT]: async (deps) => {
        const changed = { ...grantProps, GranteeRoleArn: 'arn:aws:iam::333333333333:role/r2' };
        const first = await applyGrantsRequest(event('Create', KEY_GRANT, grantProps), deps);
        const second = await applyGrantsRequest(
          event('Update', KEY_GRANT, changed, first.physicalId, grantProps),
          deps,
        );
        await applyGrantsRequest(event('Delete', KEY_GRANT, grantProps, first.physicalId), deps);
        await applyGrantsRequest(event('Delete', KEY_GRANT, changed, second.physicalId), deps);
      },
    };
    expect(Object.keys(flows).sort()).toEqual(Object.keys(GRANTS_API_ACTIONS).sort());
    for (const [type, flow] of Object.entries(flows)) {
      const clients = createDenyingClients([]);
      await flow(clients.deps);
      expect([type, [...new Set(clients.calls)].sort()]).toEqual([
        type,
        [...GRANTS_API_ACTIONS[type]].sort(),
      ]);
    }
  });
});

describe('Custom::TrailBucketEventBridge', () => {
  it('create: adds EventBridge delivery and keeps the existing queue notification', async () => {
    const clients = createDenyingClients([], { notifications: { [bucket]: { QueueConfigurations: queue } } });
    const result = await applyGrantsRequest(event('Create', EVENTBRIDGE, { Bucket: bucket }), clients.deps);
    expect(result).toEqual({ physicalId: bucket });
    expect(clients.calls).toEqual(['s3:GetBucketNotification', 's3:PutBucketNotification']);
    expect(clients.state.requests[1].input).toEqual({
      Bucket: bucket,
      NotificationConfiguration: { QueueConfigurations: queue, EventBridgeConfiguration: {} },
    });
  });

  it('update: only reads when EventBridge is already on; a new bucket gets it switched on', async () => {
    const clients = createDenyingClients([], {
      notifications: { [bucket]: { EventBridgeConfiguration: {} } },
    });
    await applyGrantsRequest(event('Update', EVENTBRIDGE, { Bucket: bucket }, bucket), clients.deps);
    expect(clients.calls).toEqual(['s3:GetBucketNotification']);
    const moved = await applyGrantsRequest(
      event('Update', EVENTBRIDGE, { Bucket: 'other-bucket' }, bucket, { Bucket: bucket }),
      clients.deps,
    );
    expect(moved).toEqual({ physicalId: 'other-bucket' });
    expect(clients.state.notifications.get('other-bucket')).toEqual({ EventBridgeConfiguration: {} });
  });

  it('delete: leaves EventBridge on, without any call', async () => {
    const clients = createDenyingClients(['*']);
    await expect(
      applyGrantsRequest(event('Delete', EVENTBRIDGE, { Bucket: bucket }, bucket), clients.deps),
    ).resolves.toEqual({ physicalId: bucket });
    expect(clients.calls).toEqual([]);
  });

  it('names a missing property', async () => {
    await expect(
      applyGrantsRequest(event('Create', EVENTBRIDGE, {}), createDenyingClients([]).deps),
    ).rejects.toThrow('property Bucket: expected a non-empty string');
  });
});

describe('Custom::TrailKeyGrant', () => {
  it('create: Decrypt only, CloudTrail context only, retirable by the function role', async () => {
    const clients = createDenyingClients([]);
    const { physicalId } = await applyGrantsRequest(event('Create', KEY_GRANT, grantProps), clients.deps);
    expect(physicalId).toMatch(/^[0-9a-f]{64}$/);
    expect(clients.calls).toEqual(['kms:CreateGrant']);
    expect(clients.state.requests[0].input).toEqual({
      KeyId: grantProps.KeyArn,
      GranteePrincipal: grantProps.GranteeRoleArn,
      RetiringPrincipal: grantProps.RetiringPrincipalArn,
      Operations: ['Decrypt'],
      Constraints: { EncryptionContextSubset: { 'aws:cloudtrail:arn': grantProps.TrailArn } },
      Name: GRANT_NAME,
    });
  });

  it('delete: retires the grant (KeyId + GrantId), never revokes it', async () => {
    const clients = createDenyingClients(['kms:RevokeGrant']);
    const { physicalId } = await applyGrantsRequest(event('Create', KEY_GRANT, grantProps), clients.deps);
    await expect(
      applyGrantsRequest(event('Delete', KEY_GRANT, grantProps, physicalId), clients.deps),
    ).resolves.toEqual({ physicalId });
    expect(clients.calls).toEqual(['kms:CreateGrant', 'kms:RetireGrant']);
    expect(clients.state.requests[1].input).toEqual({ KeyId: grantProps.KeyArn, GrantId: physicalId });
    expect(clients.state.grants.size).toBe(0);
  });

  it('update with the same properties keeps the grant (idempotent name and parameters)', async () => {
    const clients = createDenyingClients([]);
    const first = await applyGrantsRequest(event('Create', KEY_GRANT, grantProps), clients.deps);
    const again = await applyGrantsRequest(
      event('Update', KEY_GRANT, grantProps, first.physicalId, grantProps),
      clients.deps,
    );
    expect(again).toEqual(first);
    expect(clients.state.grants.size).toBe(1);
  });

  it.each([
    ['KeyArn', 'arn:aws:kms:us-east-1:333333333333:key/2222'],
    ['GranteeRoleArn', 'arn:aws:iam::333333333333:role/another-reader'],
    ['TrailArn', 'arn:aws:cloudtrail:us-east-1:111111111111:trail/other-trail'],
  ])(
    'update of %s: a new grant (new physical id); the old one is retired on its old key',
    async (key, value) => {
      const clients = createDenyingClients([]);
      const old = await applyGrantsRequest(event('Create', KEY_GRANT, grantProps), clients.deps);
      const changed = { ...grantProps, [key]: value };
      const updated = await applyGrantsRequest(
        event('Update', KEY_GRANT, changed, old.physicalId, grantProps),
        clients.deps,
      );
      expect(updated.physicalId).toMatch(/^[0-9a-f]{64}$/);
      expect(updated.physicalId).not.toBe(old.physicalId);
      expect(clients.state.grants.get(updated.physicalId)).toMatchObject({
        KeyId: changed.KeyArn,
        GranteePrincipal: changed.GranteeRoleArn,
        RetiringPrincipal: grantProps.RetiringPrincipalArn,
      });
      // CloudFormation then deletes the old physical id, with the old properties.
      await applyGrantsRequest(event('Delete', KEY_GRANT, grantProps, old.physicalId), clients.deps);
      expect(clients.state.requests.at(-1)).toEqual({
        action: 'kms:RetireGrant',
        input: { KeyId: grantProps.KeyArn, GrantId: old.physicalId },
      });
      expect([...clients.state.grants.keys()]).toEqual([updated.physicalId]);
    },
  );

  it('delete ignores a physical id that is no grant id (a create that failed), without calls', async () => {
    const clients = createDenyingClients(['*']);
    await expect(
      applyGrantsRequest(event('Delete', KEY_GRANT, grantProps, 'Res'), clients.deps),
    ).resolves.toEqual({ physicalId: 'Res' });
    expect(clients.calls).toEqual([]);
  });

  it('treats a grant already retired (NotFoundException) as deleted', async () => {
    const clients = createDenyingClients([]);
    const gone = 'a'.repeat(64);
    await expect(
      applyGrantsRequest(event('Delete', KEY_GRANT, grantProps, gone), clients.deps),
    ).resolves.toEqual({ physicalId: gone });
    expect(clients.calls).toEqual(['kms:RetireGrant']);
  });

  it('requires the retiring principal and well-formed ARNs on create and update', async () => {
    const { deps, calls } = createDenyingClients([]);
    const { RetiringPrincipalArn: _omitted, ...withoutRetiring } = grantProps;
    await expect(applyGrantsRequest(event('Create', KEY_GRANT, withoutRetiring), deps)).rejects.toThrow(
      'property RetiringPrincipalArn: expected a non-empty string',
    );
    await expect(
      applyGrantsRequest(event('Create', KEY_GRANT, { ...grantProps, KeyArn: 'alias/trail' }), deps),
    ).rejects.toThrow('property KeyArn: expected a KMS key ARN, got alias/trail');
    await expect(
      applyGrantsRequest(
        event('Update', KEY_GRANT, { ...grantProps, GranteeRoleArn: 'arn:aws:iam::333333333333:user/u' }),
        deps,
      ),
    ).rejects.toThrow('property GranteeRoleArn: expected an IAM role ARN');
    expect(calls).toEqual([]);
  });
});

describe('Custom::TrailBucketStatement (removed)', () => {
  it('delete succeeds with zero calls, so a stack that still has one can drop it', async () => {
    const clients = createDenyingClients(['*']);
    const props = { Bucket: bucket, Statement: { Sid: 'TrailAlertsAnalyzerReadTrailLogs' } };
    const response = await respond(event('Delete', OLD_STATEMENT, props, `${bucket}/Sid`), clients);
    expect(response).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: `${bucket}/Sid` });
    expect(clients.calls).toEqual([]);
  });

  it.each(['Create', 'Update'] as const)(
    '%s fails as unsupported, naming the supported types',
    async (type) => {
      const clients = createDenyingClients([]);
      const response = await respond(event(type, OLD_STATEMENT, { Bucket: bucket }, 'x'), clients);
      expect(response.Status).toBe('FAILED');
      expect(response.Reason).toMatch(/^unsupported resource type "Custom::TrailBucketStatement" \(/);
      expect(response.Reason).toMatch(/no longer edits the bucket policy/);
      expect(response.Reason).toMatch(/serves Custom::TrailBucketEventBridge, Custom::TrailKeyGrant$/);
      expect(clients.calls).toEqual([]);
    },
  );
});

describe('SCP-style denies', () => {
  it('a denied S3 action answers FAILED, naming the action and the bucket', async () => {
    const clients = createDenyingClients(['s3:PutBucketNotification']);
    const response = await respond(event('Create', EVENTBRIDGE, { Bucket: bucket }), clients);
    expect(response).toMatchObject({ Status: 'FAILED', PhysicalResourceId: 'Res' });
    expect(response.Reason).toBe(
      `s3:PutBucketNotification on bucket ${bucket} was denied (AccessDenied: Access Denied); ` +
        "check this function's role, the resource's policy and any service control policy",
    );
    expect(clients.calls).toEqual(['s3:GetBucketNotification', 's3:PutBucketNotification']);
  });

  it('a wildcard deny stops the first call', async () => {
    const clients = createDenyingClients(['s3:*']);
    const response = await respond(event('Update', EVENTBRIDGE, { Bucket: bucket }, bucket), clients);
    expect(response).toMatchObject({ Status: 'FAILED', PhysicalResourceId: bucket });
    expect(response.Reason).toMatch(/^s3:GetBucketNotification on bucket org-trail-bucket was denied/);
    expect(clients.calls).toEqual(['s3:GetBucketNotification']);
  });

  it('a denied CreateGrant answers FAILED, naming the action and the key', async () => {
    const clients = createDenyingClients(['kms:CreateGrant']);
    const response = await respond(event('Create', KEY_GRANT, grantProps), clients);
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toMatch(
      /^kms:CreateGrant on arn:aws:kms:us-east-1:333333333333:key\/1111 was denied \(AccessDenied/,
    );
  });

  it('a denied RetireGrant answers FAILED, naming the action, the key and the grant', async () => {
    const setup = createDenyingClients([]);
    const { physicalId } = await applyGrantsRequest(event('Create', KEY_GRANT, grantProps), setup.deps);
    const clients = createDenyingClients(['kms:RetireGrant']);
    const response = await respond(event('Delete', KEY_GRANT, grantProps, physicalId), clients);
    expect(response).toMatchObject({ Status: 'FAILED', PhysicalResourceId: physicalId });
    expect(response.Reason).toContain(
      `kms:RetireGrant on ${grantProps.KeyArn} (grant ${physicalId}) was denied`,
    );
  });

  it('a landing zone that denies bucket-policy and bucket-configuration writes does not stop the key grant', async () => {
    const clients = createDenyingClients(LANDING_ZONE_DENIED);
    const created = await respond(event('Create', KEY_GRANT, grantProps), clients);
    const updated = await respond(
      event(
        'Update',
        KEY_GRANT,
        { ...grantProps, GranteeRoleArn: 'arn:aws:iam::333333333333:role/r2' },
        created.PhysicalResourceId as string,
        grantProps,
      ),
      clients,
    );
    const deleted = await respond(
      event('Delete', KEY_GRANT, grantProps, created.PhysicalResourceId as string),
      clients,
    );
    expect([created.Status, updated.Status, deleted.Status]).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS']);
    expect(clients.calls).toEqual(['kms:CreateGrant', 'kms:CreateGrant', 'kms:RetireGrant']);
  });
});

describe('handler', () => {
  it('answers SUCCESS with the physical id', async () => {
    const response = await respond(
      event('Create', EVENTBRIDGE, { Bucket: bucket }),
      createDenyingClients([]),
    );
    expect(response).toMatchObject({
      Status: 'SUCCESS',
      PhysicalResourceId: bucket,
      RequestId: 'req-1',
      LogicalResourceId: 'Res',
      StackId: 'arn:aws:cloudformation:us-east-1:333333333333:stack/s/1',
    });
  });

  it('answers FAILED for an unknown type, naming the supported ones', async () => {
    const response = await respond(event('Create', 'Custom::Unknown', {}), createDenyingClients([]));
    expect(response).toMatchObject({
      Status: 'FAILED',
      Reason:
        'unsupported resource type "Custom::Unknown"; this function serves Custom::TrailBucketEventBridge, Custom::TrailKeyGrant',
      PhysicalResourceId: 'Res',
    });
  });
});

describe('SDK adapters', () => {
  it('S3: GetBucketNotificationConfiguration and PutBucketNotificationConfiguration', async () => {
    const s3Mock = mockClient(S3Client);
    s3Mock.on(GetBucketNotificationConfigurationCommand).resolves({ QueueConfigurations: queue } as never);
    s3Mock.on(PutBucketNotificationConfigurationCommand).resolves({});
    const s3 = runtimeS3(new S3Client({ region: 'us-east-1' }));
    await applyGrantsRequest(event('Create', EVENTBRIDGE, { Bucket: bucket }), {
      s3,
      kms: createDenyingClients(['*']).deps.kms,
    });
    expect(s3Mock.commandCalls(GetBucketNotificationConfigurationCommand)[0].args[0].input).toEqual({
      Bucket: bucket,
    });
    expect(s3Mock.commandCalls(PutBucketNotificationConfigurationCommand)[0].args[0].input).toEqual({
      Bucket: bucket,
      NotificationConfiguration: { QueueConfigurations: queue, EventBridgeConfiguration: {} },
    });
    expect(s3Mock.calls()).toHaveLength(2);
    s3Mock.restore();
  });

  it('KMS: CreateGrantCommand and RetireGrantCommand of the runtime SDK, never RevokeGrant', async () => {
    const sent: { command: string; input: unknown }[] = [];
    const command = (name: string) =>
      class {
        readonly name = name;
        constructor(readonly input: unknown) {}
      };
    const sdk: KmsSdk = {
      KMSClient: class {
        async send(c: { name: string; input: unknown }) {
          sent.push({ command: c.name, input: c.input });
          return c.name === 'CreateGrantCommand' ? { GrantId: 'b'.repeat(64) } : {};
        }
      },
      CreateGrantCommand: command('CreateGrantCommand'),
      RetireGrantCommand: command('RetireGrantCommand'),
      RevokeGrantCommand: command('RevokeGrantCommand'),
    } as unknown as KmsSdk;
    const deps = { s3: createDenyingClients(['*']).deps.s3, kms: runtimeKms(sdk) };
    const { physicalId } = await applyGrantsRequest(event('Create', KEY_GRANT, grantProps), deps);
    await applyGrantsRequest(event('Delete', KEY_GRANT, grantProps, physicalId), deps);
    expect(sent.map((s) => s.command)).toEqual(['CreateGrantCommand', 'RetireGrantCommand']);
    expect(sent[0].input).toMatchObject({ RetiringPrincipal: grantProps.RetiringPrincipalArn });
    expect(sent[1].input).toEqual({ KeyId: grantProps.KeyArn, GrantId: 'b'.repeat(64) });
  });
});
