/**
 * Exit statuses of every command: one table, so a CI job can tell a broken configuration from an
 * invalid rule, unreadable input or a finding, and a retro-hunt's outcome from all of them.
 */

export const EXIT_OK = 0;
/** Anything else: bad arguments, failed rule tests, an alert that could not be written. */
export const EXIT_FAILED = 1;
/** accounts.yaml does not load or has errors (with `validate --strict`, warnings too). */
export const EXIT_CONFIG = 2;
/** A rule (or correlation, filter) is invalid; the valid ones still run. */
export const EXIT_RULES = 3;
/** An alert at or above `--fail-on` fired. */
export const EXIT_FAIL_ON = 4;
/** Input that could not be read whole (missing path, corrupt object, S3 error); the good records were still processed. */
export const EXIT_INPUT = 5;

/** `hunt --wait`, `hunt-results`: the execution has not ended (or was still running at --timeout). */
export const EXIT_HUNT_NOT_FINISHED = 6;
/** `hunt --wait`, `hunt-results`: it succeeded, but not every object was read (prefixes to hunt again, unreadable results). */
export const EXIT_HUNT_INCOMPLETE = 7;
/** `hunt --wait`, `hunt-results`: the execution failed, timed out or was aborted. */
export const EXIT_HUNT_FAILED = 8;

/**
 * Most serious first. A configuration that does not load makes every result suspect (wrong rule
 * sets, routes, exceptions); an invalid rule leaves a detection switched off for all input; unreadable
 * input leaves some events unseen; a general failure (a failed rule test, a write that failed) is
 * local; `--fail-on` is a finding in a run that otherwise worked, so any problem outranks it.
 */
const PRECEDENCE = [EXIT_CONFIG, EXIT_RULES, EXIT_INPUT, EXIT_FAILED, EXIT_FAIL_ON, EXIT_OK];

/** The most serious of several statuses (unknown ones rank just after the known errors). */
export function worstExit(...codes: number[]): number {
  const rank = (c: number) => {
    const i = PRECEDENCE.indexOf(c);
    return i === -1 ? PRECEDENCE.indexOf(EXIT_FAILED) + 0.5 : i;
  };
  return codes.reduce((worst, c) => (rank(c) < rank(worst) ? c : worst), EXIT_OK);
}

const HUNT_PRECEDENCE = [
  EXIT_FAILED,
  EXIT_HUNT_FAILED,
  EXIT_HUNT_NOT_FINISHED,
  EXIT_HUNT_INCOMPLETE,
  EXIT_OK,
];

/** The most serious outcome of several hunt executions (the parts of one plan): failed, then still running, then incomplete. */
export function worstHuntExit(...codes: number[]): number {
  const rank = (c: number) => {
    const i = HUNT_PRECEDENCE.indexOf(c);
    return i === -1 ? 0 : i;
  };
  return codes.reduce((worst, c) => (rank(c) < rank(worst) ? c : worst), EXIT_OK);
}

const MEANING: Record<number, string> = {
  [EXIT_CONFIG]: 'accounts.yaml does not load or has errors',
  [EXIT_RULES]: 'an invalid rule (the valid ones still run)',
  [EXIT_INPUT]:
    'unreadable input: a missing path, a corrupt object, an S3 error (the good records are still processed)',
  [EXIT_FAILED]: 'any other failure',
  [EXIT_FAIL_ON]: 'an alert at or above --fail-on',
};

/** The `--help` paragraph for the statuses a command can return, most serious first. */
export function exitHelp(codes: number[], meanings: Partial<Record<number, string>> = {}): string {
  const listed = PRECEDENCE.filter((c) => c !== EXIT_OK && codes.includes(c)).map(
    (c) => `${c} ${meanings[c] ?? MEANING[c]}`,
  );
  return `\nExit status (when several apply, the first listed wins): ${listed.join('; ')}; 0 otherwise.`;
}

/** The `--help` paragraph of `hunt` and `hunt-results`: one outcome each, no precedence. */
export function huntExitHelp(command: 'hunt' | 'hunt-results'): string {
  const ended = command === 'hunt' ? ' (with --wait: every object read)' : ': every object read';
  const config = command === 'hunt' ? `, ${EXIT_CONFIG} accounts.yaml errors` : '';
  return (
    `\nExit status: ${EXIT_OK} done${ended}, ${EXIT_FAILED} error${config}, ` +
    `${EXIT_HUNT_NOT_FINISHED} not finished (or still running at --timeout), ` +
    `${EXIT_HUNT_INCOMPLETE} finished with objects or prefixes to hunt again or unreadable results, ` +
    `${EXIT_HUNT_FAILED} the hunt failed, timed out or was aborted.`
  );
}
