/**
 * Fault injection, analyzer side: AWS Organizations throttled when the analyzer starts. The real
 * analyzer handler (createAnalyzerHandler) runs over objects from a mocked S3 bucket, with the
 * account directory accounts.yaml asks for (source: organizations) on a mocked Organizations API
 * and one clock for both.
 */
import {
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { S3Client } from '@aws-sdk/client-s3';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { rmSync } from 'node:fs';
import { createAccountDirectory } from '../../src/org/create-directory';
import { decodeMatch } from '../../src/runtime/match-queue';
import {
  analyzerHandler,
  deliver,
  fixture,
  key,
  logObject,
  objectMessage,
  PROD,
  recordingMetrics,
  secretRead,
  serveObjects,
  SECRET_ID,
  stopLogging,
  STOP_ID,
  type Fixture,
} from './analyzer-fixture';
import { ValidatingQueue } from './sqs-validating-queue';

const MINUTE = 60_000;
const s3Mock = mockClient(S3Client);
const sqsMock = mockClient(SQSClient);
const orgMock = mockClient(OrganizationsClient);
let fx: Fixture;

beforeAll(() => {
  fx = fixture();
});
afterAll(() => {
  rmSync(fx.rulesDir, { recursive: true, force: true });
  s3Mock.restore();
  sqsMock.restore();
  orgMock.restore();
});

const throttle = () =>
  Object.assign(
    new Error(
      'AWS Organizations can not complete your request because another request is already in progress',
    ),
    {
      name: 'TooManyRequestsException',
      $metadata: { httpStatusCode: 400 },
    },
  );

/** The organization: root → Workloads → Production, which holds PROD. */
function answering() {
  orgMock.reset();
  orgMock.on(ListRootsCommand).resolves({ Roots: [{ Id: 'r-fa01', Name: 'Root' }] });
  orgMock
    .on(ListAccountsForParentCommand, { ParentId: 'r-fa01' })
    .resolves({ Accounts: [{ Id: '111111111111', Name: 'management' }] })
    .on(ListAccountsForParentCommand, { ParentId: 'ou-fa01-work0001' })
    .resolves({ Accounts: [] })
    .on(ListAccountsForParentCommand, { ParentId: 'ou-fa01-prod0001' })
    .resolves({ Accounts: [{ Id: PROD, Name: 'payments-prod' }] });
  orgMock
    .on(ListOrganizationalUnitsForParentCommand, { ParentId: 'r-fa01' })
    .resolves({ OrganizationalUnits: [{ Id: 'ou-fa01-work0001', Name: 'Workloads' }] })
    .on(ListOrganizationalUnitsForParentCommand, { ParentId: 'ou-fa01-work0001' })
    .resolves({ OrganizationalUnits: [{ Id: 'ou-fa01-prod0001', Name: 'Production' }] })
    .on(ListOrganizationalUnitsForParentCommand, { ParentId: 'ou-fa01-prod0001' })
    .resolves({ OrganizationalUnits: [] });
}

describe('Organizations throttled at cold start', () => {
  it('the fallback rule set is kept a minute, counted, and the OU-limited rules run once Organizations answers (t+2 min)', async () => {
    let now = Date.UTC(2026, 10, 20, 10, 0, 0);
    const clock = () => now;
    orgMock.reset();
    orgMock.onAnyCommand().rejects(throttle());

    // Each object holds one event for the root's rule and one for Production's own rule.
    const objects = new Map<string, Buffer>();
    for (const t of ['t0', 't1', 't2', 't3'])
      objects.set(key(t), logObject(stopLogging(`stop-${t}`), secretRead(`secret-${t}`)));
    s3Mock.reset();
    serveObjects(s3Mock, objects);
    const queue = new ValidatingQueue();
    sqsMock.reset();
    sqsMock.on(SendMessageBatchCommand).callsFake(queue.sendMessageBatch);

    const directory = createAccountDirectory(fx.config, {
      client: new OrganizationsClient({ region: 'us-east-1' }),
      now: clock,
      sleep: async () => {},
      random: () => 0.5,
    });
    const { metrics, published, sum } = recordingMetrics();
    const handler = analyzerHandler({ runtime: async () => fx.runtime(directory), metrics, now: clock });
    const rulesOf = (t: string) =>
      queue.bodies
        .map(decodeMatch)
        .filter((m) => String(m.record.eventID).endsWith(`-${t}`))
        .map((m) => m.rule.id)
        .sort();

    // t+0: cold start, Organizations throttles every call: the root's rule set (the fallback).
    expect((await deliver(handler, [objectMessage(key('t0'))])).failed).toEqual([]);
    expect(rulesOf('t0')).toEqual([STOP_ID]);
    expect(sum('DirectoryFallbacks')).toBe(1);

    // t+1 min: still throttled; the fallback expired, was asked again, and is counted again.
    now += MINUTE;
    expect((await deliver(handler, [objectMessage(key('t1'))])).failed).toEqual([]);
    expect(rulesOf('t1')).toEqual([STOP_ID]);
    expect(sum('DirectoryFallbacks')).toBe(2);

    // t+2 min: Organizations answers; PROD is in /Workloads/Production and runs its rules.
    answering();
    now += MINUTE;
    expect((await deliver(handler, [objectMessage(key('t2'))])).failed).toEqual([]);
    expect(rulesOf('t2')).toEqual([STOP_ID, SECRET_ID].sort());
    expect(sum('DirectoryFallbacks')).toBe(2);

    // t+3 min: the directory's answer is cached as usual (no walk, no fallback).
    const walks = orgMock.commandCalls(ListRootsCommand).length;
    now += MINUTE;
    expect((await deliver(handler, [objectMessage(key('t3'))])).failed).toEqual([]);
    expect(rulesOf('t3')).toEqual([STOP_ID, SECRET_ID].sort());
    expect(orgMock.commandCalls(ListRootsCommand)).toHaveLength(walks);
    expect(sum('DirectoryFallbacks')).toBe(2);

    // The metric for the alarm: DirectoryFallbacks, dimension `service` only.
    const withFallbacks = published.filter((p) => p.values.DirectoryFallbacks);
    expect(withFallbacks).toHaveLength(2);
    for (const p of withFallbacks) expect(p.dimensions).toEqual([['service']]);
  });
});
