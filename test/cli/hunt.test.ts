/**
 * `trailalerts hunt`: dry runs print the plan without AWS calls; real runs start the state machine
 * with inline prefixes or a manifest written to the hunt bucket (S3 and SFN mocked).
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import * as exitCodes from '../../bin/cli/exit-codes';
import {
  defaultHuntBucket,
  describePlan,
  huntCommand,
  huntResultsCommand,
  runHunt,
  type HuntCommandOptions,
  dedupeWindowNotice,
} from '../../bin/cli/hunt';
import { planHunt } from '../../src/hunt/plan';
import { executionInput, INLINE_PREFIX_LIMIT, manifestKeyFor, newHuntId } from '../../src/hunt/start';
import { parseAccountsConfig } from '../../src/org/config';
import { resourceNames } from '../../stacks/resource-names';

const ARN = 'arn:aws:states:eu-west-1:222222222222:stateMachine:trailalerts-retro-hunt';
const CONFIG = `
organization: { id: o-testorg0001, managementAccountId: '111111111111', securityAccountId: '222222222222', homeRegion: eu-west-1 }
trail: { bucket: trail, accountId: '333333333333', regions: [eu-west-1] }
destinations: { soc: { type: email, from: a@example.com, to: [b@example.com] } }
organizationalUnits: { /: { routes: [{ to: [soc] }] } }
accounts:
  '444444444444': { name: prod, ou: /Prod }
  '555555555555': { name: dev, ou: /Dev }
`;

let dir: string;
let configFile: string;
const s3Mock = mockClient(S3Client);
const sfnMock = mockClient(SFNClient);
const regions: string[] = [];
const clients = {
  s3: (region: string) => (regions.push(region), new S3Client({ region })),
  sfn: (region: string) => (regions.push(region), new SFNClient({ region })),
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ta-hunt-cli-'));
  configFile = join(dir, 'accounts.yaml');
  writeFileSync(configFile, CONFIG);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(() => {
  s3Mock.reset();
  sfnMock.reset();
  regions.length = 0;
  sfnMock.on(StartExecutionCommand).callsFake((input: { name: string }) => ({
    executionArn: `arn:aws:states:eu-west-1:222222222222:execution:trailalerts-retro-hunt:${input.name}`,
    startDate: new Date(),
  }));
  s3Mock.on(PutObjectCommand).resolves({});
});

function capture() {
  const out = new PassThrough();
  const err = new PassThrough();
  const text = { out: '', err: '' };
  out.on('data', (d: Buffer) => (text.out += d.toString()));
  err.on('data', (d: Buffer) => (text.err += d.toString()));
  return { io: { out, err }, text };
}

const opts = (over: Partial<HuntCommandOptions> = {}): HuntCommandOptions => ({
  since: '2026-08-01',
  until: '2026-08-02',
  config: configFile,
  stateMachine: ARN,
  ...over,
});

describe('runHunt', () => {
  it('--dry-run prints the plan and calls nothing', async () => {
    const { io, text } = capture();
    expect(await runHunt(opts({ dryRun: true, stateMachine: undefined }), clients, io)).toBe(0);
    expect(text.out).toContain('prefixes: 6 (inline)');
    expect(text.out).toContain('AWSLogs/o-testorg0001/444444444444/CloudTrail/eu-west-1/2026/08/01/');
    expect(text.out).toContain('… 1 more');
    // Two whole days and the first hour of the next (late deliveries), 288 objects a day, 2 accounts.
    expect(text.out).toMatch(
      /estimate: 1,176 objects in 1 worker calls; 1 min at 20 workers x \d+ objects\/s \(40 ms per GET\)/,
    );
    expect(text.out).toMatch(/cost: +\$0\.\d\d \(Lambda \$0\.\d\d, S3 \$0\.\d\d, Step Functions \$0\.00; /);
    expect(text.out).toContain("GuardDuty's price for the same");
    expect(s3Mock.calls()).toHaveLength(0);
    expect(sfnMock.calls()).toHaveLength(0);
    expect(regions).toEqual([]);
  });

  it('--dry-run warns when the plan would outlast the state machine timeout at the configured concurrency', async () => {
    const config = join(dir, 'slow.yaml');
    writeFileSync(
      config,
      `${CONFIG}deployment: { huntWorkerReservedConcurrency: 2, huntMaxConcurrency: 1, huntGetsInFlight: 1, huntTimeoutHours: 1 }\n`,
    );
    const { io, text } = capture();
    const run = opts({
      dryRun: true,
      config,
      since: '2026-01-01',
      until: '2026-12-31',
      objectsPerDay: '5000',
    });
    expect(await runHunt(run, clients, io)).toBe(0);
    expect(text.out).toMatch(/at 1 workers x 25 objects\/s/);
    expect(text.out).toContain(
      "warning:  longer than the state machine's 1 h timeout (deployment.huntTimeoutHours)",
    );
    await expect(runHunt({ ...run, objectsPerDay: 'lots' }, clients, io)).rejects.toThrow(
      '--objects-per-day',
    );
  });

  it('starts a small hunt with the prefixes inline, in the state machine region', async () => {
    const { io, text } = capture();
    expect(await runHunt(opts({ rules: ['Stop Logging'], account: ['444444444444'] }), clients, io)).toBe(0);
    expect(s3Mock.calls()).toHaveLength(0);
    const [call] = sfnMock.commandCalls(StartExecutionCommand);
    const input = call.args[0].input;
    expect(input.stateMachineArn).toBe(ARN);
    expect(input.name).toMatch(/^hunt-\d{8}T\d{6}Z-[0-9a-f]{6}$/);
    expect(JSON.parse(input.input!)).toEqual({
      huntId: input.name,
      since: '2026-08-01T00:00:00.000Z',
      until: '2026-08-02T23:59:59.999Z',
      mode: 'alert',
      rules: ['Stop Logging'],
      prefixes: [1, 2, 3].map(
        (d) => `AWSLogs/o-testorg0001/444444444444/CloudTrail/eu-west-1/2026/08/0${d}/`,
      ),
    });
    expect(regions).toContain('eu-west-1');
    expect(text.out).toContain(
      `execution: arn:aws:states:eu-west-1:222222222222:execution:trailalerts-retro-hunt:${input.name}`,
    );
  });

  it('writes a manifest to the hunt bucket for large hunts and passes its key', async () => {
    const { io, text } = capture();
    // 2 accounts × 1 region × 62 day folders = 124 prefixes > the inline limit.
    const code = await runHunt(opts({ since: '2026-07-01', until: '2026-08-30', report: true }), clients, io);
    expect(code).toBe(0);
    const [put] = s3Mock.commandCalls(PutObjectCommand);
    const { Bucket, Key, Body } = put.args[0].input;
    expect(Bucket).toBe('trailalerts-hunt-222222222222-eu-west-1');
    const prefixes = JSON.parse(Body as string) as string[];
    expect(prefixes.length).toBeGreaterThan(INLINE_PREFIX_LIMIT);
    expect(prefixes).toHaveLength(124);
    const input = JSON.parse(sfnMock.commandCalls(StartExecutionCommand)[0].args[0].input.input!);
    expect(input).toMatchObject({ mode: 'report', rules: [], manifestKey: Key });
    expect(input.prefixes).toBeUndefined();
    expect(Key).toBe(manifestKeyFor(input.huntId));
    expect(text.out).toContain(`manifest: s3://${Bucket}/${Key}`);
    expect(text.out).toContain('results: s3://trailalerts-hunt-222222222222-eu-west-1/results/');
  });

  it('takes a --prefixes-from file of any size, read line by line, and starts it in parts', async () => {
    const root = 'AWSLogs/o-testorg0001/';
    const lines: string[] = ['# hunt again'];
    // More than the 100,000 once refused: 5,000 accounts x 4 regions x 6 days.
    for (let a = 0; a < 5000; a++)
      for (const region of ['eu-west-1', 'eu-west-2', 'us-east-1', 'us-west-2'])
        for (let d = 1; d <= 6; d++)
          lines.push(`${root}${String(100000000000 + a)}/CloudTrail/${region}/2026/08/0${d}/`);
    const file = join(dir, 'rerun.txt');
    writeFileSync(file, `${lines.join('\r\n')}\n`);
    const { io, text } = capture();
    const code = await runHunt(
      opts({ prefixesFrom: file, dryRun: false }),
      { ...clients, partSize: 50_000 },
      io,
    );
    expect(code).toBe(0);
    const starts = sfnMock.commandCalls(StartExecutionCommand).map((c) => c.args[0].input);
    expect(starts).toHaveLength(3);
    const names = starts.map((s) => s.name!);
    expect(names.map((n) => n.replace(/^hunt-[0-9TZ]+-[0-9a-f]{6}/, ''))).toEqual([
      '-p1of3',
      '-p2of3',
      '-p3of3',
    ]);
    const manifests = s3Mock
      .commandCalls(PutObjectCommand)
      .map((c) => JSON.parse(String(c.args[0].input.Body)) as string[]);
    expect(manifests.map((m) => m.length)).toEqual([50_000, 50_000, 20_000]);
    expect(new Set(manifests.flat()).size).toBe(120_000);
    expect(text.out).toContain('3 executions, one per part of the plan');
  });

  it('uses --hunt-bucket when given', async () => {
    const { io } = capture();
    await runHunt(opts({ since: '2026-07-01', until: '2026-08-30', huntBucket: 'my-hunts' }), clients, io);
    expect(s3Mock.commandCalls(PutObjectCommand)[0].args[0].input.Bucket).toBe('my-hunts');
  });

  it('needs --state-machine unless --dry-run and refuses a malformed ARN', async () => {
    const { io, text } = capture();
    expect(await runHunt(opts({ stateMachine: undefined }), clients, io)).toBe(1);
    expect(text.err).toContain('--state-machine <arn> is required');
    await expect(runHunt(opts({ stateMachine: 'arn:aws:lambda:x' }), clients, io)).rejects.toThrow(
      /--state-machine: expected arn:aws:states/,
    );
    expect(sfnMock.calls()).toHaveLength(0);
  });

  it('reports a broken accounts.yaml with exit 2', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'organization: [');
    const { io, text } = capture();
    expect(await runHunt(opts({ config: bad }), clients, io)).toBe(2);
    expect(text.err).toContain('bad.yaml');
  });
});

describe('helpers', () => {
  it('says when an alert-mode hunt reaches beyond the 400 days alerted events are remembered, and only then', () => {
    const now = Date.parse('2026-12-07T12:00:00Z');
    // A quarter back is well within: what was alerted, live or by a hunt, is not sent again.
    expect(dedupeWindowNotice('2026-09-01T00:00:00Z', 'alert', now)).toBeUndefined();
    expect(dedupeWindowNotice('2025-01-01T00:00:00Z', 'report', now)).toBeUndefined();
    expect(dedupeWindowNotice('2025-01-01T00:00:00Z', 'alert', now)).toMatch(
      /remembers alerted events for 400 days: alerts for events before 2025-11-02 .* may be sent again/,
    );
  });

  it('derives the hunt bucket from the state machine ARN as the stack names both', () => {
    expect(defaultHuntBucket(ARN)).toBe('trailalerts-hunt-222222222222-eu-west-1');
    // A second deployment named `staging` owns staging-retro-hunt and staging-hunt-….
    const staging = resourceNames('staging');
    expect(
      defaultHuntBucket(`arn:aws:states:eu-west-1:222222222222:stateMachine:${staging.stateMachine}`),
    ).toBe(staging.huntBucket('222222222222', 'eu-west-1'));
    expect(staging.huntBucket('222222222222', 'eu-west-1')).toBe('staging-hunt-222222222222-eu-west-1');
  });

  it('gives hunt outcomes exit codes no other command uses, and lists them in --help', () => {
    const { EXIT_HUNT_FAILED, EXIT_HUNT_INCOMPLETE, EXIT_HUNT_NOT_FINISHED } = exitCodes;
    const hunt = [EXIT_HUNT_NOT_FINISHED, EXIT_HUNT_INCOMPLETE, EXIT_HUNT_FAILED];
    const others = Object.entries(exitCodes)
      .filter(([name, v]) => typeof v === 'number' && !name.startsWith('EXIT_HUNT_'))
      .map(([, v]) => v as number);
    expect(new Set([...hunt, ...others]).size).toBe(hunt.length + others.length);
    for (const command of [huntCommand(), huntResultsCommand()]) {
      let help = '';
      command.configureOutput({ writeOut: (t) => (help += t) });
      command.outputHelp();
      for (const code of hunt) expect(help).toContain(`${code} `);
      expect(help).not.toMatch(/\b5 /);
    }
  });

  it('makes unique, execution-name-safe hunt ids', () => {
    const a = newHuntId(new Date('2026-08-01T10:20:30.456Z'));
    expect(a).toMatch(/^hunt-20260801T102030Z-[0-9a-f]{6}$/);
    expect(newHuntId()).not.toBe(newHuntId());
  });

  it('describes an all-rules plan and builds its execution input', () => {
    const { config } = parseAccountsConfig(CONFIG, 'accounts.yaml');
    const plan = planHunt(config!, { since: '2026-08-01', until: '2026-08-01', mode: 'report' });
    expect(describePlan(plan)).toContain('rules:    all shipped rules');
    expect(executionInput(plan, 'h1')).toMatchObject({ huntId: 'h1', rules: [], prefixes: plan.prefixes });
    expect(executionInput(plan, 'h1', 'manifests/h1.json')).not.toHaveProperty('prefixes');
  });

  it('registers the options of the command', () => {
    const command = huntCommand();
    const flags = command.options.map((o) => o.long);
    expect(flags).toEqual(
      expect.arrayContaining([
        '--since',
        '--until',
        '--rules',
        '--ou',
        '--account',
        '--regions',
        '--report',
        '--state-machine',
        '--config',
        '--dry-run',
      ]),
    );
    command.exitOverride();
    expect(() => command.parse(['--until', '2026-08-01'], { from: 'user' })).toThrow(/--since/);
  });
});
