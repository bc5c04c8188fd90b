/**
 * Retro-hunt results (lambdas/hunt/results.ts) over an in-memory port: aggregation of worker
 * results, failed and never-run batches, malformed or unreadable result files (reported by key and
 * path, never thrown), finding the results of a failed hunt, the re-run command, and polling.
 */
import {
  formatProgress,
  formatSummary,
  INLINE_RERUN_PREFIXES,
  parseBatchResult,
  parseExecutionArn,
  parseHuntRun,
  parseManifest,
  RESULTS_PREFIX,
  rerunCommand,
  shellQuote,
  summarizeHunt,
  waitForExecution,
  type ExecutionDescription,
  type HuntResultsPort,
} from '../../lambdas/hunt/results';
import {
  batchResult,
  BUCKET,
  child,
  DELETE,
  EXECUTION,
  executionInput,
  HUNT_ID,
  MANIFEST_KEY,
  manifest,
  MAP_RUN,
  MAP_RUN_ID,
  match,
  memoryPort,
  prefix,
  resultKey,
  STATE_MACHINE,
  STOP,
  succeededExecution,
} from './fixtures';

const A = '444444444444';
const B = '555555555555';
const opts = { huntBucket: BUCKET };

describe('summarizeHunt', () => {
  it('adds up the batches of every result file: totals, matches per rule, earliest matches, damaged objects', async () => {
    const port = memoryPort(
      {
        [MANIFEST_KEY]: manifest({
          SUCCEEDED: [resultKey('SUCCEEDED_0.json'), resultKey('SUCCEEDED_1.json')],
          FAILED: [],
          PENDING: [],
        }),
        [resultKey('SUCCEEDED_0.json')]: JSON.stringify([
          child([prefix(A, 1)], {
            output: batchResult({
              records: 100,
              matches: 3,
              byRule: {
                [STOP.id]: { title: STOP.title, count: 2 },
                [DELETE.id]: { title: DELETE.title, count: 1 },
              },
              listed: [
                match(STOP, 'e3', '2026-08-01T12:00:00Z'),
                match(STOP, 'e1', '2026-08-01T09:00:00Z'),
                match(DELETE, 'e2', '2026-08-01T10:00:00Z'),
              ],
              damagedObjects: 1,
              damaged: [{ key: `${prefix(A, 1)}bad.json.gz`, problems: ['unexpected end of file'] }],
            }),
          }),
          child([prefix(A, 2)], { output: batchResult({ records: 50, outOfRange: 4, skippedObjects: 2 }) }),
        ]),
        [resultKey('SUCCEEDED_1.json')]: JSON.stringify([
          child([prefix(B, 1)], {
            output: batchResult({
              records: 7,
              matches: 2,
              byRule: { [STOP.id]: { title: STOP.title, count: 2 } },
              listed: [
                match(STOP, 'e0', '2026-08-01T08:00:00Z', B),
                match(STOP, 'e4', '2026-08-02T08:00:00Z', B),
              ],
              unknownRules: ['No Such Rule'],
            }),
          }),
        ]),
      },
      succeededExecution(),
    );
    const s = await summarizeHunt(port, succeededExecution(), { ...opts, listed: 3 });
    expect(s.batches).toEqual({ succeeded: 3, failed: 0, pending: 0, malformed: 0 });
    expect(s.totals).toEqual({
      prefixes: 3,
      objects: 6,
      records: 157,
      outOfRange: 6,
      matches: 5,
      damagedObjects: 1,
      skippedObjects: 2,
    });
    expect(s.byRule).toEqual([
      { ruleId: STOP.id, title: STOP.title, count: 4 },
      { ruleId: DELETE.id, title: DELETE.title, count: 1 },
    ]);
    expect(s.listed.map((m) => m.eventID)).toEqual(['e0', 'e1', 'e2']);
    expect(s.listedAvailable).toBe(5);
    expect(s.damaged).toEqual([{ key: `${prefix(A, 1)}bad.json.gz`, problems: ['unexpected end of file'] }]);
    expect(s.unknownRules).toEqual(['No Such Rule']);
    expect(s.hunt).toMatchObject({ huntId: HUNT_ID, mode: 'report' });
    expect(s.results).toEqual({ bucket: BUCKET, manifestKey: MANIFEST_KEY, files: 2, mapRunArn: MAP_RUN });
    expect(s.rerun).toEqual({ prefixes: [], unknownBatches: 0 });
    expect(s.problemCount).toBe(0);
    expect(s.complete).toBe(true);
    const text = formatSummary(s);
    expect(text).toContain('read:       3 prefixes, 6 objects, 157 records (6 outside the window)');
    expect(text).toMatch(/4\s+CloudTrail Stopped\s+11111111/);
    expect(text).toContain(`${prefix(A, 1)}bad.json.gz`);
    expect(text).toContain('complete: every prefix was read');
  });

  it('lists failed and never-run batches with error and cause, and hunts their prefixes and the unfinished ones again', async () => {
    const execution = succeededExecution({ input: executionInput({ rules: ["Bob's rule", 'CloudTrail*'] }) });
    const port = memoryPort(
      {
        [MANIFEST_KEY]: manifest({
          SUCCEEDED: [resultKey('SUCCEEDED_0.json')],
          FAILED: [resultKey('FAILED_0.json')],
          PENDING: [resultKey('PENDING_0.json')],
        }),
        [resultKey('SUCCEEDED_0.json')]: JSON.stringify([
          child([prefix(A, 1), prefix(A, 2)], {
            output: batchResult({ prefixes: 1, unfinished: [prefix(A, 2)] }),
          }),
        ]),
        [resultKey('FAILED_0.json')]: JSON.stringify([
          child([prefix(B, 1), prefix(B, 2)], {
            status: 'FAILED',
            error: 'MatchSinkError',
            cause: '{"errorType":"MatchSinkError","errorMessage":"sending matches failed: throttled"}',
          }),
          child([prefix(B, 3)], { status: 'TIMED_OUT', error: 'States.Timeout' }),
        ]),
        [resultKey('PENDING_0.json')]: JSON.stringify([child([prefix(B, 4)], { status: 'PENDING' })]),
      },
      execution,
    );
    const s = await summarizeHunt(port, execution, opts);
    expect(s.batches).toEqual({ succeeded: 1, failed: 2, pending: 1, malformed: 0 });
    expect(s.failedBatches.map((f) => [f.status, f.error, f.prefixes.length])).toEqual([
      ['FAILED', 'MatchSinkError', 2],
      ['TIMED_OUT', 'States.Timeout', 1],
      ['PENDING', undefined, 1],
    ]);
    expect(s.failedBatches[0].cause).toContain('sending matches failed: throttled');
    expect(s.unfinished).toEqual([prefix(A, 2)]);
    const again = [prefix(A, 2), prefix(B, 1), prefix(B, 2), prefix(B, 3), prefix(B, 4)];
    expect(s.rerun.prefixes).toEqual(again);
    expect(s.rerun.command).toBe(
      `trailalerts hunt --since 2026-08-01T00:00:00.000Z --until 2026-08-02T23:59:59.999Z --rules 'Bob'\\''s rule' --rules 'CloudTrail*' --report --state-machine ${STATE_MACHINE} ${again.map((p) => `--prefix ${p}`).join(' ')}`,
    );
    expect(s.complete).toBe(false);
    const text = formatSummary(s);
    expect(text).toContain('failed or never-run batches: 3');
    expect(text).toContain('MatchSinkError {"errorType":"MatchSinkError"');
    expect(text).toContain('hunt again: 5 prefixes (1 unfinished');
    expect(text).toContain(s.rerun.command);
  });

  it('reports malformed and unreadable result files by key and path and never throws', async () => {
    const bad = batchResult({ records: 'lots' as unknown as number });
    const port = memoryPort(
      {
        [MANIFEST_KEY]: JSON.stringify({
          DestinationBucket: BUCKET,
          ResultFiles: {
            SUCCEEDED: [
              { Key: resultKey('SUCCEEDED_0.json') },
              { Key: resultKey('SUCCEEDED_1.json') },
              { Key: resultKey('SUCCEEDED_2.json') },
              { Key: resultKey('SUCCEEDED_3.json') },
              { Key: 'manifests/elsewhere.json' },
              { Size: 3 },
            ],
            FAILED: 'nope',
          },
        }),
        [resultKey('SUCCEEDED_0.json')]: JSON.stringify([
          child([prefix(A, 1)], { output: batchResult({ records: 5 }) }),
          child([prefix(A, 2)], { output: bad }),
          child([prefix(A, 3)], { output: '{"truncated": ' }),
          child([prefix(A, 4)], { output: batchResult({ huntId: 'hunt-other' }) }),
          child([prefix(A, 5)], {
            output: batchResult({ byRule: { [STOP.id]: { title: STOP.title, count: -1 } } }),
          }),
          child([prefix(A, 6)], { output: batchResult({ unfinished: ['../../etc/passwd'] }) }),
          42,
        ]),
        [resultKey('SUCCEEDED_1.json')]: '[{"Status": "SUCCEEDED", "Output": ',
        [resultKey('SUCCEEDED_2.json')]: JSON.stringify({ not: 'an array' }),
        [resultKey('SUCCEEDED_3.json')]: Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }),
      },
      succeededExecution(),
    );
    const s = await summarizeHunt(port, succeededExecution(), opts);
    const where = `s3://${BUCKET}/${resultKey('SUCCEEDED_0.json')}`;
    expect(s.problems).toEqual(
      expect.arrayContaining([
        `${where} [1].Output.records: expected a non-negative integer, got "lots"; the batch is not counted`,
        expect.stringMatching(new RegExp(`^${escape(where)} \\[2\\]\\.Output: not valid JSON`)),
        `${where} [3].Output.huntId: expected "${HUNT_ID}", got "hunt-other"; the batch is not counted`,
        `${where} [4].Output.byRule["${STOP.id}"].count: expected a non-negative integer, got -1; the batch is not counted`,
        expect.stringContaining(`${where} [5].Output.unfinished[0]: expected a day prefix`),
        `${where} [6]: expected an object, got 42`,
        expect.stringMatching(
          new RegExp(`^s3://${escape(BUCKET)}/${escape(resultKey('SUCCEEDED_1.json'))}: not valid JSON`),
        ),
        `s3://${BUCKET}/${resultKey('SUCCEEDED_2.json')}: expected a JSON array of child executions, got an object; its batches are not counted`,
        `reading s3://${BUCKET}/${resultKey('SUCCEEDED_3.json')} failed: Access Denied; its batches are not counted`,
        expect.stringContaining(`ResultFiles.SUCCEEDED[4].Key: expected a key under results/${MAP_RUN_ID}/`),
        expect.stringContaining('ResultFiles.SUCCEEDED[5].Key: expected a string, got nothing'),
        expect.stringContaining('ResultFiles.FAILED: expected an array'),
      ]),
    );
    expect(s.problemCount).toBe(12);
    expect(s.batches).toEqual({ succeeded: 1, failed: 0, pending: 0, malformed: 6 });
    expect(s.totals.records).toBe(5);
    // The prefixes of batches whose results are unusable are hunted again; whole unreadable files cannot be.
    expect(s.rerun.prefixes).toEqual([2, 3, 4, 5, 6].map((d) => prefix(A, d)));
    expect(s.rerun.unknownBatches).toBe(4);
    expect(s.complete).toBe(false);
    expect(port.reads).not.toContain(`${BUCKET}/manifests/elsewhere.json`);
    expect(formatSummary(s)).toContain('could not be tied to prefixes: hunt the whole range again');
  });

  it('says why when the manifest is missing or not JSON', async () => {
    const missing = await summarizeHunt(memoryPort({}, succeededExecution()), succeededExecution(), opts);
    expect(missing.resultsProblem).toMatch(`reading s3://${BUCKET}/${MANIFEST_KEY} failed: NoSuchKey`);
    expect(missing.complete).toBe(false);
    const broken = await summarizeHunt(
      memoryPort({ [MANIFEST_KEY]: '<html>' }, succeededExecution()),
      succeededExecution(),
      opts,
    );
    expect(broken.problems[0]).toMatch(`s3://${BUCKET}/${MANIFEST_KEY}: not valid JSON`);
    expect(formatSummary(broken)).toContain('incomplete');
  });

  it('finds the partial results of a failed hunt through its map run, under either spelling of the prefix', async () => {
    const failed = succeededExecution({
      status: 'FAILED',
      output: undefined,
      error: 'States.ExceedToleratedFailureThreshold',
      cause: 'The specified tolerated failure threshold was exceeded',
    });
    for (const key of [`results/${MAP_RUN_ID}/manifest.json`, `results//${MAP_RUN_ID}/manifest.json`]) {
      const folder = key.slice(0, -'manifest.json'.length);
      const port = memoryPort(
        {
          [key]: manifest({ FAILED: [`${folder}FAILED_0.json`] }),
          [`${folder}FAILED_0.json`]: JSON.stringify([
            child([prefix(A, 1)], { status: 'FAILED', error: 'Lambda.Unknown' }),
          ]),
        },
        failed,
      );
      const s = await summarizeHunt(port, failed, opts);
      expect(s.results?.manifestKey).toBe(key);
      expect(s.status).toBe('FAILED');
      expect(s.error).toBe('States.ExceedToleratedFailureThreshold');
      expect(s.rerun.prefixes).toEqual([prefix(A, 1)]);
      expect(s.complete).toBe(false);
    }
    const none = await summarizeHunt(memoryPort({}, failed, []), failed, opts);
    expect(none.resultsProblem).toBe('the execution started no map run, so no results were written');
    const absent = await summarizeHunt(memoryPort({}, failed), failed, opts);
    expect(absent.resultsProblem).toContain(`no results manifest for map run ${MAP_RUN_ID}`);
  });

  it('gives no re-run command when the execution input is unusable', async () => {
    const execution = succeededExecution({ input: '{"huntId": "x y"}' });
    const port = memoryPort(
      {
        [MANIFEST_KEY]: manifest({ SUCCEEDED: [resultKey('SUCCEEDED_0.json')] }),
        [resultKey('SUCCEEDED_0.json')]: JSON.stringify([
          child([prefix(A, 1)], { output: batchResult({ huntId: 'anything', unfinished: [prefix(A, 1)] }) }),
        ]),
      },
      execution,
    );
    const s = await summarizeHunt(port, execution, opts);
    expect(s.huntProblem).toBe('execution input huntId: expected a hunt id');
    expect(s.rerun.prefixes).toEqual([prefix(A, 1)]);
    expect(s.rerun.command).toBeUndefined();
    expect(formatSummary(s)).toContain('(no re-run command)');
  });

  it('points the re-run command at a prefixes file when there are many', async () => {
    const many = Array.from({ length: INLINE_RERUN_PREFIXES + 1 }, (_, i) =>
      prefix(A, (i % 28) + 1, i < 28 ? 'eu-west-1' : 'us-east-1'),
    );
    const port = memoryPort(
      {
        [MANIFEST_KEY]: manifest({ SUCCEEDED: [resultKey('SUCCEEDED_0.json')] }),
        [resultKey('SUCCEEDED_0.json')]: JSON.stringify([
          child(many, { output: batchResult({ unfinished: many }) }),
        ]),
      },
      succeededExecution(),
    );
    const s = await summarizeHunt(port, succeededExecution(), opts);
    expect(s.rerun.prefixesFile).toBe(`${HUNT_ID}-rerun.txt`);
    expect(s.rerun.command).toMatch(new RegExp(`--prefixes-from ${HUNT_ID}-rerun.txt$`));
    expect(s.rerun.command).not.toContain('--prefix ');
    expect(formatSummary(s)).toContain(`--rerun-file ${HUNT_ID}-rerun.txt), then:`);
  });

  it('cleans terminal escapes from result texts in the table', async () => {
    const port = memoryPort(
      {
        [MANIFEST_KEY]: manifest({ SUCCEEDED: [resultKey('SUCCEEDED_0.json')] }),
        [resultKey('SUCCEEDED_0.json')]: JSON.stringify([
          child([prefix(A, 1)], {
            output: batchResult({
              matches: 1,
              byRule: { [STOP.id]: { title: STOP.title, count: 1 } },
              listed: [match(STOP, '\u001b[2J\u001b]0;pwned\u0007', '2026-08-01T10:00:00Z')],
            }),
          }),
        ]),
      },
      succeededExecution(),
    );
    const text = formatSummary(await summarizeHunt(port, succeededExecution(), opts));
    // eslint-disable-next-line no-control-regex
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    expect(text).toContain('?[2J?]0;pwned?');
  });
});

describe('parsing', () => {
  it('validates a worker result field by field', () => {
    expect(parseBatchResult(batchResult(), 'r')).toEqual(batchResult());
    expect(() => parseBatchResult(null, 'r')).toThrow('r: expected an object, got null');
    // Results of workers older than skippedObjects still read (as 0); a wrong value does not.
    const { skippedObjects: _dropped, ...older } = batchResult({ skippedObjects: 3 });
    expect(parseBatchResult(older, 'r').skippedObjects).toBe(0);
    expect(parseBatchResult(batchResult({ skippedObjects: 3 }), 'r').skippedObjects).toBe(3);
    expect(() => parseBatchResult({ ...older, skippedObjects: -1 }, 'r')).toThrow(
      'r.skippedObjects: expected a non-negative integer',
    );
    expect(() => parseBatchResult({ ...batchResult(), listed: [{ ruleId: 1 }] }, 'r')).toThrow(
      'r.listed[0].ruleId: expected a string, got 1',
    );
    expect(() => parseBatchResult({ ...batchResult(), damaged: [{ key: 'k', problems: 'x' }] }, 'r')).toThrow(
      'r.damaged[0].problems: expected an array, got "x"',
    );
    expect(() => parseBatchResult({ ...batchResult(), objects: 1.5 }, 'r')).toThrow(
      'r.objects: expected a non-negative integer',
    );
  });

  it('reads the manifest groups and refuses keys outside its folder', () => {
    const loc = { bucket: BUCKET, key: MANIFEST_KEY };
    expect(
      parseManifest(
        manifest({ SUCCEEDED: [resultKey('SUCCEEDED_0.json')], FAILED: [resultKey('FAILED_0.json')] }),
        loc,
      ),
    ).toEqual({
      files: [
        { status: 'SUCCEEDED', key: resultKey('SUCCEEDED_0.json') },
        { status: 'FAILED', key: resultKey('FAILED_0.json') },
      ],
      problems: [],
    });
    const other = parseManifest(manifest({ SUCCEEDED: [MANIFEST_KEY] }, 'other-bucket'), loc);
    expect(other.files).toEqual([]);
    expect(other.problems).toEqual([
      expect.stringContaining(
        'DestinationBucket: expected "trailalerts-hunt-222222222222-eu-west-1", got "other-bucket"',
      ),
      expect.stringContaining('ResultFiles.SUCCEEDED[0].Key: expected a key under'),
    ]);
  });

  it('reads the hunt parameters from the execution input', () => {
    expect(parseHuntRun(executionInput()).run).toEqual({
      huntId: HUNT_ID,
      since: '2026-08-01T00:00:00.000Z',
      until: '2026-08-02T23:59:59.999Z',
      mode: 'report',
      rules: [],
    });
    expect(parseHuntRun(undefined).problem).toBe('the execution input is not available');
    expect(parseHuntRun('nope').problem).toBe('the execution input is not JSON');
    expect(parseHuntRun(executionInput({ since: 'yesterday' })).problem).toContain('since');
    expect(parseHuntRun(executionInput({ mode: 'delete' })).problem).toContain('mode');
    expect(parseHuntRun(executionInput({ rules: [{}] })).problem).toContain('rules');
  });

  it('parses execution ARNs and refuses others', () => {
    expect(parseExecutionArn(EXECUTION)).toEqual({
      region: 'eu-west-1',
      account: '222222222222',
      stateMachine: 'trailalerts-retro-hunt',
      name: HUNT_ID,
    });
    expect(() => parseExecutionArn(STATE_MACHINE)).toThrow(/--execution: expected arn:aws:states/);
  });

  it('quotes shell words only when needed', () => {
    expect(shellQuote('AWSLogs/o-x/1/CloudTrail/eu-west-1/2026/08/01/')).toBe(
      'AWSLogs/o-x/1/CloudTrail/eu-west-1/2026/08/01/',
    );
    expect(shellQuote('a b')).toBe("'a b'");
    expect(shellQuote("it's $(rm -rf)")).toBe("'it'\\''s $(rm -rf)'");
    const run = { huntId: HUNT_ID, since: 's', until: 'u', mode: 'pipeline' as const, rules: [] };
    expect(rerunCommand(run, STATE_MACHINE, [prefix(A, 1)])).toBe(
      `trailalerts hunt --since s --until u --state-machine ${STATE_MACHINE} --prefix ${prefix(A, 1)}`,
    );
  });

  it('keeps the results prefix of the state machine construct', async () => {
    const { HUNT_RESULTS_PREFIX } = await import('../../stacks/constructs/retro-hunt');
    expect(RESULTS_PREFIX).toBe(HUNT_RESULTS_PREFIX);
  });
});

describe('waitForExecution', () => {
  function clock() {
    let t = 0;
    const sleeps: number[] = [];
    return { now: () => t, sleep: async (ms: number) => void (sleeps.push(ms), (t += ms)), sleeps };
  }

  function statuses(list: (string | Error)[]): HuntResultsPort & { calls: number } {
    const port = {
      calls: 0,
      describeExecution: async (): Promise<ExecutionDescription> => {
        const next = list[Math.min(port.calls++, list.length - 1)];
        if (next instanceof Error) throw next;
        return { executionArn: EXECUTION, name: HUNT_ID, status: next };
      },
      getObject: async () => '',
    };
    return port;
  }

  it('polls with a growing pause until the execution ends, reporting progress', async () => {
    const c = clock();
    const port = {
      ...memoryPort({}, succeededExecution()),
      ...statuses(['RUNNING', 'RUNNING', 'RUNNING', 'SUCCEEDED']),
    };
    const lines: string[] = [];
    const outcome = await waitForExecution(port, EXECUTION, {
      timeoutMs: 3_600_000,
      initialDelayMs: 1000,
      maxDelayMs: 2000,
      ...c,
      onProgress: (p) => lines.push(formatProgress(p)),
    });
    expect(outcome).toMatchObject({ done: true, execution: { status: 'SUCCEEDED' }, elapsedMs: 4500 });
    expect(c.sleeps).toEqual([1000, 1500, 2000]);
    expect(lines[0]).toBe(`${HUNT_ID}: RUNNING 0s, prefixes 5/10 done, 1 failed`);
  });

  it('gives up at the timeout and says the execution is still running', async () => {
    const c = clock();
    const outcome = await waitForExecution(statuses(['RUNNING']), EXECUTION, {
      timeoutMs: 10_000,
      initialDelayMs: 4000,
      ...c,
    });
    expect(outcome).toMatchObject({ done: false, execution: { status: 'RUNNING' }, elapsedMs: 10_000 });
    expect(c.sleeps).toEqual([4000, 6000]);
  });

  it('retries failed describe calls a few times, but not errors that cannot pass', async () => {
    const c = clock();
    const flaky = statuses([new Error('socket hang up'), new Error('socket hang up'), 'SUCCEEDED']);
    const lines: string[] = [];
    const outcome = await waitForExecution(flaky, EXECUTION, {
      timeoutMs: 60_000,
      ...c,
      onProgress: (p) => lines.push(formatProgress(p)),
    });
    expect(outcome.done).toBe(true);
    expect(lines[0]).toContain('describe failed, retrying: socket hang up');
    const down = statuses([new Error('socket hang up')]);
    await expect(
      waitForExecution(down, EXECUTION, { timeoutMs: 3_600_000, ...c, maxConsecutiveErrors: 3 }),
    ).rejects.toThrow('socket hang up');
    expect(down.calls).toBe(3);
    const missing = statuses([
      Object.assign(new Error('Execution Does Not Exist'), { name: 'ExecutionDoesNotExist' }),
    ]);
    await expect(waitForExecution(missing, EXECUTION, { timeoutMs: 3_600_000, ...c })).rejects.toThrow(
      'Does Not Exist',
    );
    expect(missing.calls).toBe(1);
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
