/**
 * A literal text that every match of the pattern must contain, when that can be proven from a
 * simple reading of the pattern; undefined otherwise. Used as a cheap `includes` test before
 * running the regular expression: most values fail it without the regex. Conservative: top-level alternation, case-insensitive or
 * unicode flags, inline flags and named groups (`(?i)`, `(?P<n>`), escapes with payloads (\x,
 * \Q, \p, \z …) and anything unusual give no literal. Groups, classes and optional atoms only
 * end a literal run.
 */
export function requiredLiteral(source: string, flags: string): string | undefined {
  if (/[iuv]/.test(flags)) return undefined;
  // `(?i)` makes the text after it case-insensitive; only plain `(?:` groups are read.
  if (/\(\?(?!:)/.test(source)) return undefined;
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
