/**
 * The filters that pick trail log objects: the EventBridge content filter (forwarded "Object
 * Created" events), checked against the sample organization trail in examples/ (log objects must
 * match; digests and Insights must not) by emulating EventBridge's wildcard matching (`*` matches
 * any run of characters, including `/`); and the SNS body filter on the trail's notification topic
 * (CloudTrail's log-file notifications pass, AWS Config's on the same topic do not). Everything
 * either filter lets through lies under the prefix the log-archive reader role may read.
 */
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { trailNotificationFilter } from '../../stacks/constructs/trail-notification-subscription';
import { trailLogKeyWildcard, trailLogsKeyPrefix } from '../../stacks/constructs/validate-props';

function wildcardMatches(pattern: string, key: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return regex.test(key);
}

function keysUnder(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else out.push(path.relative(root, full).split(path.sep).join('/'));
    }
  };
  walk(root);
  return out;
}

type Matcher = string | { prefix: string } | { exists: boolean };

/**
 * SNS message-body filtering for the operators the subscription uses: a property matches when one
 * of its values (a scalar or each element of an array) matches one of the filter's matchers;
 * `{exists: false}` matches an absent property; every filter property must match.
 */
function snsBodyMatches(filter: Record<string, unknown>, body: Record<string, unknown>): boolean {
  return Object.entries(filter).every(([name, raw]) => {
    const matchers = raw as Matcher[];
    const present = name in body;
    const values = present ? [body[name]].flat() : [];
    return matchers.some((m) => {
      if (typeof m === 'string') return values.includes(m);
      if ('exists' in m) return m.exists === present;
      return values.some((v) => typeof v === 'string' && v.startsWith(m.prefix));
    });
  });
}

const exampleKeys = keysUnder(path.join(__dirname, '../../examples')).filter((k) => k.startsWith('AWSLogs/'));

describe('trail log key filter', () => {
  it('matches every CloudTrail log object of the sample trail, and no digest', () => {
    const logs = exampleKeys.filter((k) => /\/CloudTrail\/.*\.json\.gz$/.test(k));
    const digests = exampleKeys.filter((k) => k.includes('/CloudTrail-Digest/'));
    expect(logs.length).toBeGreaterThan(0);
    for (const key of logs) expect([key, wildcardMatches(trailLogKeyWildcard(''), key)]).toEqual([key, true]);
    for (const key of digests)
      expect([key, wildcardMatches(trailLogKeyWildcard(''), key)]).toEqual([key, false]);
  });

  it('excludes Insights, digests and other prefixes; honours the trail prefix', () => {
    const wildcard = trailLogKeyWildcard('org/trail');
    expect(wildcard).toBe('org/trail/AWSLogs/*/CloudTrail/*.json.gz');
    expect(
      wildcardMatches(
        wildcard,
        'org/trail/AWSLogs/o-abc/111122223333/CloudTrail/us-east-1/2026/11/20/x.json.gz',
      ),
    ).toBe(true);
    expect(
      wildcardMatches(wildcard, 'org/trail/AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/20/x.json.gz'),
    ).toBe(true);
    expect(
      wildcardMatches(
        wildcard,
        'org/trail/AWSLogs/o-abc/111122223333/CloudTrail-Insight/us-east-1/2026/11/20/x.json.gz',
      ),
    ).toBe(false);
    expect(
      wildcardMatches(
        wildcard,
        'org/trail/AWSLogs/o-abc/111122223333/CloudTrail-Digest/us-east-1/2026/11/20/x.json.gz',
      ),
    ).toBe(false);
    expect(
      wildcardMatches(wildcard, 'other/AWSLogs/o-abc/111122223333/CloudTrail/us-east-1/2026/11/20/x.json.gz'),
    ).toBe(false);
    expect(
      wildcardMatches(
        wildcard,
        'org/trail/AWSLogs/o-abc/111122223333/CloudTrail/us-east-1/2026/11/20/x.json',
      ),
    ).toBe(false);
    expect(trailLogsKeyPrefix('')).toBe('AWSLogs/');
  });
});

describe('trail notification filter (SNS body)', () => {
  const bucket = 'aws-controltower-logs-333333333333-us-east-1';
  const logs = exampleKeys.filter((k) => /\/CloudTrail\/.*\.json\.gz$/.test(k));

  it('passes CloudTrail log-file notifications for the sample trail keys of this bucket', () => {
    const filter = trailNotificationFilter(bucket, trailLogsKeyPrefix(''));
    expect(logs.length).toBeGreaterThan(0);
    for (const key of logs)
      expect([key, snsBodyMatches(filter, { s3Bucket: bucket, s3ObjectKey: [key] })]).toEqual([key, true]);
    expect(snsBodyMatches(filter, { s3Bucket: bucket, s3ObjectKey: logs.slice(0, 3) })).toBe(true);
  });

  it('drops other buckets, other prefixes and AWS Config notifications on the same topic', () => {
    const prefix = 'o-exampleorg1';
    const filter = trailNotificationFilter(bucket, trailLogsKeyPrefix(prefix));
    const key = `${prefix}/AWSLogs/o-exampleorg1/444455556666/CloudTrail/us-east-1/2026/11/20/x.json.gz`;
    expect(snsBodyMatches(filter, { s3Bucket: bucket, s3ObjectKey: [key] })).toBe(true);
    expect(snsBodyMatches(filter, { s3Bucket: 'other-bucket', s3ObjectKey: [key] })).toBe(false);
    expect(
      snsBodyMatches(filter, {
        s3Bucket: bucket,
        s3ObjectKey: ['other/AWSLogs/o-exampleorg1/444455556666/CloudTrail/us-east-1/2026/11/20/x.json.gz'],
      }),
    ).toBe(false);
    // Control Tower's AWS Config deliveries go to the same bucket and prefix and the same topic.
    expect(
      snsBodyMatches(filter, {
        messageType: 'ConfigurationHistoryDeliveryCompleted',
        s3Bucket: bucket,
        s3ObjectKey: `${prefix}/AWSLogs/444455556666/Config/us-east-1/2026/11/20/ConfigHistory/x.json.gz`,
      }),
    ).toBe(false);
  });

  it('lets through only keys under the prefix the reader role may read and list', () => {
    for (const prefix of ['', 'o-exampleorg1', 'org/trail']) {
      const logsPrefix = trailLogsKeyPrefix(prefix);
      const filter = trailNotificationFilter(bucket, logsPrefix) as { s3ObjectKey: { prefix: string }[] };
      expect(filter.s3ObjectKey).toEqual([{ prefix: logsPrefix }]);
      expect(trailLogKeyWildcard(prefix).startsWith(logsPrefix)).toBe(true);
    }
  });
});
