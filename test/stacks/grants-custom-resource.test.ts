/** The member-grants custom resource against a mocked S3 (aws-sdk-client-mock) and a fake KMS. */
import {
  DeleteBucketPolicyCommand,
  GetBucketNotificationConfigurationCommand,
  GetBucketPolicyCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketPolicyCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { applyGrantsRequest, type CustomResourceEvent } from '../../lambdas/grants/custom-resource';
import { makeHandler } from '../../lambdas/grants/handler';
import type { CreateGrantInput, KmsGrantsPort } from '../../lambdas/grants/kms-grant';

const s3Mock = mockClient(S3Client);
const noSleep = async () => undefined;

const statement = {
  Sid: 'TrailAlertsAnalyzerRead',
  Effect: 'Allow',
  Principal: { AWS: 'arn:aws:iam::222222222222:role/trailalerts-analyzer' },
  Action: 's3:GetObject',
  Resource: 'arn:aws:s3:::trail/o-x/AWSLogs/*',
  Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-exampleorg1' } },
};
const other = {
  Sid: 'Other',
  Effect: 'Allow',
  Principal: { Service: 'cloudtrail.amazonaws.com' },
  Action: 's3:PutObject',
  Resource: 'arn:aws:s3:::trail/*',
};

function event(
  RequestType: CustomResourceEvent['RequestType'],
  ResourceType: string,
  props: Record<string, unknown>,
  PhysicalResourceId?: string,
): CustomResourceEvent {
  return {
    RequestType,
    ResourceType,
    ResourceProperties: { ServiceToken: 'arn:aws:lambda:…', ...props },
    PhysicalResourceId,
    LogicalResourceId: 'Res',
    RequestId: 'req-1',
    StackId: 'arn:aws:cloudformation:us-east-1:333333333333:stack/s/1',
    ResponseURL: 'https://cloudformation-custom-resource-response.example/abc',
  };
}

/** A fake bucket whose policy lives in a variable; `onRead` lets a test simulate other writers. */
function fakeBucket(initial: object | undefined, onRead?: (n: number) => void) {
  const state = {
    policy: initial === undefined ? undefined : JSON.stringify(initial),
    reads: 0,
    puts: [] as string[],
  };
  s3Mock.on(GetBucketPolicyCommand).callsFake(async () => {
    state.reads += 1;
    onRead?.(state.reads);
    if (state.policy === undefined)
      throw Object.assign(new Error('The bucket policy does not exist'), { name: 'NoSuchBucketPolicy' });
    return { Policy: state.policy };
  });
  s3Mock.on(PutBucketPolicyCommand).callsFake(async (input: { Policy: string }) => {
    state.puts.push(input.Policy);
    state.policy = input.Policy;
    return {};
  });
  s3Mock.on(DeleteBucketPolicyCommand).callsFake(async () => {
    state.policy = undefined;
    return {};
  });
  return state;
}

const kmsUnused: KmsGrantsPort = {
  createGrant: async () => {
    throw new Error('not expected');
  },
  revokeGrant: async () => {
    throw new Error('not expected');
  },
};
const deps = () => ({ s3: new S3Client({ region: 'us-east-1' }), kms: kmsUnused, sync: { sleep: noSleep } });

beforeEach(() => s3Mock.reset());

describe('Custom::TrailBucketStatement', () => {
  const props = { Bucket: 'trail', Statement: statement };

  it('merges into an existing policy without touching other statements', async () => {
    const bucket = fakeBucket({ Version: '2012-10-17', Statement: [other] });
    const result = await applyGrantsRequest(event('Create', 'Custom::TrailBucketStatement', props), deps());
    expect(result.physicalId).toBe('trail/TrailAlertsAnalyzerRead');
    expect(JSON.parse(bucket.policy!).Statement).toEqual([other, statement]);
  });

  it('creates a policy on a bucket that has none', async () => {
    const bucket = fakeBucket(undefined);
    await applyGrantsRequest(event('Create', 'Custom::TrailBucketStatement', props), deps());
    expect(JSON.parse(bucket.policy!)).toEqual({ Version: '2012-10-17', Statement: [statement] });
  });

  it('does not write again on a re-run', async () => {
    const bucket = fakeBucket({ Statement: [other, statement] });
    await applyGrantsRequest(
      event('Update', 'Custom::TrailBucketStatement', props, 'trail/TrailAlertsAnalyzerRead'),
      deps(),
    );
    expect(bucket.puts).toHaveLength(0);
  });

  it('retries when another writer changes the policy between read and write', async () => {
    const intruder = {
      Sid: 'Intruder',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::1:root' },
      Action: 's3:GetObject',
      Resource: 'arn:aws:s3:::trail/x',
    };
    const bucket = fakeBucket({ Statement: [other] }, (n) => {
      // Second read of the first round: someone else added a statement.
      if (n === 2) bucket.policy = JSON.stringify({ Statement: [other, intruder] });
    });
    await applyGrantsRequest(event('Create', 'Custom::TrailBucketStatement', props), deps());
    expect(bucket.puts).toHaveLength(1);
    expect(JSON.parse(bucket.policy!).Statement).toEqual([other, intruder, statement]);
  });

  it('retries when a concurrent writer overwrote our statement after the put', async () => {
    const bucket = fakeBucket({ Statement: [other] }, (n) => {
      if (n === 3) bucket.policy = JSON.stringify({ Statement: [other] });
    });
    await applyGrantsRequest(event('Create', 'Custom::TrailBucketStatement', props), deps());
    expect(bucket.puts).toHaveLength(2);
    expect(JSON.parse(bucket.policy!).Statement).toEqual([other, statement]);
  });

  it('gives up with a clear error when the policy never settles', async () => {
    let n = 0;
    const bucket = fakeBucket({ Statement: [other] }, () => {
      n += 1;
      bucket.policy = JSON.stringify({ Statement: [{ ...other, Sid: `Churn${n}` }] });
    });
    await expect(
      applyGrantsRequest(event('Create', 'Custom::TrailBucketStatement', props), deps()),
    ).rejects.toThrow(/kept changing during 5 attempts/);
  });

  it('removes only its statement on delete', async () => {
    const bucket = fakeBucket({ Statement: [other, statement] });
    await applyGrantsRequest(
      event('Delete', 'Custom::TrailBucketStatement', props, 'trail/TrailAlertsAnalyzerRead'),
      deps(),
    );
    expect(JSON.parse(bucket.policy!).Statement).toEqual([other]);
  });

  it('deletes the policy when its statement was the last one', async () => {
    const bucket = fakeBucket({ Statement: [statement] });
    await applyGrantsRequest(
      event('Delete', 'Custom::TrailBucketStatement', props, 'trail/TrailAlertsAnalyzerRead'),
      deps(),
    );
    expect(bucket.policy).toBeUndefined();
    expect(s3Mock.commandCalls(DeleteBucketPolicyCommand)).toHaveLength(1);
  });

  it('leaves the bucket alone when deleting a resource whose create failed', async () => {
    const bucket = fakeBucket({ Statement: [other, statement] });
    await applyGrantsRequest(event('Delete', 'Custom::TrailBucketStatement', props, 'Res'), deps());
    expect(bucket.puts).toHaveLength(0);
  });

  it('names a missing property', async () => {
    await expect(
      applyGrantsRequest(event('Create', 'Custom::TrailBucketStatement', { Statement: statement }), deps()),
    ).rejects.toThrow('property Bucket: expected a non-empty string');
  });
});

describe('Custom::TrailBucketEventBridge', () => {
  it('adds EventBridge delivery and keeps the existing queue notification', async () => {
    const queue = [
      { Id: 'q', QueueArn: 'arn:aws:sqs:us-east-1:333333333333:q', Events: ['s3:ObjectCreated:*'] },
    ];
    s3Mock.on(GetBucketNotificationConfigurationCommand).resolves({ QueueConfigurations: queue } as never);
    s3Mock.on(PutBucketNotificationConfigurationCommand).resolves({});
    await applyGrantsRequest(event('Create', 'Custom::TrailBucketEventBridge', { Bucket: 'trail' }), deps());
    const put = s3Mock.commandCalls(PutBucketNotificationConfigurationCommand);
    expect(put).toHaveLength(1);
    expect(put[0].args[0].input).toEqual({
      Bucket: 'trail',
      NotificationConfiguration: { QueueConfigurations: queue, EventBridgeConfiguration: {} },
    });
  });

  it('does nothing when already enabled, and nothing on delete', async () => {
    s3Mock.on(GetBucketNotificationConfigurationCommand).resolves({ EventBridgeConfiguration: {} });
    await applyGrantsRequest(
      event('Update', 'Custom::TrailBucketEventBridge', { Bucket: 'trail' }, 'trail'),
      deps(),
    );
    await applyGrantsRequest(
      event('Delete', 'Custom::TrailBucketEventBridge', { Bucket: 'trail' }, 'trail'),
      deps(),
    );
    expect(s3Mock.commandCalls(PutBucketNotificationConfigurationCommand)).toHaveLength(0);
    expect(s3Mock.commandCalls(GetBucketNotificationConfigurationCommand)).toHaveLength(1);
  });
});

describe('Custom::TrailKeyGrant', () => {
  const props = {
    KeyArn: 'arn:aws:kms:us-east-1:333333333333:key/k',
    GranteeRoleArn: 'arn:aws:iam::222222222222:role/trailalerts-analyzer',
    TrailArn: 'arn:aws:cloudtrail:us-east-1:111111111111:trail/org',
  };
  const grantId = 'a'.repeat(64);

  function fakeKms() {
    const calls = { created: [] as CreateGrantInput[], revoked: [] as string[] };
    const kms: KmsGrantsPort = {
      createGrant: async (input) => {
        calls.created.push(input);
        return { GrantId: grantId };
      },
      revokeGrant: async (input) => {
        calls.revoked.push(input.GrantId);
        return {};
      },
    };
    return { kms, calls };
  }

  it('grants Decrypt only, constrained to the CloudTrail encryption context', async () => {
    const { kms, calls } = fakeKms();
    const result = await applyGrantsRequest(event('Create', 'Custom::TrailKeyGrant', props), {
      ...deps(),
      kms,
    });
    expect(result.physicalId).toBe(grantId);
    expect(calls.created).toEqual([
      {
        KeyId: props.KeyArn,
        GranteePrincipal: props.GranteeRoleArn,
        Operations: ['Decrypt'],
        Constraints: { EncryptionContextSubset: { 'aws:cloudtrail:arn': props.TrailArn } },
        Name: 'TrailAlertsAnalyzerDecrypt',
      },
    ]);
  });

  it('revokes the grant on delete, and ignores a physical id that is no grant', async () => {
    const { kms, calls } = fakeKms();
    await applyGrantsRequest(event('Delete', 'Custom::TrailKeyGrant', props, grantId), { ...deps(), kms });
    await applyGrantsRequest(event('Delete', 'Custom::TrailKeyGrant', props, 'Res'), { ...deps(), kms });
    expect(calls.revoked).toEqual([grantId]);
  });

  it('treats an already revoked grant as deleted', async () => {
    const kms: KmsGrantsPort = {
      createGrant: kmsUnused.createGrant,
      revokeGrant: async () => {
        throw Object.assign(new Error('gone'), { name: 'NotFoundException' });
      },
    };
    await expect(
      applyGrantsRequest(event('Delete', 'Custom::TrailKeyGrant', props, grantId), { ...deps(), kms }),
    ).resolves.toEqual({ physicalId: grantId });
  });
});

describe('handler', () => {
  it('answers SUCCESS with the physical id', async () => {
    fakeBucket({ Statement: [other] });
    const sent: string[] = [];
    const handler = makeHandler(deps, async (_url, body) => {
      sent.push(body);
    });
    await handler(event('Create', 'Custom::TrailBucketStatement', { Bucket: 'trail', Statement: statement }));
    expect(JSON.parse(sent[0])).toMatchObject({
      Status: 'SUCCESS',
      PhysicalResourceId: 'trail/TrailAlertsAnalyzerRead',
      RequestId: 'req-1',
      LogicalResourceId: 'Res',
    });
  });

  it('answers FAILED with the reason instead of throwing', async () => {
    const sent: string[] = [];
    const spy = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const handler = makeHandler(deps, async (_url, body) => {
      sent.push(body);
    });
    await handler(event('Create', 'Custom::Unknown', {}));
    spy.mockRestore();
    expect(JSON.parse(sent[0])).toMatchObject({
      Status: 'FAILED',
      Reason: 'unsupported resource type "Custom::Unknown"',
      PhysicalResourceId: 'Res',
    });
  });
});
