/** The command that hunts again what a hunt did not read: its window, rules and mode, over those prefixes. */
import type { HuntRun } from './execution';

/** Up to this many prefixes go on the command line as `--prefix`; more go to a file. */
export const INLINE_RERUN_PREFIXES = 20;

/** Quotes a word for a POSIX shell (only when it needs it). */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:@=,+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `trailalerts hunt` with the same window, rules and mode over exactly these prefixes. */
export function rerunCommand(
  run: HuntRun,
  stateMachineArn: string,
  prefixes: string[],
  prefixesFile?: string,
): string {
  const words = ['trailalerts', 'hunt', '--since', run.since, '--until', run.until];
  for (const r of run.rules) words.push('--rules', r);
  if (run.mode === 'report') words.push('--report');
  words.push('--state-machine', stateMachineArn);
  if (prefixesFile !== undefined) words.push('--prefixes-from', prefixesFile);
  else for (const p of prefixes) words.push('--prefix', p);
  return words.map(shellQuote).join(' ');
}
