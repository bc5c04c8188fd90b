/**
 * Case-insensitive `*` / `?` wildcard matching over whole strings (user agents, actor ARNs, rule
 * titles in exceptions and routes). Iterative, so no pattern can make it backtrack exponentially.
 */

export const hasWildcard = (pattern: string): boolean => /[*?]/.test(pattern);

/** Whether `text` matches `pattern` as a whole, `*` = any run, `?` = one character, ignoring case. */
export function wildcardMatch(pattern: string, text: string): boolean {
  const p = pattern.toLowerCase();
  const t = text.toLowerCase();
  let pi = 0;
  let ti = 0;
  let star = -1;
  let resume = 0;
  while (ti < t.length) {
    if (pi < p.length && (p[pi] === '?' || p[pi] === t[ti])) {
      pi++;
      ti++;
    } else if (pi < p.length && p[pi] === '*') {
      star = pi++;
      resume = ti;
    } else if (star >= 0) {
      pi = star + 1;
      ti = ++resume;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}
