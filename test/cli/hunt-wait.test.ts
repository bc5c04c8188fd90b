/**
 * `trailalerts hunt --wait` and `trailalerts hunt-results` through the AWS adapter with SFN and S3
 * mocked (aws-sdk-client-mock): success with results aggregation, failure with its cause, the
 * --timeout, malformed result files, many result files and paged map runs, JSON output, and the
 * re-run round trip through --rerun-file and --prefixes-from. No real time passes: the clock and
 * the pause between polls are injected.
 */
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DescribeExecutionCommand,
  DescribeMapRunCommand,
  ListMapRunsCommand,
  RedriveExecutionCommand,
  SFNClient,
  UpdateMapRunCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { EXIT_HUNT_FAILED, EXIT_HUNT_INCOMPLETE, EXIT_HUNT_NOT_FINISHED } from '../../bin/cli/exit-codes';
import {
  huntCommand,
  huntResultsCommand,
  parseDuration,
  waitFor,
  runHunt,
  runHuntResults,
  type HuntCommandOptions,
} from '../../bin/cli/hunt';
import { buildProgram } from '../../bin/cli/program';
import type { HuntSummary } from '../../src/hunt/results';
import {
  batchResult,
  BUCKET,
  child,
  DELETE,
  EXECUTION,
  executionInput,
  MANIFEST_KEY,
  manifest,
  MAP_RUN,
  MAP_RUN_ID,
  match,
  prefix,
  resultKey,
  STATE_MACHINE,
  STOP,
} from '../hunt/fixtures';

const CONFIG = `
organization: { id: o-testorg0001, managementAccountId: '111111111111', securityAccountId: '222222222222', homeRegion: eu-west-1 }
trail: { bucket: trail, accountId: '333333333333', regions: [eu-west-1] }
destinations: { soc: { type: email, from: a@example.com, to: [b@example.com] } }
organizationalUnits: { /: { routes: [{ to: [soc] }] } }
accounts:
  '444444444444': { name: prod, ou: /Prod }
  '555555555555': { name: dev, ou: /Dev }
`;
const A = '444444444444';
const B = '555555555555';
const MAP_RUN_ITEM = {
  mapRunArn: MAP_RUN,
  executionArn: EXECUTION,
  stateMachineArn: STATE_MACHINE,
  startDate: new Date('2026-08-03T10:00:01Z'),
};

let dir: string;
let configFile: string;
const s3Mock = mockClient(S3Client);
const sfnMock = mockClient(SFNClient);
let objects: Record<string, string>;
/** Called at the first GetObject: results written once the execution (and its hunt id) exists. */
let publish: (() => void) | undefined;
let t: number;
let sleeps: number[];
const clients = {
  s3: (region: string) => new S3Client({ region }),
  sfn: (region: string) => new SFNClient({ region }),
  now: () => t,
  sleep: async (ms: number) => {
    sleeps.push(ms);
    t += ms;
  },
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ta-hunt-wait-'));
  configFile = join(dir, 'accounts.yaml');
  writeFileSync(configFile, CONFIG);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeEach(() => {
  s3Mock.reset();
  sfnMock.reset();
  objects = {};
  publish = undefined;
  t = 0;
  sleeps = [];
  s3Mock.on(PutObjectCommand).resolves({});
  s3Mock.on(GetObjectCommand).callsFake((input: { Bucket: string; Key: string }) => {
    publish?.();
    publish = undefined;
    const body = input.Bucket === BUCKET ? objects[input.Key] : undefined;
    if (body === undefined)
      throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });
    // As the SDK's body: a byte stream (result files are read as they stream) that can also give its text.
    const stream = Object.assign(Readable.from([Buffer.from(body, 'utf8')]), {
      transformToString: async () => body,
    });
    return { ContentLength: Buffer.byteLength(body), Body: stream };
  });
  sfnMock.on(StartExecutionCommand).callsFake((input: { name: string }) => ({
    executionArn: `arn:aws:states:eu-west-1:222222222222:execution:trailalerts-retro-hunt:${input.name}`,
    startDate: new Date(),
  }));
  sfnMock.on(ListMapRunsCommand).resolves({ mapRuns: [] });
});

function capture() {
  const out = new PassThrough();
  const err = new PassThrough();
  const text = { out: '', err: '' };
  out.on('data', (d: Buffer) => (text.out += d.toString()));
  err.on('data', (d: Buffer) => (text.err += d.toString()));
  return { io: { out, err }, text };
}

const huntOpts = (over: Partial<HuntCommandOptions> = {}): HuntCommandOptions => ({
  since: '2026-08-01',
  until: '2026-08-02',
  config: configFile,
  stateMachine: STATE_MACHINE,
  report: true,
  wait: true,
  ...over,
});

/** DescribeExecution answers: RUNNING `running` times, then `last` (the started execution's input is echoed). */
function executionGoes(running: number, last: Record<string, unknown>) {
  let calls = 0;
  sfnMock.on(DescribeExecutionCommand).callsFake((input: { executionArn: string }) => {
    const started = sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input;
    const base = {
      executionArn: input.executionArn,
      stateMachineArn: STATE_MACHINE,
      name: input.executionArn.split(':').pop(),
      input: started?.input ?? executionInput(),
      startDate: new Date('2026-08-03T10:00:00Z'),
    };
    return calls++ < running
      ? { ...base, status: 'RUNNING' }
      : { ...base, stopDate: new Date('2026-08-03T10:30:00Z'), ...last };
  });
}

const succeeded = {
  status: 'SUCCEEDED',
  output: JSON.stringify({ MapRunArn: MAP_RUN, ResultWriterDetails: { Bucket: BUCKET, Key: MANIFEST_KEY } }),
};

/** Worker results carry the hunt id of the execution they belong to. */
const huntIdOf = () => {
  const started = sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input;
  return started ? (JSON.parse(started.input!) as { huntId: string }).huntId : 'hunt-20260801T100000Z-abc123';
};

describe('hunt --wait', () => {
  it('follows the execution with backoff and prints the aggregated results', async () => {
    executionGoes(3, succeeded);
    sfnMock
      .on(ListMapRunsCommand)
      .resolvesOnce({ mapRuns: [], nextToken: 'page-2' })
      .resolves({ mapRuns: [MAP_RUN_ITEM] });
    sfnMock.on(DescribeMapRunCommand).resolves({
      mapRunArn: MAP_RUN,
      status: 'RUNNING',
      itemCounts: {
        total: 6,
        succeeded: 2,
        failed: 0,
        running: 4,
        pending: 0,
        timedOut: 0,
        aborted: 0,
        resultsWritten: 0,
      },
    } as never);
    // The results exist once the execution ends; the worker results name the started hunt.
    publish = () => {
      const huntId = huntIdOf();
      objects[MANIFEST_KEY] = manifest({
        SUCCEEDED: [resultKey('SUCCEEDED_0.json')],
        FAILED: [],
        PENDING: [],
      });
      objects[resultKey('SUCCEEDED_0.json')] = JSON.stringify([
        child([prefix(A, 1), prefix(A, 2), prefix(A, 3)], {
          output: batchResult({
            huntId,
            prefixes: 3,
            objects: 40,
            records: 12_345,
            matches: 2,
            byRule: {
              [STOP.id]: { title: STOP.title, count: 1 },
              [DELETE.id]: { title: DELETE.title, count: 1 },
            },
            listed: [match(STOP, 'e1', '2026-08-01T10:00:00Z'), match(DELETE, 'e2', '2026-08-02T10:00:00Z')],
          }),
        }),
        child([prefix(B, 1), prefix(B, 2), prefix(B, 3)], {
          output: batchResult({ huntId, prefixes: 3, objects: 3, records: 5 }),
        }),
      ]);
    };
    const { io, text } = capture();
    const code = await runHunt(huntOpts(), clients, io);
    expect(code).toBe(0);
    expect(sleeps).toEqual([5000, 7500, 11250]);
    expect(text.err.trim().split('\n')).toHaveLength(3);
    expect(text.out).toContain('hunt hunt-');
    expect(text.out).toContain('batches:    2 succeeded, 0 failed, 0 never ran, 0 malformed');
    expect(text.out).toContain('read:       6 prefixes, 43 objects, 12,350 records');
    expect(text.out).toContain('matches:    2');
    expect(text.out).toMatch(/1\s+CloudTrail Deleted/);
    expect(text.out).toContain('complete: every object was read');
    expect(sfnMock.commandCalls(DescribeExecutionCommand)).toHaveLength(4);
    // The map run is on the second page of ListMapRuns (the paginator reuses its input object, so
    // only the number of calls is visible); it is looked up once and then described at each poll.
    expect(sfnMock.commandCalls(ListMapRunsCommand)).toHaveLength(2);
    expect(sfnMock.commandCalls(DescribeMapRunCommand)).toHaveLength(3);
    expect(text.err).toContain('prefixes 2/6 done');
  });

  it('writes progress lines to stderr', async () => {
    executionGoes(2, succeeded);
    sfnMock.on(ListMapRunsCommand).resolves({ mapRuns: [MAP_RUN_ITEM] });
    sfnMock.on(DescribeMapRunCommand).resolves({
      mapRunArn: MAP_RUN,
      itemCounts: {
        total: 6,
        succeeded: 2,
        failed: 1,
        running: 3,
        pending: 0,
        timedOut: 0,
        aborted: 0,
        resultsWritten: 0,
      },
    } as never);
    const { io, text } = capture();
    await runHunt(huntOpts(), clients, io);
    const progress = text.err.trim().split('\n');
    expect(progress).toHaveLength(2);
    expect(progress[0]).toMatch(/^hunt-\d{8}T\d{6}Z-[0-9a-f]{6}: RUNNING 0s, prefixes 3\/6 done, 1 failed$/);
    expect(progress[1]).toContain('RUNNING 5s');
  });

  it('exits 8 with the error and cause when the execution fails, and shows the partial results', async () => {
    executionGoes(1, {
      status: 'FAILED',
      error: 'States.ExceedToleratedFailureThreshold',
      cause: 'The specified tolerated failure threshold was exceeded',
    });
    sfnMock.on(ListMapRunsCommand).resolves({ mapRuns: [MAP_RUN_ITEM] });
    sfnMock.on(DescribeMapRunCommand).resolves({ mapRunArn: MAP_RUN } as never);
    objects[`results/${MAP_RUN_ID}/manifest.json`] = manifest({
      SUCCEEDED: [],
      FAILED: [resultKey('FAILED_0.json')],
    });
    objects[resultKey('FAILED_0.json')] = JSON.stringify([
      child([prefix(A, 1), prefix(A, 2)], {
        status: 'FAILED',
        error: 'Lambda.Unknown',
        cause: 'The cause could not be determined because Lambda did not return an error type.',
      }),
    ]);
    const { io, text } = capture();
    expect(await runHunt(huntOpts(), clients, io)).toBe(EXIT_HUNT_FAILED);
    expect(text.err).toContain(
      'hunt FAILED: States.ExceedToleratedFailureThreshold: The specified tolerated failure threshold was exceeded',
    );
    expect(text.out).toContain('Lambda.Unknown The cause could not be determined');
    expect(text.out).toContain(`--prefix ${prefix(A, 1)} --prefix ${prefix(A, 2)}`);
    // Resuming is offered first: only the batches that did not succeed would run again.
    const arn = sfnMock.commandCalls(StartExecutionCommand)[0].args[0].input.name!;
    expect(text.out).toMatch(
      new RegExp(`resume it .*\\n  trailalerts hunt-results --execution \\S+:${arn} --redrive --wait\\n`),
    );
  });

  it('exits 6 at --timeout and tells how to read the results later', async () => {
    executionGoes(Number.MAX_SAFE_INTEGER, {});
    const { io, text } = capture();
    const code = await runHunt(huntOpts({ timeout: '1m' }), clients, io);
    expect(code).toBe(EXIT_HUNT_NOT_FINISHED);
    expect(t).toBe(60_000);
    expect(sleeps.reduce((a, b) => a + b, 0)).toBe(60_000);
    const arn = sfnMock.commandCalls(StartExecutionCommand)[0].args[0].input.name!;
    expect(text.err).toContain(
      `still RUNNING after 1m00s; the hunt goes on. Results later: trailalerts hunt-results --execution`,
    );
    expect(text.err).toContain(`${arn} --wait`);
    expect(s3Mock.commandCalls(GetObjectCommand)).toHaveLength(0);
  });

  it('exits 7 and names every malformed result file by key and path', async () => {
    executionGoes(0, succeeded);
    objects[MANIFEST_KEY] = manifest({
      SUCCEEDED: [
        resultKey('SUCCEEDED_0.json'),
        resultKey('SUCCEEDED_1.json'),
        resultKey('SUCCEEDED_2.json'),
      ],
    });
    objects[resultKey('SUCCEEDED_0.json')] = '[{"Status":"SUCCEEDED","Output":"{\\"huntId\\": 1'; // truncated
    objects[resultKey('SUCCEEDED_1.json')] = JSON.stringify([
      child([prefix(A, 1)], { output: { ...batchResult({ huntId: huntIdOf() }), listed: 'all of them' } }),
    ]);
    // SUCCEEDED_2.json is listed but missing.
    const { io, text } = capture();
    const code = await runHunt(huntOpts({ wait: false }), clients, io);
    expect(code).toBe(0);
    const arn = text.out.match(/execution: (\S+)/)![1];
    const results = capture();
    expect(await runHuntResults({ execution: arn }, clients, results.io)).toBe(EXIT_HUNT_INCOMPLETE);
    const base = `s3://${BUCKET}/results/${MAP_RUN_ID}`;
    expect(results.text.out).toContain('result file problems: 3');
    expect(results.text.out).toContain(`${base}/SUCCEEDED_0.json: not valid JSON`);
    expect(results.text.out).toContain(
      `${base}/SUCCEEDED_1.json [0].Output.listed: expected an array, got "all of them"`,
    );
    expect(results.text.out).toContain(
      `reading ${base}/SUCCEEDED_2.json failed: The specified key does not exist.`,
    );
    expect(results.text.out).toContain(`--prefix ${prefix(A, 1)}`);
    expect(results.text.out).toContain(
      'incomplete: 1 prefixes to hunt again, 2 batches or files with unknown prefixes, 3 result file problems',
    );
  });

  it('reads many result files and prints JSON on stdout only', async () => {
    executionGoes(0, succeeded);
    const keys = Array.from({ length: 30 }, (_, i) => resultKey(`SUCCEEDED_${i}.json`));
    objects[MANIFEST_KEY] = manifest({ SUCCEEDED: keys });
    publish = () => {
      keys.forEach((key, i) => {
        objects[key] = JSON.stringify(
          Array.from({ length: 3 }, (_, j) =>
            child([prefix(A, (i % 28) + 1)], {
              output: batchResult({
                huntId: huntIdOf(),
                records: 1000 + i,
                matches: j,
                byRule: j > 0 ? { [STOP.id]: { title: STOP.title, count: j } } : {},
                listed: Array.from({ length: j }, (_, k) =>
                  match(STOP, `e-${i}-${j}-${k}`, `2026-08-01T${String(i % 24).padStart(2, '0')}:00:0${k}Z`),
                ),
              }),
            }),
          ),
        );
      });
    };
    const { io, text } = capture();
    expect(await runHunt(huntOpts({ format: 'json', listed: '5' }), clients, io)).toBe(0);
    const summary = JSON.parse(text.out) as HuntSummary;
    expect(summary.results?.files).toBe(30);
    expect(summary.batches.succeeded).toBe(90);
    expect(summary.totals.records).toBe(3 * keys.reduce((sum, _k, i) => sum + 1000 + i, 0));
    expect(summary.totals.matches).toBe(30 * 3);
    expect(summary.byRule).toEqual([{ ruleId: STOP.id, title: STOP.title, count: 90 }]);
    expect(summary.listed.map((m) => m.eventTime)).toEqual([
      '2026-08-01T00:00:00Z',
      '2026-08-01T00:00:00Z',
      '2026-08-01T00:00:00Z',
      '2026-08-01T00:00:00Z',
      '2026-08-01T00:00:01Z',
    ]);
    expect(summary.listedAvailable).toBe(90);
    expect(s3Mock.commandCalls(GetObjectCommand)).toHaveLength(31);
    expect(text.err).toContain('prefixes: 6 (inline)');
  });
});

describe('hunt-results', () => {
  it('says the execution is not finished without --wait', async () => {
    executionGoes(1, succeeded);
    const { io, text } = capture();
    expect(await runHuntResults({ execution: EXECUTION }, clients, io)).toBe(EXIT_HUNT_NOT_FINISHED);
    expect(text.err).toContain('RUNNING: the hunt has not finished; add --wait to follow it');
    expect(text.out).toBe('');
  });

  it('writes the prefixes to hunt again to --rerun-file, which hunt --prefixes-from plans exactly', async () => {
    executionGoes(0, succeeded);
    const unfinished = Array.from({ length: 25 }, (_, i) => prefix(i < 13 ? A : B, (i % 13) + 1));
    objects[MANIFEST_KEY] = manifest({ SUCCEEDED: [resultKey('SUCCEEDED_0.json')] });
    objects[resultKey('SUCCEEDED_0.json')] = JSON.stringify([
      child(unfinished, {
        output: batchResult({ huntId: 'hunt-20260801T100000Z-abc123', prefixes: 0, unfinished }),
      }),
    ]);
    const file = join(dir, 'rerun.txt');
    const { io, text } = capture();
    expect(await runHuntResults({ execution: EXECUTION, rerunFile: file }, clients, io)).toBe(
      EXIT_HUNT_INCOMPLETE,
    );
    expect(text.err).toContain(`wrote 25 prefixes to ${file}`);
    const command = text.out
      .split('\n')
      .find((l) => l.trim().startsWith('trailalerts hunt '))!
      .trim();
    expect(command).toBe(
      `trailalerts hunt --since 2026-08-01T00:00:00.000Z --until 2026-08-02T23:59:59.999Z --report --state-machine ${STATE_MACHINE} --prefixes-from ${file}`,
    );
    expect(readFileSync(file, 'utf8').split('\n')[0]).toBe(`# prefixes to hunt again: ${EXECUTION}`);
    // The printed command, run as a dry run, plans exactly those prefixes for the same window.
    const dry = capture();
    const hunt = huntCommand();
    expect(hunt.parseOptions(command.split(' ').slice(2))).toEqual({ operands: [], unknown: [] });
    const parsed = { ...hunt.opts(), config: configFile, dryRun: true } as HuntCommandOptions;
    expect(await runHunt(parsed, clients, dry.io)).toBe(0);
    expect(dry.text.out).toContain('hunt 2026-08-01T00:00:00.000Z .. 2026-08-02T23:59:59.999Z (report mode)');
    expect(dry.text.out).toContain('accounts: 2  regions: eu-west-1  day folders: 13');
    expect(dry.text.out).toContain('prefixes: 25 (inline)');
  });

  it('escapes terminal controls in JSON output and keeps the values', async () => {
    executionGoes(0, succeeded);
    const evil = 'e1\u009b31m\u202eevil\u001b[2J';
    objects[MANIFEST_KEY] = manifest({ SUCCEEDED: [resultKey('SUCCEEDED_0.json')] });
    objects[resultKey('SUCCEEDED_0.json')] = JSON.stringify([
      child([prefix(A, 1)], {
        output: batchResult({
          huntId: 'hunt-20260801T100000Z-abc123',
          matches: 1,
          byRule: { [STOP.id]: { title: STOP.title, count: 1 } },
          listed: [match(STOP, evil, '2026-08-01T10:00:00Z')],
        }),
      }),
    ]);
    const { io, text } = capture();
    expect(await runHuntResults({ execution: EXECUTION, format: 'json' }, clients, io)).toBe(0);
    // eslint-disable-next-line no-control-regex
    expect(text.out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
    expect((JSON.parse(text.out) as HuntSummary).listed[0].eventID).toBe(evil);
  });

  it('offers redrive for a failed run and performs it with --redrive, then follows the execution', async () => {
    let redriven = false;
    sfnMock.on(DescribeExecutionCommand).callsFake((input: { executionArn: string }) => ({
      executionArn: input.executionArn,
      stateMachineArn: STATE_MACHINE,
      input: executionInput(),
      startDate: new Date('2026-08-03T10:00:00Z'),
      ...(redriven
        ? succeeded
        : {
            status: 'TIMED_OUT',
            error: 'States.Timeout',
            redriveStatus: 'REDRIVABLE',
            stopDate: new Date('2026-08-03T10:30:00Z'),
          }),
    }));
    sfnMock.on(RedriveExecutionCommand).callsFake(() => {
      redriven = true;
      return { redriveDate: new Date('2026-08-03T11:00:00Z') };
    });
    objects[MANIFEST_KEY] = manifest({ SUCCEEDED: [resultKey('SUCCEEDED_0.json')] });
    objects[resultKey('SUCCEEDED_0.json')] = JSON.stringify([
      child([prefix(A, 1)], { output: batchResult() }),
    ]);

    const first = capture();
    expect(await runHuntResults({ execution: EXECUTION }, clients, first.io)).toBe(EXIT_HUNT_FAILED);
    expect(first.text.out).toContain(`trailalerts hunt-results --execution ${EXECUTION} --redrive --wait`);
    expect(sfnMock.commandCalls(RedriveExecutionCommand)).toHaveLength(0);

    const second = capture();
    expect(
      await runHuntResults({ execution: EXECUTION, redrive: true, wait: true }, clients, second.io),
    ).toBe(0);
    expect(sfnMock.commandCalls(RedriveExecutionCommand).map((c) => c.args[0].input)).toEqual([
      { executionArn: EXECUTION },
    ]);
    expect(second.text.err).toContain(`redriven ${EXECUTION} at 2026-08-03T11:00:00.000Z`);
    expect(second.text.out).not.toContain('--redrive');
  });

  it("raises a running hunt's map concurrency with --max-concurrency (UpdateMapRun), and only a running one's", async () => {
    executionGoes(Number.MAX_SAFE_INTEGER, {});
    sfnMock.on(ListMapRunsCommand).resolves({ mapRuns: [MAP_RUN_ITEM] });
    sfnMock.on(UpdateMapRunCommand).resolves({});
    const { io, text } = capture();
    expect(await runHuntResults({ execution: EXECUTION, maxConcurrency: '150' }, clients, io)).toBe(0);
    expect(sfnMock.commandCalls(UpdateMapRunCommand).map((c) => c.args[0].input)).toEqual([
      { mapRunArn: MAP_RUN, maxConcurrency: 150 },
    ]);
    expect(text.err).toContain(`map run ${MAP_RUN}: at most 150 worker calls at once`);
    await expect(
      runHuntResults({ execution: EXECUTION, maxConcurrency: 'all' }, clients, io),
    ).rejects.toThrow('--max-concurrency: expected a number of worker calls from 1 to 10000');
    executionGoes(0, succeeded);
    const done = capture();
    expect(await runHuntResults({ execution: EXECUTION, maxConcurrency: '150' }, clients, done.io)).toBe(1);
    expect(done.text.err).toContain("only a running hunt's map can change");
    expect(sfnMock.commandCalls(UpdateMapRunCommand)).toHaveLength(1);
  });

  it('does not offer or perform redrive when Step Functions says the run cannot be redriven, nor for a success', async () => {
    executionGoes(0, {
      status: 'FAILED',
      redriveStatus: 'NOT_REDRIVABLE',
      redriveStatusReason: 'Execution is RUNNING and cannot be redriven',
    });
    const { io, text } = capture();
    expect(await runHuntResults({ execution: EXECUTION }, clients, io)).toBe(EXIT_HUNT_FAILED);
    expect(text.out).toContain('redrive: not possible (Execution is RUNNING and cannot be redriven)');
    expect(text.out).not.toContain('--redrive');
    const again = capture();
    expect(await runHuntResults({ execution: EXECUTION, redrive: true }, clients, again.io)).toBe(1);
    expect(again.text.err).toContain('--redrive: the execution is FAILED and cannot be redriven');
    executionGoes(0, succeeded);
    const ok = capture();
    expect(await runHuntResults({ execution: EXECUTION, redrive: true }, clients, ok.io)).toBe(1);
    expect(sfnMock.commandCalls(RedriveExecutionCommand)).toHaveLength(0);
  });

  it('looks for the results of a failed hunt in --hunt-bucket', async () => {
    executionGoes(0, { status: 'ABORTED' });
    sfnMock.on(ListMapRunsCommand).resolves({ mapRuns: [MAP_RUN_ITEM] });
    const { io, text } = capture();
    expect(await runHuntResults({ execution: EXECUTION, huntBucket: 'my-hunts' }, clients, io)).toBe(
      EXIT_HUNT_FAILED,
    );
    expect(s3Mock.commandCalls(GetObjectCommand).map((c) => c.args[0].input.Bucket)).toEqual([
      'my-hunts',
      'my-hunts',
    ]);
    expect(text.out).toContain(`no results manifest for map run ${MAP_RUN_ID} in s3://my-hunts/`);
    expect(text.err).toContain('hunt ABORTED: (no error)');
  });

  it('refuses a malformed execution ARN and a bad --timeout before any call', async () => {
    const { io } = capture();
    await expect(runHuntResults({ execution: STATE_MACHINE }, clients, io)).rejects.toThrow(
      /--execution: expected/,
    );
    await expect(runHuntResults({ execution: EXECUTION, timeout: 'soon' }, clients, io)).rejects.toThrow(
      '--timeout: expected a duration such as 90s, 45m or 2h',
    );
    await expect(runHunt(huntOpts({ listed: 'all' }), clients, io)).rejects.toThrow('--listed');
    expect(sfnMock.calls()).toHaveLength(0);
  });
});

describe('options', () => {
  it('parses durations', () => {
    expect(parseDuration('--timeout', '2h')).toBe(7_200_000);
    // hunt --wait without --timeout: twice the estimate plus an hour, from 2 hours to 7 days.
    expect(waitFor(0.1)).toBe(7_200_000);
    expect(waitFor(10)).toBe(21 * 3_600_000);
    expect(waitFor(1000)).toBe(7 * 24 * 3_600_000);
    expect(parseDuration('--timeout', '90m')).toBe(5_400_000);
    expect(parseDuration('--timeout', '45')).toBe(45_000);
    expect(() => parseDuration('--timeout', '0s')).toThrow('--timeout');
    expect(() => parseDuration('--timeout', '9d')).toThrow('--timeout');
  });

  it('registers --wait, --timeout, --format, --prefix and the hunt-results command', () => {
    expect(huntCommand().options.map((o) => o.long)).toEqual(
      expect.arrayContaining(['--wait', '--timeout', '--format', '--listed', '--prefix', '--prefixes-from']),
    );
    expect(huntResultsCommand().options.map((o) => o.long)).toEqual(
      expect.arrayContaining([
        '--execution',
        '--wait',
        '--timeout',
        '--format',
        '--hunt-bucket',
        '--rerun-file',
      ]),
    );
    expect(buildProgram().commands.map((c) => c.name())).toEqual(
      expect.arrayContaining(['hunt', 'hunt-results']),
    );
  });

  it('plans --prefix hunts and refuses prefixes outside the trail logs root', async () => {
    const { io, text } = capture();
    expect(
      await runHunt(
        huntOpts({ wait: false, dryRun: true, prefix: [prefix(B, 9), prefix(A, 3), prefix(A, 3)] }),
        clients,
        io,
      ),
    ).toBe(0);
    expect(text.out).toContain('accounts: 2  regions: eu-west-1  day folders: 2');
    expect(text.out).toContain('prefixes: 2 (inline)');
    await expect(
      runHunt(
        huntOpts({
          dryRun: true,
          prefix: ['AWSLogs/o-otherorg001/444444444444/CloudTrail/eu-west-1/2026/08/01/'],
        }),
        clients,
        io,
      ),
    ).rejects.toThrow(
      '--prefix #1: expected AWSLogs/o-testorg0001/<account>/CloudTrail/<region>/YYYY/MM/DD/',
    );
    await expect(
      runHunt(huntOpts({ dryRun: true, prefix: [prefix(A, 1)], account: [A] }), clients, io),
    ).rejects.toThrow('leave out --ou, --account and --regions');
    const file = join(dir, 'bad-prefixes.txt');
    writeFileSync(file, '[1, 2]');
    await expect(runHunt(huntOpts({ dryRun: true, prefixesFrom: file }), clients, io)).rejects.toThrow(
      `${file}: [0]: expected a string`,
    );
  });
});
