/**
 * How hunt results print: the progress line, the summary table (totals, damaged and unreadable
 * objects, the re-run command, complete or why not) and its JSON, with every text from the results
 * cleaned of terminal controls.
 */
import { formatDuration, formatProgress, formatSummary, summaryJson } from '../../bin/cli/hunt-output';
import type { HuntSummary } from '../../src/hunt/results';
import { EXECUTION, HUNT_ID, match, prefix, STATE_MACHINE, STOP } from '../hunt/fixtures';

const A = '444444444444';

function summary(over: Partial<HuntSummary> = {}): HuntSummary {
  return {
    executionArn: EXECUTION,
    status: 'SUCCEEDED',
    stateMachineArn: STATE_MACHINE,
    hunt: {
      huntId: HUNT_ID,
      since: '2026-08-01T00:00:00.000Z',
      until: '2026-08-02T23:59:59.999Z',
      mode: 'report',
      rules: [],
    },
    results: { bucket: 'b', manifestKey: 'results/x/manifest.json', files: 1 },
    batches: { succeeded: 3, failed: 0, pending: 0, malformed: 0 },
    totals: {
      prefixes: 3,
      objects: 6,
      records: 157,
      outOfRange: 6,
      matches: 4,
      damagedObjects: 0,
      skippedObjects: 0,
      outsideWindowObjects: 0,
      unreadableObjects: 0,
      truncatedMatches: 0,
    },
    byRule: [{ ruleId: STOP.id, title: STOP.title, count: 4 }],
    listed: [],
    listedLimit: 20,
    listedAvailable: 0,
    damaged: [],
    unreadable: [],
    failedBatches: [],
    unfinished: [],
    unreadablePrefixes: [],
    unknownRules: [],
    problems: [],
    problemCount: 0,
    rerun: { prefixes: [], unknownBatches: 0 },
    complete: true,
    ...over,
  };
}

describe('formatSummary', () => {
  it('prints totals, matches per rule, and says the hunt is complete when every object was read', () => {
    const text = formatSummary(
      summary({ damaged: [{ key: `${prefix(A, 1)}bad.json.gz`, problems: ['unexpected end of file'] }] }),
    );
    expect(text).toContain('read:       3 prefixes, 6 objects, 157 records (6 outside the window)');
    expect(text).toMatch(/4\s+CloudTrail Stopped\s+11111111/);
    expect(text).toContain(`${prefix(A, 1)}bad.json.gz`);
    expect(text.trimEnd().split('\n').pop()).toBe('complete: every object was read');
  });

  it('lists unread objects apart from damaged ones, says they are to hunt again and the run incomplete', () => {
    const again = [prefix(A, 3)];
    const text = formatSummary(
      summary({
        totals: { ...summary().totals, unreadableObjects: 2, damagedObjects: 1, outsideWindowObjects: 500 },
        damaged: [{ key: `${prefix(A, 1)}bad.json.gz`, problems: ['gzip data is corrupt'] }],
        unreadable: [{ key: `${prefix(A, 3)}x.json.gz`, problems: ['AccessDenied: Access Denied'] }],
        unreadablePrefixes: again,
        rerun: { prefixes: again, unknownBatches: 0, command: `trailalerts hunt --prefix ${again[0]}` },
        complete: false,
      }),
    );
    expect(text).toContain('matches:    4   damaged objects: 1   unread objects: 2');
    expect(text).toContain('not read: 500 log objects delivered outside the window');
    expect(text).toContain('damaged objects: 1; their good records were read');
    expect(text).toMatch(
      /unread objects: 2 \(the first 1 by key\); S3, KMS or network errors that retries did not overcome/,
    );
    expect(text).toContain('AccessDenied: Access Denied');
    expect(text).toContain('hunt again: 1 prefixes (0 unfinished, 1 with unread objects');
    expect(text).toContain(`  trailalerts hunt --prefix ${again[0]}`);
    expect(text).toContain(
      'incomplete: 2 objects unread (retried, then left to hunt again), 1 prefixes to hunt again',
    );
  });

  it('shows failed batches, problems and why there is no re-run command', () => {
    const text = formatSummary(
      summary({
        status: 'FAILED',
        error: 'States.ExceedToleratedFailureThreshold',
        hunt: undefined,
        huntProblem: 'execution input huntId: expected a hunt id',
        batches: { succeeded: 1, failed: 1, pending: 1, malformed: 1 },
        failedBatches: [
          {
            name: 'child-1',
            status: 'FAILED',
            error: 'MatchSinkError',
            cause: '{"errorType":"MatchSinkError"}',
            prefixes: [prefix(A, 1)],
          },
        ],
        problems: ['s3://b/results/x/SUCCEEDED_0.json: not valid JSON'],
        problemCount: 1,
        rerun: { prefixes: [prefix(A, 1)], unknownBatches: 2 },
        complete: false,
      }),
    );
    expect(text).toContain('batches:    1 succeeded, 1 failed, 1 never ran, 1 malformed');
    expect(text).toContain('failed or never-run batches: 2');
    expect(text).toContain('MatchSinkError {"errorType":"MatchSinkError"}');
    expect(text).toContain('(no re-run command)');
    expect(text).toContain('could not be tied to prefixes: hunt the whole range again');
    expect(text).toContain(
      'incomplete: the execution FAILED, 1 prefixes to hunt again, 2 batches or files with unknown prefixes, 1 result file problems',
    );
  });

  it('names the prefixes file when the prefixes do not fit on the command line', () => {
    const text = formatSummary(
      summary({
        rerun: {
          prefixes: [prefix(A, 1)],
          unknownBatches: 0,
          command: 'trailalerts hunt …',
          prefixesFile: `${HUNT_ID}-rerun.txt`,
        },
        complete: false,
      }),
    );
    expect(text).toContain(`--rerun-file ${HUNT_ID}-rerun.txt), then:`);
  });

  it('cleans terminal escapes from result texts in the table', () => {
    const text = formatSummary(
      summary({ listed: [match(STOP, '\u001b[2J\u001b]0;pwned\u0007', '2026-08-01T10:00:00Z')] }),
    );
    // eslint-disable-next-line no-control-regex
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    expect(text).toContain('?[2J?]0;pwned?');
  });
});

describe('progress and JSON', () => {
  it('prints one progress line with the map run counts', () => {
    expect(
      formatProgress({
        execution: { executionArn: EXECUTION, name: HUNT_ID, status: 'RUNNING' },
        elapsedMs: 192_000,
        mapRun: { mapRunArn: 'm', items: { total: 10, succeeded: 4, failed: 1, running: 2, pending: 3 } },
      }),
    ).toBe(`${HUNT_ID}: RUNNING 3m12s, prefixes 5/10 done, 1 failed`);
    expect(formatDuration(3_720_000)).toBe('1h02m');
  });

  it('escapes C1 controls and bidi marks in the JSON and keeps the values', () => {
    const evil = 'e1\u009b31m\u202eevil';
    const json = summaryJson(summary({ listed: [match(STOP, evil, '2026-08-01T10:00:00Z')] }));
    expect(json).not.toMatch(/[\u007f-\u009f\u202a-\u202e]/);
    expect((JSON.parse(json) as HuntSummary).listed[0].eventID).toBe(evil);
  });
});
