/**
 * Vets `|re` patterns once at load time: they must compile as JavaScript regular expressions
 * and must not backtrack catastrophically (checked with `recheck`; results are cached per
 * pattern and flags). Matching input is capped so even a slow pattern has bounded cost.
 */
import { recheckSync, regexKey, regexOfKey } from './recheck-sync';

/** Longest input a `|re` pattern is run against; longer values are cut to this length. */
export const MAX_REGEX_INPUT = 64 * 1024;

const cache = new Map<string, string | undefined>();

/**
 * The patterns (`flags/source`) this process has found safe. Synth writes them into the function
 * packages (lambdas/pipeline/regex-checks.ts), so a cold start does not check them again: the
 * in-process recheck backend the bundles use takes up to a second per pattern.
 */
export function safeRegexKeys(): string[] {
  return [...cache].filter(([, problem]) => problem === undefined).map(([key]) => key);
}

/**
 * Takes patterns found safe at build time (keys of safeRegexKeys); each must still compile.
 * Returns how many were taken. Patterns not listed are checked as always.
 */
export function trustSafeRegexKeys(keys: readonly string[]): number {
  let taken = 0;
  for (const key of keys) {
    if (cache.has(key) || regexOfKey(key) === undefined) continue;
    cache.set(key, undefined);
    taken++;
  }
  return taken;
}

/** Returns an error message when the pattern is unusable or unsafe, else undefined. */
export function checkRegex(source: string, flags: string): string | undefined {
  const key = regexKey(source, flags);
  if (cache.has(key)) return cache.get(key);
  const problem = analyse(source, flags);
  cache.set(key, problem);
  return problem;
}

function analyse(source: string, flags: string): string | undefined {
  try {
    new RegExp(source, flags);
  } catch (error) {
    return `invalid regular expression: ${(error as Error).message}`;
  }
  let result;
  try {
    result = recheckSync(source, flags, 2000);
  } catch (error) {
    return `regular expression could not be checked for catastrophic backtracking: ${(error as Error).message}`;
  }
  if (result.status === 'vulnerable') {
    const complexity = result.complexity;
    if (complexity.type === 'exponential')
      return `regular expression can backtrack catastrophically (exponential time, e.g. on ${JSON.stringify(result.attack.string.slice(0, 40))}); rewrite it without nested or overlapping repetition`;
    if (complexity.type === 'polynomial' && complexity.degree >= 3)
      return `regular expression can backtrack catastrophically (${complexity.summary}); rewrite it without overlapping repetition`;
  }
  return undefined;
}

/**
 * A literal text that every match of the pattern must contain, when that can be proven from a
 * simple reading of the pattern; undefined otherwise. Used as a cheap `includes` test before
 * running the regular expression. Conservative: top-level alternation, case-insensitive or
 * unicode flags, escapes with payloads (\x, \u, \c, \k, \p, back-references) and anything
 * unusual give no literal. Groups, classes and optional atoms only end a literal run.
 */
export function requiredLiteral(source: string, flags: string): string | undefined {
  if (/[iuv]/.test(flags)) return undefined;
  const runs: string[] = [];
  let run = '';
  const endRun = (): void => {
    if (run) runs.push(run);
    run = '';
  };
  /** Last atom was a literal character appended to `run` (so a quantifier applies to it). */
  let lastWasLiteral = false;
  let i = 0;
  const n = source.length;
  while (i < n) {
    const c = source[i];
    if (c === '\\') {
      const next = source[i + 1];
      if (next === undefined) return undefined;
      if (/[dDwWsSbB]/.test(next)) {
        endRun();
        lastWasLiteral = false;
      } else if (/[A-Za-z0-9_]/.test(next)) {
        return undefined;
      } else {
        run += next;
        lastWasLiteral = true;
      }
      i += 2;
    } else if (c === '[') {
      let j = i + 1;
      if (source[j] === '^') j++;
      while (j < n && source[j] !== ']') j += source[j] === '\\' ? 2 : 1;
      if (j >= n) return undefined;
      endRun();
      lastWasLiteral = false;
      i = j + 1;
    } else if (c === '(') {
      let depth = 0;
      let j = i;
      while (j < n) {
        const d = source[j];
        if (d === '\\') j += 2;
        else if (d === '[') {
          j++;
          if (source[j] === '^') j++;
          while (j < n && source[j] !== ']') j += source[j] === '\\' ? 2 : 1;
          j++;
        } else {
          if (d === '(') depth++;
          else if (d === ')' && --depth === 0) break;
          j++;
        }
      }
      if (j >= n) return undefined;
      endRun();
      lastWasLiteral = false;
      i = j + 1;
    } else if (c === '*' || c === '?' || c === '{') {
      let j = i + 1;
      if (c === '{') {
        const m = /^\{\d+(,\d*)?\}/.exec(source.slice(i));
        if (!m) return undefined;
        j = i + m[0].length;
      }
      // The atom before may occur zero times: drop it from the run.
      if (lastWasLiteral) run = run.slice(0, -1);
      endRun();
      lastWasLiteral = false;
      if (source[j] === '?') j++;
      i = j;
    } else if (c === '+') {
      endRun();
      lastWasLiteral = false;
      i += source[i + 1] === '?' ? 2 : 1;
    } else if (c === '|' || c === ')' || c === ']' || c === '}') {
      return undefined;
    } else if (c === '.' || c === '^' || c === '$') {
      endRun();
      lastWasLiteral = false;
      i++;
    } else {
      run += c;
      lastWasLiteral = true;
      i++;
    }
  }
  endRun();
  let best: string | undefined;
  for (const r of runs) if (!best || r.length > best.length) best = r;
  return best;
}
