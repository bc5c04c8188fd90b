/**
 * GuardDuty input, wherever it comes from: a matches-queue message (the EventBridge rule's target,
 * stacks/constructs/guardduty-findings.ts) or a record of a file `scan` reads. One function each;
 * both give the processor's matches or a GuardDutyInputError naming the field.
 */
import type { Match } from '../alerts';
import { GuardDutyInputError, looksLikeGuardDuty, parseGuardDutyInput } from './finding';
import { guardDutyMatch } from './match';

export { GuardDutyInputError } from './finding';

/** The matches of a parsed input value; `file` names where it was read (an event, a file). */
export function guardDutyMatches(value: unknown, source: { file: string; index: number }): Match[] {
  const input = parseGuardDutyInput(value);
  return input.findings.map(({ finding }) => guardDutyMatch(finding, source));
}

/** The matches of an EventBridge event taken from the matches queue (one finding per event). */
export function guardDutyMatchFromEvent(value: unknown): Match {
  const id = (value as { id?: unknown }).id;
  const file = `eventbridge:${typeof id === 'string' ? id.slice(0, 64) : 'unknown-event'}`;
  const [match] = guardDutyMatches(value, { file, index: 0 });
  return match;
}

/**
 * One record of a file: `none` when it is not GuardDuty input (a CloudTrail record: the analyzer
 * takes it), the matches when it is, a problem when it is GuardDuty input that cannot be used.
 */
export type TextInput =
  { kind: 'none' } | { kind: 'matches'; matches: Match[] } | { kind: 'problem'; message: string };

export function guardDutyFromText(text: string, source: { file: string; index: number }): TextInput {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'none' };
  }
  if (!looksLikeGuardDuty(value)) return { kind: 'none' };
  try {
    return { kind: 'matches', matches: guardDutyMatches(value, source) };
  } catch (err) {
    if (err instanceof GuardDutyInputError) return { kind: 'problem', message: err.message };
    throw err;
  }
}
