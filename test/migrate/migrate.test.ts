/**
 * `trailalerts migrate`'s core (src/migrate/): TrailAlerts' own readings rewritten to standard
 * Sigma, or reported with file and line where Sigma has no form for them, and the rule tests that
 * relied on those readings passing on the output. The whole command on the TrailAlerts fixture,
 * then `test` and `scan` on its output, is pinned in test/cli/trailalerts-repo.test.ts.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { migrateRepository } from '../../src/migrate/migrate';
import type { MigrationResult, SourceFile } from '../../src/migrate/model';
import { runRuleTests } from '../../src/sigma/rule-tests';

const ACCOUNT = '111122223333';

function rule(title: string, id: string, logsource: string, detection: string): string {
  return [
    `title: ${title}`,
    `id: ${id}`,
    '# written in TrailAlerts dialect',
    'logsource:',
    logsource,
    'detection:',
    detection,
    'level: medium',
    '',
  ].join('\n');
}

function event(name: string, source: string, who: string, extra: Record<string, unknown> = {}) {
  return {
    eventSource: `${source}.amazonaws.com`,
    eventName: name,
    eventTime: '2026-11-01T10:00:00Z',
    userIdentity: {
      type: 'IAMUser',
      arn: `arn:aws:iam::${ACCOUNT}:user/${who}`,
      accountId: ACCOUNT,
      userName: who,
    },
    recipientAccountId: ACCOUNT,
    ...extra,
  };
}

const tests = (should_match: unknown[], should_not_match: unknown[]) =>
  JSON.stringify({ should_match, should_not_match }, null, 2);

/** A TrailAlerts folder whose rules lean on its matcher's own readings, each with its tests. */
const FOLDER: SourceFile[] = [
  {
    path: 'sigma_rules/key_for_other_user.yml',
    text: rule(
      'Access Key Made For Another User',
      '0f7e2d61-5a3b-4c8e-9d21-6b4a8c2e1f01',
      '  product: aws\n  service: iam',
      [
        '  selection:',
        '    eventSource: iam.amazonaws.com',
        '    eventName: CreateAccessKey',
        '  self:',
        '    userIdentity.arn|contains: responseElements.accessKey.userName',
        '  condition: selection and not self',
      ].join('\n'),
    ),
  },
  {
    path: 'sigma_rules/key_for_other_user_tests.json',
    text: tests(
      [event('CreateAccessKey', 'iam', 'alice', { responseElements: { accessKey: { userName: 'bob' } } })],
      [event('CreateAccessKey', 'iam', 'alice', { responseElements: { accessKey: { userName: 'alice' } } })],
    ),
  },
  {
    path: 'sigma_rules/password_of_other_user.yml',
    text: rule(
      'Console Password Changed For Another User',
      '2a8c4e61-7b3d-4f5a-8c9e-1d2f3a4b5c02',
      '  product: aws\n  service: iam',
      [
        '  selection:',
        '    eventSource: iam.amazonaws.com',
        '    eventName: UpdateLoginProfile',
        '  self:',
        '    userIdentity.arn|fieldref: requestParameters.userName',
        '  condition: selection and not self',
      ].join('\n'),
    ),
  },
  {
    path: 'sigma_rules/password_of_other_user_tests.json',
    text: tests(
      [event('UpdateLoginProfile', 'iam', 'alice', { requestParameters: { userName: 'bob' } })],
      [event('UpdateLoginProfile', 'iam', 'alice', { requestParameters: { userName: 'alice' } })],
    ),
  },
  {
    path: 'sigma_rules/short_lifecycle.yml',
    text: rule(
      'Bucket Objects Expire After One Day',
      '3b9d5f72-8c4e-4a6b-9d0f-2e3a4b5c6d03',
      '  product: aws\n  service: s3\n  category: management',
      [
        '  selection:',
        '    eventSource: s3.amazonaws.com',
        '    eventName: PutBucketLifecycle',
        '    requestParameters.LifecycleConfiguration.Rule:',
        '      - Expiration:',
        '          Days: 1',
        '  condition: selection',
      ].join('\n'),
    ),
  },
  {
    path: 'sigma_rules/short_lifecycle_tests.json',
    text: tests(
      [
        event('PutBucketLifecycle', 's3', 'carol', {
          requestParameters: {
            LifecycleConfiguration: { Rule: [{ Expiration: { Days: 30 } }, { Expiration: { Days: 1 } }] },
          },
        }),
      ],
      [
        event('PutBucketLifecycle', 's3', 'carol', {
          requestParameters: { LifecycleConfiguration: { Rule: [{ Expiration: { Days: 30 } }] } },
        }),
      ],
    ),
  },
  {
    path: 'sigma_rules/patterns.yml',
    text: rule(
      'Admin Session Outside The Console',
      '4cae6083-9d5f-4b7c-8e1a-3f4b5c6d7e04',
      '  product: aws\n  service: sts',
      [
        '  selection:',
        "    userIdentity.arn|re: '.*AWSReservedSSO_AdministratorAccess.*'",
        '  ui:',
        "    userAgent|re: '^(?!aws-cli)'",
        '  dotted:',
        '    eventSource|contains: amazonaws.com',
        '  condition: selection and not ui and dotted',
      ].join('\n'),
    ),
  },
  {
    path: 'postprocessing_rules/entries.json',
    text: JSON.stringify(
      [
        {
          type: 'threshold',
          sigmaRuleTitle: 'Access Key Made For Another User',
          thresholdCount: 2,
          windowMinutes: 10,
          severity_adjustment: 'high',
        },
        {
          type: 'correlation',
          sigmaRuleTitle: 'Access Key Made For Another User',
          lookFor: ['Console Password Changed For Another User'],
          windowMinutes: 10,
          severityAdjustment: 'high',
        },
      ],
      null,
      2,
    ),
  },
  {
    path: 'exceptions.json',
    text: JSON.stringify(
      { 'Access Key Made For Another User': { excludedActorsRegex: ['.*ci-.*', '(?<=role/)x'] } },
      null,
      2,
    ),
  },
  { path: 'README.md', text: '# my rules\n' },
];

function write(root: string, files: readonly { path: string; text: string }[]): void {
  for (const f of files) {
    mkdirSync(dirname(join(root, f.path)), { recursive: true });
    writeFileSync(join(root, f.path), f.text);
  }
}

describe('migrate', () => {
  let result: MigrationResult;
  let text: (path: string) => string;
  const reported = (kind: string, file: string, pattern: RegExp) =>
    result.changes.filter((c) => c.kind === kind && c.file === file && pattern.test(c.message));
  beforeAll(() => {
    result = migrateRepository(FOLDER);
    text = (path) => result.files.find((f) => f.path === path)?.text ?? '(missing)';
  });

  it('reads a dotted value in contains as the field reference TrailAlerts reads, in standard Sigma', () => {
    expect(text('rules/sigma/key_for_other_user.yml')).toContain(
      '    userIdentity.arn|fieldref|contains: responseElements.accessKey.userName\n',
    );
    // Text with dots is not a field: kept as text, and the difference said.
    expect(text('rules/sigma/patterns.yml')).toContain('    eventSource|contains: amazonaws.com\n');
    expect(reported('note', 'sigma_rules/patterns.yml', /amazonaws\.com is matched as text/)).toEqual([
      expect.objectContaining({ line: 13 }),
    ]);
  });

  it('compares the user name TrailAlerts takes from an ARN through userIdentity.userName', () => {
    expect(text('rules/sigma/password_of_other_user.yml')).toContain(
      '    userIdentity.userName|fieldref: requestParameters.userName\n',
    );
    expect(reported('changed', 'sigma_rules/password_of_other_user.yml', /user name inside the ARN/)).toEqual(
      [expect.objectContaining({ line: 12 })],
    );
  });

  it('turns a list holding one map into dotted paths, and drops a CloudTrail category', () => {
    const migrated = text('rules/sigma/short_lifecycle.yml');
    expect(migrated).toContain(
      '    requestParameters.LifecycleConfiguration.Rule.Expiration.Days: 1\n  condition',
    );
    expect(migrated).toContain('logsource:\n  product: aws\n  service: cloudtrail\ndetection:');
  });

  it('keeps everything else as written, comments included', () => {
    const migrated = text('rules/sigma/key_for_other_user.yml');
    const original = FOLDER[0].text;
    expect(migrated).toBe(
      original
        .replace('service: iam', 'service: cloudtrail')
        .replace('arn|contains', 'arn|fieldref|contains'),
    );
    expect(migrated).toContain('# written in TrailAlerts dialect');
  });

  it('simplifies |re patterns and reports the ones RE2 cannot run, with the line', () => {
    const migrated = text('rules/sigma/patterns.yml');
    expect(migrated).toContain('    userIdentity.arn|re: AWSReservedSSO_AdministratorAccess\n');
    expect(reported('untranslated', 'sigma_rules/patterns.yml', /negative lookahead `\(\?!`/)).toEqual([
      expect.objectContaining({ line: 11 }),
    ]);
  });

  it('writes each post-processing entry as a Sigma correlation, and names the entries it cannot', () => {
    const correlations = text('rules/correlations/entries.yml');
    expect(correlations).toContain('type: event_count');
    expect(correlations).toContain('gte: 2');
    expect(correlations).toContain('timespan: 10m');
    expect(correlations).toContain('level: high');
    expect(result.counts.correlations).toBe(1);
    // A list in lookFor, and a misspelt key: named with their line, never guessed.
    expect(
      reported(
        'untranslated',
        'postprocessing_rules/entries.json',
        /lookFor: expected one rule title, got a list/,
      ),
    ).toEqual([expect.objectContaining({ line: 12 })]);
    expect(reported('note', 'postprocessing_rules/entries.json', /"severityAdjustment"/)).toHaveLength(1);
  });

  it('writes the exceptions block, simplified, with reason TODO, and leaves out what never applied', () => {
    expect(text('accounts-exceptions.yaml')).toContain(
      [
        '  - rule: Access Key Made For Another User',
        '    actorPatterns:',
        '      - ci-',
        '    reason: TODO',
      ].join('\n'),
    );
    expect(reported('untranslated', 'exceptions.json', /lookbehind/)).toEqual([
      expect.objectContaining({ line: 3 }),
    ]);
  });

  it('reports every change with file and line in MIGRATION.md, and what it did not copy', () => {
    const report = text('MIGRATION.md');
    expect(report).toMatch(/## Not translated \(\d+\)/);
    expect(report).toContain(
      '`sigma_rules/patterns.yml:11` userAgent|re: regular expression uses a negative lookahead',
    );
    expect(report).toContain('`README.md` not a rule, test, post-processing or exceptions file: not copied');
  });

  it('`test` passes on the output the tests that relied on TrailAlerts readings', async () => {
    const source = mkdtempSync(join(tmpdir(), 'ta-source-'));
    const out = mkdtempSync(join(tmpdir(), 'ta-out-'));
    write(source, FOLDER);
    write(out, result.files);
    const before = await runRuleTests([source]);
    const after = await runRuleTests([join(out, 'rules')]);
    // Before: the two self-exclusions never apply, and the lifecycle rule does not load.
    expect([before.passed, before.failed]).toEqual([2, 3]);
    expect([after.passed, after.failed]).toEqual([6, 0]);
  });
});
