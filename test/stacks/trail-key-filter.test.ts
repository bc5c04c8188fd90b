/**
 * The EventBridge content filter for trail log keys, checked against the sample organization
 * trail in examples/ (log objects must match; digests and Insights must not) by emulating
 * EventBridge's wildcard matching (`*` matches any run of characters, including `/`).
 */
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
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
