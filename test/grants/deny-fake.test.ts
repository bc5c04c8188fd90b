/** The recording, denying fake S3/KMS of deny-fake.ts, which other suites build on. */
import { createDenyingClients } from './deny-fake';

const grant = {
  KeyId: 'arn:aws:kms:us-east-1:333333333333:key/1111',
  GranteePrincipal: 'arn:aws:iam::333333333333:role/reader',
  RetiringPrincipal: 'arn:aws:iam::333333333333:role/grants',
  Operations: ['Decrypt'],
  Constraints: {
    EncryptionContextSubset: { 'aws:cloudtrail:arn': 'arn:aws:cloudtrail:us-east-1:1:trail/t' },
  },
  Name: 'n',
};

async function denial(p: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  const err = (await p.then(
    () => undefined,
    (e: unknown) => e,
  )) as { name: string; message: string; $metadata?: { httpStatusCode?: number } } | undefined;
  if (err === undefined) throw new Error('expected a rejection');
  return { name: err.name, message: err.message, status: err.$metadata?.httpStatusCode };
}

describe('createDenyingClients', () => {
  it('records every call as its IAM action, denied calls included', async () => {
    const { deps, calls } = createDenyingClients(['kms:CreateGrant']);
    await deps.s3.getBucketNotificationConfiguration({ Bucket: 'b' });
    await deps.s3.putBucketNotificationConfiguration({ Bucket: 'b', NotificationConfiguration: {} });
    await denial(deps.kms.createGrant(grant));
    await denial(deps.kms.retireGrant({ KeyId: grant.KeyId, GrantId: 'x' }));
    expect(calls).toEqual([
      's3:GetBucketNotification',
      's3:PutBucketNotification',
      'kms:CreateGrant',
      'kms:RetireGrant',
    ]);
  });

  it('denies like an SCP: AccessDenied, HTTP 403, a message that names nothing', async () => {
    const { deps } = createDenyingClients(['s3:PutBucketNotification']);
    expect(
      await denial(
        deps.s3.putBucketNotificationConfiguration({ Bucket: 'b', NotificationConfiguration: {} }),
      ),
    ).toEqual({ name: 'AccessDenied', message: 'Access Denied', status: 403 });
  });

  it('matches IAM wildcards, case-insensitively', async () => {
    const { deps } = createDenyingClients(['S3:get*', 'kms:*grant']);
    expect((await denial(deps.s3.getBucketNotificationConfiguration({ Bucket: 'b' }))).name).toBe(
      'AccessDenied',
    );
    expect((await denial(deps.kms.createGrant(grant))).name).toBe('AccessDenied');
    await expect(
      deps.s3.putBucketNotificationConfiguration({ Bucket: 'b', NotificationConfiguration: {} }),
    ).resolves.toBeDefined();
  });

  it('keeps bucket notifications: seeded, written, read back', async () => {
    const { deps, state } = createDenyingClients([], { notifications: { b: { TopicConfigurations: [] } } });
    expect(await deps.s3.getBucketNotificationConfiguration({ Bucket: 'b' })).toMatchObject({
      TopicConfigurations: [],
    });
    await deps.s3.putBucketNotificationConfiguration({
      Bucket: 'b',
      NotificationConfiguration: { EventBridgeConfiguration: {} },
    });
    expect(state.notifications.get('b')).toEqual({ EventBridgeConfiguration: {} });
  });

  it('models KMS grants: idempotent create, retire, NotFoundException', async () => {
    const { deps, state } = createDenyingClients([]);
    const a = await deps.kms.createGrant(grant);
    expect(a.GrantId).toMatch(/^[0-9a-f]{64}$/);
    expect(await deps.kms.createGrant({ ...grant })).toEqual(a);
    const b = await deps.kms.createGrant({ ...grant, GranteePrincipal: 'arn:aws:iam::333333333333:role/o' });
    expect(b.GrantId).not.toBe(a.GrantId);
    expect((await denial(deps.kms.retireGrant({ KeyId: 'arn:other', GrantId: a.GrantId! }))).name).toBe(
      'NotFoundException',
    );
    await deps.kms.retireGrant({ KeyId: grant.KeyId, GrantId: a.GrantId! });
    expect([...state.grants.keys()]).toEqual([b.GrantId]);
    expect((await denial(deps.kms.retireGrant({ KeyId: grant.KeyId, GrantId: a.GrantId! }))).name).toBe(
      'NotFoundException',
    );
    const c = await deps.kms.createGrant(grant);
    expect(c.GrantId).not.toBe(a.GrantId);
  });
});
