/**
 * What an execution says about its hunt: the parts of its ARN, and the hunt parameters from its
 * input (src/hunt/input.ts), which the re-run command repeats.
 */
import type { Problem } from '../../core';
import { safeText } from '../../notify';
import type { HuntMode } from '../index';
import { isObject } from './shapes';

const EXECUTION_ARN =
  /^arn:aws[a-z-]*:states:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):execution:([A-Za-z0-9_-]{1,80}):([A-Za-z0-9_-]{1,80})$/;

/** Region, account, state machine name and execution name of an execution ARN; throws otherwise. */
export function parseExecutionArn(arn: string): {
  region: string;
  account: string;
  stateMachine: string;
  name: string;
} {
  const m = EXECUTION_ARN.exec(typeof arn === 'string' ? arn : '');
  if (!m)
    throw new Error(
      `--execution: expected arn:aws:states:<region>:<account>:execution:<state machine>:<name>, got "${safeText(arn, 200)}"`,
    );
  return { region: m[1], account: m[2], stateMachine: m[3], name: m[4] };
}

export interface HuntRun {
  huntId: string;
  since: string;
  until: string;
  mode: HuntMode;
  rules: string[];
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z$/;
const HUNT_ID = /^[A-Za-z0-9_-]{1,80}$/;

/** The hunt parameters from the execution input, or a reason they are unusable. */
export function parseHuntRun(input: string | undefined): HuntRun | Problem {
  if (input === undefined) return { problem: 'the execution input is not available' };
  let value: unknown;
  try {
    value = JSON.parse(input);
  } catch {
    return { problem: 'the execution input is not JSON' };
  }
  if (!isObject(value)) return { problem: 'the execution input is not an object' };
  const { huntId, since, until, rules } = value;
  // Executions started before alert mode had its name called it "pipeline".
  const mode = value.mode === 'pipeline' ? 'alert' : value.mode;
  if (typeof huntId !== 'string' || !HUNT_ID.test(huntId))
    return { problem: 'execution input huntId: expected a hunt id' };
  for (const [name, v] of [
    ['since', since],
    ['until', until],
  ] as const)
    if (typeof v !== 'string' || !ISO_TIME.test(v))
      return { problem: `execution input ${name}: expected an ISO time ending in Z` };
  if (mode !== 'alert' && mode !== 'report')
    return { problem: 'execution input mode: expected "alert" or "report"' };
  const refs = rules ?? [];
  if (
    !Array.isArray(refs) ||
    refs.length > 200 ||
    refs.some((r) => typeof r !== 'string' || r === '' || r.length > 512)
  )
    return { problem: 'execution input rules: expected up to 200 rule references' };
  return {
    huntId,
    since: since as string,
    until: until as string,
    mode,
    rules: refs as string[],
  };
}
