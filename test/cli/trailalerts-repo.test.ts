/**
 * A rules folder as TrailAlerts lays it out and writes it (test/fixtures/trailalerts-repo: `service:
 * iam` logsources, postprocessing_rules/x.json, exceptions.json, two rules sharing an id), scanned
 * as a TrailAlerts user would point the product at it.
 */
import { Command } from 'commander';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { runDetect } from '../../bin/cli/detect';
import { migrateCommand } from '../../bin/cli/migrate';
import { defaultConfig, runScan } from '../../bin/cli/scan';
import { runTest } from '../../bin/cli/test';
import { rulesValidation, runValidate } from '../../bin/cli/validate';
import { captureIO } from './fixtures';

const RULES = join(__dirname, '..', 'fixtures', 'trailalerts-repo', 'rules');
const ACCOUNT = '111122223333';

function record(n: number, minute: number, source: string, name: string, who: string, extra = {}) {
  return {
    eventVersion: '1.08',
    eventTime: `2026-11-01T10:${String(minute).padStart(2, '0')}:00Z`,
    eventSource: `${source}.amazonaws.com`,
    eventName: name,
    awsRegion: 'us-east-1',
    sourceIPAddress: '198.51.100.7',
    userAgent: 'aws-cli/2.15.0',
    userIdentity: { type: 'IAMUser', arn: `arn:aws:iam::${ACCOUNT}:user/${who}`, accountId: ACCOUNT },
    requestParameters: { secretId: `secret-${n}`, userName: `user-${n}` },
    recipientAccountId: ACCOUNT,
    eventID: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    ...extra,
  };
}

const trail = [
  // A then B by alice: the correlation entry.
  record(1, 0, 'iam', 'CreateUser', 'alice'),
  record(2, 5, 'iam', 'AttachUserPolicy', 'alice'),
  // Three reads by bob within 5 minutes: the threshold entry; mallory's three are 10 minutes apart.
  record(3, 0, 'secretsmanager', 'GetSecretValue', 'bob'),
  record(4, 1, 'secretsmanager', 'GetSecretValue', 'bob'),
  record(5, 2, 'secretsmanager', 'GetSecretValue', 'bob'),
  record(6, 0, 'secretsmanager', 'GetSecretValue', 'mallory'),
  record(7, 10, 'secretsmanager', 'GetSecretValue', 'mallory'),
  record(8, 20, 'secretsmanager', 'GetSecretValue', 'mallory'),
  // exceptions.json: an excluded actor and an excluded source address.
  record(9, 30, 'secretsmanager', 'GetSecretValue', 'ci-bot'),
  record(10, 31, 'secretsmanager', 'GetSecretValue', 'dave', { sourceIPAddress: '10.0.1.100' }),
  // The two rules that share an id.
  record(11, 40, 'ec2', 'DeleteFlowLogs', 'erin'),
  record(12, 41, 'ec2', 'GetPasswordData', 'erin'),
  // excludedActorsRegex `.*SomeRole.*`: a session of that role.
  record(13, 50, 'secretsmanager', 'GetSecretValue', 'x', {
    userIdentity: {
      type: 'AssumedRole',
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/SomeRole/session-1`,
      accountId: ACCOUNT,
      sessionContext: {
        sessionIssuer: { type: 'Role', arn: `arn:aws:iam::${ACCOUNT}:role/SomeRole`, accountId: ACCOUNT },
      },
    },
  }),
];

interface Line {
  outcome: string;
  exception?: string;
  alert: {
    id: string;
    kind: string;
    level: string;
    rule: { title: string };
    actor: string;
    eventID?: string;
  };
}

async function scanFixture(
  rules = RULES,
  config?: string,
): Promise<{ code: number; lines: Line[]; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'ta-repo-'));
  writeFileSync(join(dir, 'trail.json'), JSON.stringify({ Records: trail }));
  const io = captureIO();
  const code = await runScan(
    [join(dir, 'trail.json')],
    { rules: [rules], config, out: join(dir, 'out'), format: 'ndjson', progress: false },
    io as never,
  );
  const lines = io
    .stdout()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Line);
  return { code, lines, stderr: io.stderr() };
}

describe('a TrailAlerts rules folder, unchanged', () => {
  let result: Awaited<ReturnType<typeof scanFixture>>;
  beforeAll(async () => {
    result = await scanFixture();
  });
  const alertsOf = (title: string) => result.lines.filter((l) => l.alert.rule.title.startsWith(title));

  it('applies the rules of `service: iam` files and counts the skipped one on stderr', () => {
    const stderr = result.stderr.split('\n').filter(Boolean);
    expect(stderr).toEqual([
      expect.stringMatching(
        /^warning: .*aws_ec2_getpassworddata\.yml:1 id => duplicate id .* \(also at .*aws_ec2_deleteflowlogs\.yml:1\)/,
      ),
      'notice: 1 rule skipped: logsource is not AWS CloudTrail (trailalerts validate --notices names them)',
    ]);
    expect(result.code).toBe(0);
    expect(alertsOf('Fixture IAM User Created').map((l) => l.alert.kind)).toContain('event');
    expect(result.stderr).toContain('notice: 1 rule skipped: logsource is not AWS CloudTrail');
  });

  it('fires the threshold entry once its count is reached within its window, for one actor', () => {
    const hits = result.lines.filter(
      (l) => l.alert.kind === 'correlation' && l.alert.rule.title.includes('3 or more'),
    );
    expect(hits.map((l) => [l.alert.actor, l.alert.level])).toEqual([['user/bob', 'high']]);
  });

  it('fires the correlation entry for A then B by one actor', () => {
    const hits = result.lines.filter(
      (l) =>
        l.alert.kind === 'correlation' &&
        l.alert.rule.title.includes('with Fixture IAM User Policy Attached'),
    );
    expect(hits).toHaveLength(1);
    expect(hits[0].alert.level).toBe('critical');
  });

  it('applies exceptions.json (excludedActors, excludedSourceIPs, excludedActorsRegex)', () => {
    const excepted = result.lines
      .filter((l) => l.outcome === 'excepted')
      .map((l) => [l.alert.eventID?.slice(-2), l.exception?.match(/\.(excluded\w+)/)?.[1]]);
    expect(excepted.sort()).toEqual([
      ['09', 'excludedActors'],
      ['10', 'excludedSourceIPs'],
      ['13', 'excludedActorsRegex'],
    ]);
  });

  it('alerts on both rules that share an id, under different alert ids', () => {
    const flow = alertsOf('Fixture Flow Logs Deleted');
    const password = alertsOf('Fixture Windows Password Data Read');
    expect(flow.map((l) => l.outcome)).toEqual([expect.not.stringMatching(/duplicate|suppressed/)]);
    expect(password.map((l) => l.outcome)).toEqual([expect.not.stringMatching(/duplicate|suppressed/)]);
    expect(flow[0].alert.id).not.toBe(password[0].alert.id);
  });

  it('`validate` without accounts.yaml loads the post-processing entries and exceptions.json too', async () => {
    const io = captureIO();
    expect(await runValidate([rulesValidation([RULES])], { notices: true }, io)).toBe(0);
    expect(io.stdout()).toContain(
      'rules: 5 rules, 2 correlations, 0 filters, 1 skipped; 0 errors, 1 warnings',
    );
    expect(io.stderr()).toMatch(
      /exceptions\.json Fixture Secret Value Read\.excludedActorsRegex => .*simplified to "SomeRole"/,
    );
  });

  it('`detect` prints the skipped count too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ta-repo-'));
    writeFileSync(join(dir, 'trail.json'), JSON.stringify({ Records: trail }));
    const io = captureIO();
    await runDetect([join(dir, 'trail.json')], { rules: [RULES], format: 'ndjson' }, io);
    expect(io.stderr()).toContain('notice: 1 rule skipped: logsource is not AWS CloudTrail');
    expect(io.stdout().split('\n').filter(Boolean)).toHaveLength(trail.length);
  });
});

describe('`trailalerts migrate` on the same folder, then `test` and `scan` on its output', () => {
  let out: string;
  let migrateOutput: string;
  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'ta-migrated-'));
    const io = captureIO();
    // The command as the CLI registers it (bin/cli/program.ts), run whole.
    await new Command()
      .addCommand(migrateCommand(io))
      .parseAsync(['node', 'trailalerts', 'migrate', RULES, '--out', out]);
    expect(process.exitCode ?? 0).toBe(0);
    migrateOutput = io.stdout() + io.stderr();
  });

  it('writes standard Sigma rules, correlations, an exceptions block and the report', () => {
    expect(migrateOutput).toContain('6 rule files, 3 test files, 2 correlation rules, 3 exceptions');
    for (const file of [
      'rules/sigma/aws_iam_create_user.yml',
      'rules/sigma/aws_iam_create_user_tests.json',
      'rules/correlations/x.yml',
      'accounts-exceptions.yaml',
      'MIGRATION.md',
    ])
      expect([file, existsSync(join(out, file))]).toEqual([file, true]);
    expect(readFileSync(join(out, 'rules/sigma/aws_iam_create_user.yml'), 'utf8')).toContain(
      'service: cloudtrail',
    );
    const exceptions = parse(readFileSync(join(out, 'accounts-exceptions.yaml'), 'utf8')) as {
      exceptions: Record<string, unknown>[];
    };
    expect(exceptions.exceptions.map((e) => [Object.keys(e)[1], e.reason])).toEqual([
      ['actors', 'TODO'],
      ['sourceIPs', 'TODO'],
      ['actorPatterns', 'TODO'],
    ]);
    expect(readFileSync(join(out, 'MIGRATION.md'), 'utf8')).toMatch(
      /`sigma_rules\/aws_iam_create_user\.yml:8` logsource service: iam → cloudtrail/,
    );
  });

  it('`test` passes on the output what it passes on the folder', async () => {
    const before = captureIO();
    const after = captureIO();
    expect(await runTest([RULES], {}, before)).toBe(0);
    expect(await runTest([join(out, 'rules')], {}, after)).toBe(0);
    expect(after.stdout()).toBe(before.stdout());
    expect(after.stdout()).toContain('7 passed, 0 failed');
  });

  it('`scan` of the output, with the exceptions block in accounts.yaml, gives the same alerts', async () => {
    const block = parse(readFileSync(join(out, 'accounts-exceptions.yaml'), 'utf8')) as Record<
      string,
      unknown
    >;
    const config = join(out, 'accounts.yaml');
    // scan's own default organization, with addresses the schema accepts, and the migrated block.
    const base = defaultConfig();
    base.organization.id = 'o-abcdefghij';
    base.destinations = {
      outbox: { type: 'email', from: 'trailalerts@example.com', to: ['soc@example.com'] },
    };
    writeFileSync(config, stringify({ ...base, ...block }));
    const direct = await scanFixture();
    const migrated = await scanFixture(join(out, 'rules'), config);
    const alerts = (lines: Line[]) =>
      lines
        .map((l) =>
          [l.outcome, l.alert.kind, l.alert.level, l.alert.rule.title, l.alert.actor, l.alert.eventID].join(
            ' ',
          ),
        )
        .sort();
    expect(migrated.code).toBe(0);
    // Nothing left to read in TrailAlerts' dialect: no duplicate id, no service: iam.
    expect(migrated.stderr).toBe(
      'notice: 1 rule skipped: logsource is not AWS CloudTrail (trailalerts validate --notices names them)\n',
    );
    expect(alerts(migrated.lines)).toEqual(alerts(direct.lines));
    expect(migrated.lines.filter((l) => l.outcome === 'excepted')).toHaveLength(3);
    expect(migrated.lines.filter((l) => l.alert.kind === 'correlation')).toHaveLength(2);
  });
});
