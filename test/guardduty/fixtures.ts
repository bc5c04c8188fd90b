/**
 * GuardDuty findings for the tests, written for this project (not copied from AWS samples): an
 * SSH brute force against an instance and API calls from a Tor exit with an IAM user's key.
 */
export const PROD_ACCOUNT = '444455556666'; // payments-prod, /Workloads/Production in accounts.yaml
export const DEV_ACCOUNT = '555566667777'; // payments-dev, /Workloads/Development

type Json = Record<string, unknown>;

/** A finding about an IAM user's access key used from a remote IP (all fields overridable). */
export function finding(overrides: Json = {}): Json {
  const accountId = (overrides.accountId as string | undefined) ?? PROD_ACCOUNT;
  const id = (overrides.id as string | undefined) ?? '5ac8f2e41b7d4c09a3e6d1f0b2c47e91';
  return {
    schemaVersion: '2.0',
    accountId,
    region: 'us-east-1',
    partition: 'aws',
    id,
    arn: `arn:aws:guardduty:us-east-1:${accountId}:detector/0cd2a8b1e4f7/finding/${id}`,
    type: 'UnauthorizedAccess:IAMUser/TorIPCaller',
    resource: {
      resourceType: 'AccessKey',
      accessKeyDetails: {
        accessKeyId: 'AKIAEXAMPLEKEY000001',
        principalId: 'AIDAEXAMPLEPRINCIPAL',
        userName: 'ci-deployer',
        userType: 'IAMUser',
      },
    },
    service: {
      serviceName: 'guardduty',
      detectorId: '0cd2a8b1e4f7',
      action: {
        actionType: 'AWS_API_CALL',
        awsApiCallAction: {
          api: 'ListBuckets',
          serviceName: 's3.amazonaws.com',
          callerType: 'Remote IP',
          userAgent: 'aws-cli/2.15.0',
          remoteIpDetails: { ipAddressV4: '198.51.100.23', country: { countryName: 'Exampleland' } },
        },
      },
      eventFirstSeen: '2026-11-20T09:40:00.000Z',
      eventLastSeen: '2026-11-20T09:58:00.000Z',
      archived: false,
      count: 1,
    },
    severity: 7.5,
    createdAt: '2026-11-20T09:41:12.000Z',
    updatedAt: '2026-11-20T10:00:00.000Z',
    title: 'API ListBuckets was invoked from a Tor exit node.',
    description: 'API ListBuckets was invoked by IAM user ci-deployer from a Tor exit node IP address.',
    ...overrides,
  };
}

/** A finding with service.count (and updatedAt) moved on: a new occurrence of the same finding. */
export function again(base: Json, count: number, updatedAt: string): Json {
  return { ...base, updatedAt, service: { ...(base.service as Json), count } };
}

/** The EventBridge event GuardDuty publishes for a finding. */
export function envelope(detail: Json, id = 'b7d1e0c2-5f3a-4e8b-9c6d-2a1f0e9d8c7b'): Json {
  return {
    version: '0',
    id,
    'detail-type': 'GuardDuty Finding',
    source: 'aws.guardduty',
    account: '222222222222',
    time: String(detail.updatedAt ?? '2026-11-20T10:00:00Z'),
    region: 'us-east-1',
    resources: [],
    detail,
  };
}
