/**
 * Sigma string values: parsing of `*` / `?` wildcards with the specification's backslash
 * escaping, and compilation of a pattern into a fast matcher (exact, prefix, suffix, substring,
 * or a linear-time glob walk; never a backtracking regular expression).
 */

/** `*` (any run of characters) in a pattern. */
export const STAR = 0;
/** `?` (exactly one character) in a pattern. */
export const ONE = 1;
/** A parsed Sigma string: literal text pieces and wildcards. */
export type Pattern = Array<string | typeof STAR | typeof ONE>;

/**
 * Parses a Sigma string. `\*` and `\?` are literal wildcards, `\\` is one backslash, a backslash
 * before any other character (or at the end) stays a backslash (Sigma 2.1, "Escape Character").
 */
export function parseSigmaString(text: string): Pattern {
  const out: Pattern = [];
  let literal = '';
  let escaped = false;
  for (const c of text) {
    if (escaped) {
      literal += c === '*' || c === '?' || c === '\\' ? c : `\\${c}`;
      escaped = false;
    } else if (c === '\\') {
      escaped = true;
    } else if (c === '*' || c === '?') {
      if (literal) out.push(literal);
      literal = '';
      out.push(c === '*' ? STAR : ONE);
    } else {
      literal += c;
    }
  }
  if (escaped) literal += '\\';
  if (literal) out.push(literal);
  return out;
}

/** A pattern that is only literal text. */
export function literalPattern(text: string): Pattern {
  return text === '' ? [] : [text];
}

export function hasWildcards(pattern: Pattern): boolean {
  return pattern.some((p) => typeof p !== 'string');
}

/** The literal text of a wildcard-free pattern. */
export function patternText(pattern: Pattern): string {
  return pattern.map((p) => (p === STAR ? '*' : p === ONE ? '?' : p)).join('');
}

/** Renders a pattern back to Sigma notation (wildcards, escaped literals). */
export function renderPattern(pattern: Pattern): string {
  return pattern
    .map((p) => (p === STAR ? '*' : p === ONE ? '?' : p.replace(/[\\*?]/g, (c) => `\\${c}`)))
    .join('');
}

/** Adds the wildcards that `contains` / `startswith` / `endswith` mean. */
export function anchorPattern(
  pattern: Pattern,
  mode: 'exact' | 'contains' | 'startswith' | 'endswith',
): Pattern {
  const out = [...pattern];
  if ((mode === 'contains' || mode === 'endswith') && out[0] !== STAR) out.unshift(STAR);
  if ((mode === 'contains' || mode === 'startswith') && out[out.length - 1] !== STAR) out.push(STAR);
  return out;
}

/**
 * Compiles a pattern into a matcher of text. When `caseInsensitive`, the literal pieces are
 * lower-cased here and the matcher expects lower-cased input.
 */
export function compilePattern(pattern: Pattern, caseInsensitive: boolean): (text: string) => boolean {
  const parts = caseInsensitive ? pattern.map((p) => (typeof p === 'string' ? p.toLowerCase() : p)) : pattern;
  // Collapse consecutive stars.
  const norm: Pattern = [];
  for (const p of parts) {
    if (p === STAR && norm[norm.length - 1] === STAR) continue;
    norm.push(p);
  }
  if (norm.length === 0) return (t) => t.length === 0;
  if (norm.length === 1) {
    const only = norm[0];
    if (only === STAR) return () => true;
    if (only === ONE) return (t) => t.length === 1;
    return (t) => t === only;
  }
  if (norm.length === 2 && typeof norm[0] === 'string' && norm[1] === STAR) {
    const prefix = norm[0];
    return (t) => t.startsWith(prefix);
  }
  if (norm.length === 2 && norm[0] === STAR && typeof norm[1] === 'string') {
    const suffix = norm[1];
    return (t) => t.endsWith(suffix);
  }
  if (norm.length === 3 && norm[0] === STAR && typeof norm[1] === 'string' && norm[2] === STAR) {
    const inner = norm[1];
    return (t) => t.includes(inner);
  }
  return globMatcher(norm);
}

/**
 * Iterative glob match with single-star backtracking: O(text × pattern) in the worst case,
 * no recursion, no allocation per call.
 */
function globMatcher(pattern: Pattern): (text: string) => boolean {
  // Flatten to one entry per character: a one-character string, STAR or ONE.
  const tokens: Array<string | number> = [];
  for (const p of pattern) {
    if (typeof p === 'string') for (let i = 0; i < p.length; i++) tokens.push(p[i]);
    else tokens.push(p);
  }
  const n = tokens.length;
  return (text: string): boolean => {
    let t = 0;
    let p = 0;
    let starP = -1;
    let starT = 0;
    const len = text.length;
    while (t < len) {
      const tok = p < n ? tokens[p] : undefined;
      if (tok === ONE || (typeof tok === 'string' && tok === text[t])) {
        t++;
        p++;
      } else if (tok === STAR) {
        starP = p++;
        starT = t;
      } else if (starP >= 0) {
        p = starP + 1;
        t = ++starT;
      } else {
        return false;
      }
    }
    while (p < n && tokens[p] === STAR) p++;
    return p === n;
  };
}
