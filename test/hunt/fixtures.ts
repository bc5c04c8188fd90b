/**
 * Builders for retro-hunt result files as the Distributed Map's ResultWriter writes them: worker
 * results (HuntBatchResult), child execution entries (Input/Output as JSON text), manifests, and
 * an in-memory HuntResultsPort.
 */
import type { ExecutionDescription, HuntResultsPort } from '../../src/hunt/results';
import { emptyBatchResult, type HuntBatchResult } from '../../src/hunt/tally';

export const ROOT = 'AWSLogs/o-testorg0001/';
export const STATE_MACHINE = 'arn:aws:states:eu-west-1:222222222222:stateMachine:trailalerts-retro-hunt';
export const HUNT_ID = 'hunt-20260801T100000Z-abc123';
export const EXECUTION = `arn:aws:states:eu-west-1:222222222222:execution:trailalerts-retro-hunt:${HUNT_ID}`;
export const MAP_RUN_ID = '6dbfba93-bcff-410b-9b5c-abf41ae9eddb';
export const MAP_RUN = `arn:aws:states:eu-west-1:222222222222:mapRun:trailalerts-retro-hunt/HuntInline:${MAP_RUN_ID}`;
export const BUCKET = 'trailalerts-hunt-222222222222-eu-west-1';
export const MANIFEST_KEY = `results/${MAP_RUN_ID}/manifest.json`;

export const prefix = (account: string, day: number, region = 'eu-west-1') =>
  `${ROOT}${account}/CloudTrail/${region}/2026/08/${String(day).padStart(2, '0')}/`;

export const STOP = { id: '11111111-1111-4111-8111-111111111111', title: 'CloudTrail Stopped' };
export const DELETE = { id: '22222222-2222-4222-8222-222222222222', title: 'CloudTrail Deleted' };

export function batchResult(over: Partial<HuntBatchResult> = {}): HuntBatchResult {
  return { ...emptyBatchResult(HUNT_ID), prefixes: 1, objects: 2, records: 10, outOfRange: 1, ...over };
}

export const match = (
  rule: { id: string; title: string },
  eventID: string,
  eventTime: string,
  account = '444444444444',
) => ({
  ruleId: rule.id,
  title: rule.title,
  eventID,
  eventTime,
  accountId: account,
  source: `s3://trail/${prefix(account, 1)}x.json.gz#0`,
});

let childCounter = 0;

/** One child execution as the ResultWriter lists it (no WriterConfig: Input and Output are JSON text). */
export function child(
  prefixes: string[],
  outcome:
    | { output: unknown }
    | { status: 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING'; error?: string; cause?: string },
): Record<string, unknown> {
  const name = `child-${String(++childCounter).padStart(4, '0')}`;
  const base = {
    ExecutionArn: `arn:aws:states:eu-west-1:222222222222:execution:trailalerts-retro-hunt/HuntInline:${name}`,
    Name: name,
    Input: JSON.stringify({
      Items: prefixes.map((p) => ({
        huntId: HUNT_ID,
        prefix: p,
        since: '2026-08-01T00:00:00.000Z',
        until: '2026-08-02T23:59:59.999Z',
        mode: 'report',
        rules: [],
      })),
    }),
    InputDetails: { Included: true },
    StartDate: '2026-08-01T10:00:01.000Z',
    StateMachineArn: STATE_MACHINE,
    RedriveCount: 0,
  };
  if ('output' in outcome)
    return {
      ...base,
      Status: 'SUCCEEDED',
      Output: typeof outcome.output === 'string' ? outcome.output : JSON.stringify(outcome.output),
      OutputDetails: { Included: true },
      StopDate: '2026-08-01T10:03:00.000Z',
    };
  return {
    ...base,
    Status: outcome.status,
    ...(outcome.error ? { Error: outcome.error } : {}),
    ...(outcome.cause ? { Cause: outcome.cause } : {}),
  };
}

export function manifest(groups: Record<string, string[]>, bucket = BUCKET): string {
  return JSON.stringify({
    DestinationBucket: bucket,
    MapRunArn: MAP_RUN,
    ResultFiles: Object.fromEntries(
      Object.entries(groups).map(([status, keys]) => [status, keys.map((Key) => ({ Key, Size: 100 }))]),
    ),
  });
}

export const resultKey = (name: string) => `results/${MAP_RUN_ID}/${name}`;

export function executionInput(over: Record<string, unknown> = {}): string {
  return JSON.stringify({
    huntId: HUNT_ID,
    since: '2026-08-01T00:00:00.000Z',
    until: '2026-08-02T23:59:59.999Z',
    mode: 'report',
    rules: [],
    prefixes: [prefix('444444444444', 1)],
    ...over,
  });
}

export function succeededExecution(over: Partial<ExecutionDescription> = {}): ExecutionDescription {
  return {
    executionArn: EXECUTION,
    status: 'SUCCEEDED',
    stateMachineArn: STATE_MACHINE,
    name: HUNT_ID,
    input: executionInput(),
    output: JSON.stringify({
      MapRunArn: MAP_RUN,
      ResultWriterDetails: { Bucket: BUCKET, Key: MANIFEST_KEY },
    }),
    startDate: new Date('2026-08-01T10:00:00Z'),
    stopDate: new Date('2026-08-01T10:05:00Z'),
    ...over,
  };
}

/** The memory port reading result files as streams of `chunk`-byte pieces (as the SDK adapter does). */
export function streamingPort(
  objects: Record<string, string | Error>,
  execution: ExecutionDescription,
  chunk = 7,
): HuntResultsPort & { reads: string[] } {
  const port = memoryPort(objects, execution);
  return {
    ...port,
    streamObject: async (bucket, key) => {
      const text = Buffer.from(await port.getObject(bucket, key), 'utf8');
      return (async function* () {
        for (let i = 0; i < text.length; i += chunk) yield text.subarray(i, i + chunk);
      })();
    },
  };
}

/** A result file as the ResultWriter writes it with WriterConfig JSONL + COMPACT: outputs of succeeded children, failed ones whole. */
export function jsonl(entries: unknown[]): string {
  return `${entries.map((e) => JSON.stringify(e)).join('\n')}\n`;
}

/** An in-memory port: objects by key in one bucket (an Error is thrown when read), a fixed execution. */
export function memoryPort(
  objects: Record<string, string | Error>,
  execution: ExecutionDescription,
  mapRuns: string[] = [MAP_RUN],
): HuntResultsPort & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    describeExecution: async () => execution,
    getObject: async (bucket, key) => {
      reads.push(`${bucket}/${key}`);
      const body = bucket === BUCKET ? objects[key] : undefined;
      if (body === undefined) throw Object.assign(new Error(`NoSuchKey: ${key}`), { name: 'NoSuchKey' });
      if (body instanceof Error) throw body;
      return body;
    },
    listMapRuns: async () => mapRuns,
    describeMapRun: async (mapRunArn) => ({
      mapRunArn,
      status: 'RUNNING',
      items: { total: 10, succeeded: 4, failed: 1, running: 2, pending: 3 },
    }),
  };
}
