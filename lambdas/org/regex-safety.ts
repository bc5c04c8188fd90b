/**
 * Refuses regular expressions that can backtrack catastrophically (ReDoS): exception
 * `actorPatterns` run against attacker-controlled text, so each one is proven safe with `recheck`
 * first. Results are cached per pattern; the check runs once per pattern per process.
 */
import { recheckSync, regexKey, regexOfKey } from '../sigma/recheck-sync';

export interface RegexCheck {
  ok: boolean;
  regex?: RegExp;
  /** Why it was refused (syntax error, vulnerable, or not provable). */
  problem?: string;
}

const cache = new Map<string, RegexCheck>();

/** Compiles `pattern` (flags: none, or `i`) if its syntax is valid and recheck proves it safe. */
export function compileSafeRegex(pattern: string, flags = ''): RegexCheck {
  const key = regexKey(pattern, flags);
  const cached = cache.get(key);
  if (cached) return cached;
  const result = check(pattern, flags);
  cache.set(key, result);
  return result;
}

/** The actor patterns (`flags/pattern`) this process has found safe (see sigma/regex-guard.ts safeRegexKeys). */
export function safeActorRegexKeys(): string[] {
  return [...cache].filter(([, result]) => result.ok).map(([key]) => key);
}

/** Takes actor patterns found safe at build time; each must still compile. Returns how many were taken. */
export function trustSafeActorRegexKeys(keys: readonly string[]): number {
  let taken = 0;
  for (const key of keys) {
    const regex = cache.has(key) ? undefined : regexOfKey(key);
    // Not a pattern this build could have found safe (see check): it is checked when used.
    if (regex === undefined || regex.source.length > 1000) continue;
    cache.set(key, { ok: true, regex });
    taken++;
  }
  return taken;
}

function check(pattern: string, flags: string): RegexCheck {
  let regex: RegExp;
  try {
    regex = new RegExp(pattern, flags);
  } catch (err) {
    return { ok: false, problem: `invalid regular expression: ${(err as Error).message}` };
  }
  if (pattern.length > 1000) return { ok: false, problem: 'regular expression longer than 1000 characters' };
  try {
    const diagnostics = recheckSync(pattern, flags, 5000);
    if (diagnostics.status === 'safe') return { ok: true, regex };
    if (diagnostics.status === 'vulnerable') {
      const attack = diagnostics.attack ? `; e.g. "${diagnostics.attack.pattern}"` : '';
      return {
        ok: false,
        problem: `regular expression can backtrack catastrophically (${diagnostics.complexity.summary})${attack}`,
      };
    }
    return {
      ok: false,
      problem: `regular expression could not be proven safe from catastrophic backtracking (${diagnostics.error.kind})`,
    };
  } catch (err) {
    return { ok: false, problem: `regular expression could not be checked: ${(err as Error).message}` };
  }
}
