/**
 * Summarizing a hunt's results over an in-memory port: aggregation of worker results, failed and
 * never-run batches, malformed or unreadable result files (reported by key and path, never
 * thrown), unreadable trail objects, finding the results of a failed hunt, the re-run command.
 */
import { INLINE_RERUN_PREFIXES, summarizeHunt } from '../../../src/hunt/results';
import {
  batchResult,
  BUCKET,
  child,
  DELETE,
  executionInput,
  HUNT_ID,
  jsonl,
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
  streamingPort,
  succeededExecution,
} from '../fixtures';

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
      outsideWindowObjects: 0,
      unreadableObjects: 0,
      truncatedMatches: 0,
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
  });

  it('streams JSON Lines result files (COMPACT): succeeded outputs counted, failed children hunted again, a bad line reported by number', async () => {
    const execution = succeededExecution();
    const port = streamingPort(
      {
        [MANIFEST_KEY]: manifest({
          SUCCEEDED: [resultKey('SUCCEEDED_0.jsonl')],
          FAILED: [resultKey('FAILED_0.jsonl')],
        }),
        [resultKey('SUCCEEDED_0.jsonl')]: `${jsonl([
          batchResult({ matches: 1, byRule: { [STOP.id]: { title: STOP.title, count: 1 } } }),
          JSON.stringify(batchResult({ unreadableObjects: 1, unreadablePrefixes: [prefix(A, 3)] })),
        ])}{"huntId": "${HUNT_ID}", "objects": "é"}\n`,
        [resultKey('FAILED_0.jsonl')]: jsonl([
          child([prefix(B, 1)], { status: 'FAILED', error: 'Lambda.TooManyRequestsException' }),
        ]),
      },
      execution,
    );
    const s = await summarizeHunt(port, execution, opts);
    expect(s.batches).toEqual({ succeeded: 2, failed: 1, pending: 0, malformed: 1 });
    expect(s.totals).toMatchObject({ prefixes: 2, objects: 4, matches: 1, unreadableObjects: 1 });
    expect(s.byRule).toEqual([{ ruleId: STOP.id, title: STOP.title, count: 1 }]);
    expect(s.problems).toEqual([
      `s3://${BUCKET}/${resultKey('SUCCEEDED_0.jsonl')} line 3.byRule: expected an object, got nothing; the batch is not counted`,
    ]);
    expect(s.rerun.prefixes).toEqual([prefix(A, 3), prefix(B, 1)]);
    // The malformed line's prefixes are unknown: the hunt is not complete.
    expect(s.rerun.unknownBatches).toBe(1);
    expect(s.complete).toBe(false);
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
        // Not an array, so read as JSON Lines: an entry that is neither a child execution nor a result.
        `s3://${BUCKET}/${resultKey('SUCCEEDED_2.json')} line 1.byRule: expected an object, got nothing; the batch is not counted`,
        `reading s3://${BUCKET}/${resultKey('SUCCEEDED_3.json')} failed: Access Denied; its batches are not counted`,
        expect.stringContaining(`ResultFiles.SUCCEEDED[4].Key: expected a key under results/${MAP_RUN_ID}/`),
        expect.stringContaining('ResultFiles.SUCCEEDED[5].Key: expected a string, got nothing'),
        expect.stringContaining('ResultFiles.FAILED: expected an array'),
      ]),
    );
    expect(s.problemCount).toBe(12);
    expect(s.batches).toEqual({ succeeded: 1, failed: 0, pending: 0, malformed: 7 });
    expect(s.totals.records).toBe(5);
    // The prefixes of batches whose results are unusable are hunted again; whole unreadable files cannot be.
    expect(s.rerun.prefixes).toEqual([2, 3, 4, 5, 6].map((d) => prefix(A, d)));
    expect(s.rerun.unknownBatches).toBe(4);
    expect(s.complete).toBe(false);
    expect(port.reads).not.toContain(`${BUCKET}/manifests/elsewhere.json`);
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
    expect(broken.complete).toBe(false);
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
  });

  it('counts unreadable objects apart from damaged ones, hunts their prefixes again, and is not complete', async () => {
    const denied = { key: `${prefix(A, 3)}x.json.gz`, problems: ['AccessDenied: Access Denied'] };
    const port = memoryPort(
      {
        [MANIFEST_KEY]: manifest({ SUCCEEDED: [resultKey('SUCCEEDED_0.json')] }),
        [resultKey('SUCCEEDED_0.json')]: JSON.stringify([
          child([prefix(A, 1), prefix(A, 3)], {
            output: batchResult({
              prefixes: 1,
              outsideWindowObjects: 40,
              truncatedMatches: 1,
              unreadableObjects: 2,
              unreadable: [denied, { key: `${prefix(A, 3)}y.json.gz`, problems: ['SlowDown: slow down'] }],
              unreadablePrefixes: [prefix(A, 3)],
            }),
          }),
        ]),
      },
      succeededExecution(),
    );
    const s = await summarizeHunt(port, succeededExecution(), opts);
    expect(s.totals).toMatchObject({
      prefixes: 1,
      damagedObjects: 0,
      unreadableObjects: 2,
      outsideWindowObjects: 40,
      truncatedMatches: 1,
    });
    expect(s.unreadable[0]).toEqual(denied);
    expect(s.damaged).toEqual([]);
    expect(s.unreadablePrefixes).toEqual([prefix(A, 3)]);
    expect(s.rerun.prefixes).toEqual([prefix(A, 3)]);
    expect(s.rerun.command).toContain(`--prefix ${prefix(A, 3)}`);
    expect(s.complete).toBe(false);
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
