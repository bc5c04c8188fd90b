/**
 * What the results reader needs from AWS, as a port: describe the execution, read an object of the
 * hunt bucket, and (optionally) the execution's map runs. `aws-port.ts` adapts the SDK clients;
 * tests use an in-memory port.
 */

export type ExecutionStatus =
  'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE';

export interface ExecutionDescription {
  executionArn: string;
  /** One of ExecutionStatus; kept as text so an unknown future status is shown, not dropped. */
  status: string;
  stateMachineArn?: string;
  name?: string;
  /** The execution input (JSON text). */
  input?: string;
  /** The execution output (JSON text), once it succeeded. */
  output?: string;
  error?: string;
  cause?: string;
  startDate?: Date;
  stopDate?: Date;
  /** REDRIVABLE, NOT_REDRIVABLE or REDRIVABLE_BY_MAP_RUN (DescribeExecution), when given. */
  redriveStatus?: string;
  redriveStatusReason?: string;
}

export interface MapRunProgress {
  mapRunArn: string;
  status?: string;
  /** Map items (day prefixes). */
  items: { total: number; succeeded: number; failed: number; running: number; pending: number };
}

export interface HuntResultsPort {
  describeExecution(executionArn: string): Promise<ExecutionDescription>;
  /** The object's text; throws when it is missing, unreadable or too large. */
  getObject(bucket: string, key: string): Promise<string>;
  /** The object as it streams (result files of any size); without it, getObject is used. */
  streamObject?(bucket: string, key: string): Promise<AsyncIterable<Uint8Array | string>>;
  /** Map runs the execution started, most recent first (optional: progress and failed-hunt results). */
  listMapRuns?(executionArn: string): Promise<string[]>;
  describeMapRun?(mapRunArn: string): Promise<MapRunProgress>;
  /** UpdateMapRun: the running map's concurrency (optional: `hunt-results --max-concurrency`). */
  updateMapRun?(mapRunArn: string, maxConcurrency: number): Promise<void>;
  /** RedriveExecution: runs again what did not succeed (optional: `hunt-results --redrive`). */
  redriveExecution?(executionArn: string): Promise<{ redriveDate?: Date }>;
}

const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED']);

export function isTerminal(status: string): boolean {
  return TERMINAL.has(status);
}
