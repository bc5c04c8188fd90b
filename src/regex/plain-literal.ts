/**
 * Recognises a pattern that is only literal text, optionally anchored (`^abc`, `abc$`): such a
 * pattern has no repetition, so a substring search (or V8's RegExp) runs it in linear time and
 * with the same result as RE2. Anything else, however simple, is left to RE2.
 */

export interface PlainLiteral {
  text: string;
  /** `^` at the start / `$` at the end (never with the `m` flag, whose line ends differ in V8). */
  start: boolean;
  end: boolean;
}

const META = new Set([...'\\^$.|?*+()[]{}']);

export function plainLiteral(source: string, flags: string): PlainLiteral | undefined {
  let body = source;
  const start = body.startsWith('^');
  if (start) body = body.slice(1);
  let end = false;
  if (body.endsWith('$') && !escapedAt(body, body.length - 1)) {
    end = true;
    body = body.slice(0, -1);
  }
  if ((start || end) && flags.includes('m')) return undefined;
  let text = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '\\') {
      const next = body[i + 1];
      // Only escaped punctuation is literal: `\d`, `\x41`, `\Q` … mean something else.
      if (next === undefined || /[\p{L}\p{N}_\s]/u.test(next)) return undefined;
      text += next;
      i++;
    } else if (META.has(c)) {
      return undefined;
    } else {
      text += c;
    }
  }
  // Astral characters are left to RE2, which reads code points, not UTF-16 units.
  if (/[\uD800-\uDFFF]/.test(text)) return undefined;
  return { text, start, end };
}

function escapedAt(text: string, at: number): boolean {
  let slashes = 0;
  for (let i = at - 1; i >= 0 && text[i] === '\\'; i--) slashes++;
  return slashes % 2 === 1;
}
