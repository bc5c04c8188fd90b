/** Unit tests of the pure bucket-policy and bucket-notification editing used by the member grants. */
import {
  canonical,
  hasStatement,
  mergeStatement,
  parsePolicy,
  removeStatement,
} from '../../lambdas/grants/bucket-policy';
import { enableEventBridge } from '../../lambdas/grants/bucket-notification';

const ours = {
  Sid: 'TrailAlertsAnalyzerRead',
  Effect: 'Allow',
  Principal: { AWS: 'arn:aws:iam::222222222222:role/trailalerts-analyzer' },
  Action: 's3:GetObject',
  Resource: 'arn:aws:s3:::trail/o-x/AWSLogs/*',
};
const theirs = {
  Sid: 'AWSCloudTrailWrite',
  Effect: 'Allow',
  Principal: { Service: 'cloudtrail.amazonaws.com' },
  Action: 's3:PutObject',
  Resource: '*',
};
const unnamed = {
  Effect: 'Deny',
  Principal: '*',
  Action: 's3:*',
  Condition: { Bool: { 'aws:SecureTransport': 'false' } },
};

describe('parsePolicy', () => {
  it('treats no policy as an empty document', () => {
    expect(parsePolicy(undefined)).toEqual({ Version: '2012-10-17', Statement: [] });
  });
  it('normalises a single Statement object to a list', () => {
    expect(parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: theirs })).Statement).toEqual([
      theirs,
    ]);
  });
  it('names the problem in broken JSON', () => {
    expect(() => parsePolicy('{oops')).toThrow(/not valid JSON/);
    expect(() => parsePolicy('[1]')).toThrow(/expected a JSON object/);
    expect(() => parsePolicy('{"Statement":[1]}')).toThrow(/Statement\[0\] is not an object/);
  });
});

describe('mergeStatement', () => {
  it('appends to a policy and keeps every other statement, including unnamed ones', () => {
    const merged = mergeStatement({ Version: '2012-10-17', Id: 'P', Statement: [theirs, unnamed] }, ours);
    expect(merged.Statement).toEqual([theirs, unnamed, ours]);
    expect(merged.Id).toBe('P');
  });
  it('is idempotent: a re-run gives identical JSON', () => {
    const once = mergeStatement({ Statement: [theirs] }, ours);
    const twice = mergeStatement(once, ours);
    expect(JSON.stringify(twice)).toBe(JSON.stringify(once));
  });
  it('replaces our statement in place when it changed', () => {
    const first = mergeStatement(
      { Statement: [ours, theirs] },
      { ...ours, Resource: 'arn:aws:s3:::other/AWSLogs/*' },
    );
    expect(first.Statement.map((s) => s.Sid)).toEqual(['TrailAlertsAnalyzerRead', 'AWSCloudTrailWrite']);
    expect(first.Statement[0].Resource).toBe('arn:aws:s3:::other/AWSLogs/*');
  });
  it('does not mutate its input', () => {
    const input = { Statement: [theirs] };
    mergeStatement(input, ours);
    expect(input.Statement).toEqual([theirs]);
  });
  it('refuses a statement without an alphanumeric Sid', () => {
    expect(() => mergeStatement(undefined, { Effect: 'Allow' })).toThrow(/Sid must be alphanumeric/);
    expect(() => mergeStatement(undefined, { Sid: 'a-b' })).toThrow(/Sid/);
  });
});

describe('removeStatement / hasStatement', () => {
  it('removes only our statement', () => {
    expect(removeStatement({ Statement: [theirs, ours, unnamed] }, ours.Sid)?.Statement).toEqual([
      theirs,
      unnamed,
    ]);
  });
  it('returns undefined when nothing is left, so the policy is deleted', () => {
    expect(removeStatement({ Statement: [ours] }, ours.Sid)).toBeUndefined();
  });
  it('compares statements regardless of key order', () => {
    const reordered = JSON.parse(canonical(ours)) as typeof ours;
    expect(hasStatement({ Statement: [reordered] }, ours)).toBe(true);
    expect(hasStatement({ Statement: [{ ...ours, Action: 's3:ListBucket' }] }, ours)).toBe(false);
  });
});

describe('enableEventBridge', () => {
  it('adds EventBridge and keeps existing notifications, dropping response metadata', () => {
    const queue = [{ Id: 'q', QueueArn: 'arn:aws:sqs:us-east-1:1:q', Events: ['s3:ObjectCreated:*'] }];
    const { config, changed } = enableEventBridge({
      QueueConfigurations: queue,
      $metadata: { httpStatusCode: 200 },
    });
    expect(changed).toBe(true);
    expect(config).toEqual({ QueueConfigurations: queue, EventBridgeConfiguration: {} });
  });
  it('reports no change when EventBridge is already on', () => {
    const topics = [{ TopicArn: 'arn:aws:sns:us-east-1:1:t', Events: ['s3:ObjectRemoved:*'] }];
    expect(enableEventBridge({ TopicConfigurations: topics, EventBridgeConfiguration: {} })).toEqual({
      config: { TopicConfigurations: topics, EventBridgeConfiguration: {} },
      changed: false,
    });
  });
  it('handles a bucket without any configuration', () => {
    expect(enableEventBridge(undefined)).toEqual({ config: { EventBridgeConfiguration: {} }, changed: true });
  });
});
