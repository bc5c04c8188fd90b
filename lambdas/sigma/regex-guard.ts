/**
 * Vets `|re` patterns once at load time: they must compile as JavaScript regular expressions
 * and must not backtrack catastrophically (checked with `recheck`; results are cached per
 * pattern and flags). Matching input is capped so even a slow pattern has bounded cost.
 */
import { checkSync } from 'recheck';

/** Longest input a `|re` pattern is run against; longer values are cut to this length. */
export const MAX_REGEX_INPUT = 64 * 1024;

const cache = new Map<string, string | undefined>();

/** Returns an error message when the pattern is unusable or unsafe, else undefined. */
export function checkRegex(source: string, flags: string): string | undefined {
  const key = `${flags}/${source}`;
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
    result = checkSync(source, flags, { timeout: 2000 });
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
