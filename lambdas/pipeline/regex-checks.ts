/**
 * Regular expressions proven safe at synth, shipped in the function packages. Every `|re` rule
 * pattern and accounts.yaml actorPatterns regex is checked for catastrophic backtracking before it
 * runs; in a Lambda bundle that check uses recheck's in-process backend, which takes up to a
 * second per pattern (5-6 s of cold start for this rule pack). Synth has just checked the same
 * patterns (bin/app.ts), so it writes the safe ones into regex-checks.json and the functions take
 * them at start-up (runtime.ts); a pattern not listed is checked as always. The file is part of
 * the deployed package, as trusted as the code beside it; each listed pattern must still compile.
 */
import { safeActorRegexKeys, trustSafeActorRegexKeys } from '../org/regex-safety';
import { safeRegexKeys, trustSafeRegexKeys } from '../sigma/regex-guard';

export const REGEX_CHECKS_FILE = 'regex-checks.json';

export interface RegexChecks {
  version: 1;
  /** `flags/source` of `|re` patterns found safe (sigma/regex-guard.ts). */
  sigma: string[];
  /** `flags/pattern` of actorPatterns found safe (org/regex-safety.ts). */
  actors: string[];
}

/** The patterns this process has found safe so far, sorted (a stable file for a stable bundle hash). */
export function regexChecksSnapshot(): RegexChecks {
  return { version: 1, sigma: safeRegexKeys().sort(), actors: safeActorRegexKeys().sort() };
}

const isStringList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((v) => typeof v === 'string');

/**
 * Takes the safe patterns of a regex-checks.json text. Returns how many were taken, or what is
 * wrong with the text (then nothing is taken and every pattern is checked when used).
 */
export function trustRegexChecks(text: string): { taken: number } | { problem: string } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return { problem: `not JSON (${(err as Error).message})` };
  }
  const checks = data as Partial<RegexChecks> | null;
  if (typeof checks !== 'object' || checks === null || checks.version !== 1)
    return { problem: 'expected an object with "version": 1' };
  if (!isStringList(checks.sigma) || !isStringList(checks.actors))
    return { problem: 'expected "sigma" and "actors" to be lists of patterns' };
  return { taken: trustSafeRegexKeys(checks.sigma) + trustSafeActorRegexKeys(checks.actors) };
}
