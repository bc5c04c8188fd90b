/**
 * Case-insensitive matching of one text against OR-ed Sigma patterns without lowering the text
 * when it can be avoided (the matcher's most frequent work: every string item of most rules).
 *
 * Exact values sit in a set and are only looked up when the text is short enough (toLowerCase
 * never makes a text shorter); ASCII prefixes and suffixes are compared code unit by code unit,
 * folding A–Z, and give up to the general path at the first non-ASCII unit (U+0130 and U+212A
 * lower-case to ASCII, and U+0130 to two units). Everything else lowers the text once.
 */
import { compilePattern, ONE, STAR, type Pattern } from './sigma-string';

/** 1: the region matches, 0: it does not, -1: a non-ASCII unit was met (decide on the lowered text). */
function asciiFoldAt(text: string, lowerAscii: string, at: number): number {
  for (let i = 0; i < lowerAscii.length; i++) {
    let c = text.charCodeAt(at + i);
    if (c >= 128) return -1;
    if (c >= 65 && c <= 90) c += 32;
    if (c !== lowerAscii.charCodeAt(i)) return 0;
  }
  return 1;
}

const ASCII = /^[\u0000-\u007f]*$/; // eslint-disable-line no-control-regex -- the whole ASCII range

function hasNonAscii(text: string): boolean {
  return !ASCII.test(text);
}

type Kind = 'prefix' | 'suffix';

/** A leaf test for case-insensitive patterns (already lower-cased where they are literal text). */
export function compileCaseInsensitiveLeaf(patterns: readonly Pattern[]): (text: string) => boolean {
  const exact = new Set<string>();
  let maxExact = -1;
  const affixes: Array<{ kind: Kind; text: string }> = [];
  const general: Array<(lower: string) => boolean> = [];
  for (const raw of patterns) {
    const p = raw.map((part) => (typeof part === 'string' ? part.toLowerCase() : part));
    const literal = p.length === 1 && typeof p[0] === 'string' ? p[0] : undefined;
    if (p.length === 0 || literal !== undefined) {
      const value = literal ?? '';
      exact.add(value);
      maxExact = Math.max(maxExact, value.length);
      continue;
    }
    const prefix = p.length === 2 && typeof p[0] === 'string' && p[1] === STAR ? p[0] : undefined;
    const suffix = p.length === 2 && p[0] === STAR && typeof p[1] === 'string' ? p[1] : undefined;
    const affix = prefix ?? suffix;
    if (affix !== undefined && !hasNonAscii(affix) && !p.includes(ONE)) {
      affixes.push({ kind: prefix !== undefined ? 'prefix' : 'suffix', text: affix });
      continue;
    }
    general.push(compilePattern(p, false));
  }
  const hasExact = exact.size > 0;
  // The last text and its verdict: consecutive records repeat the same values (a session's
  // identity type, user agent, region), and `===` on equal strings is cheaper than the test.
  let lastText: string | undefined;
  let lastVerdict = false;
  const test = (text: string): boolean => {
    let lower: string | undefined;
    if (hasExact && text.length <= maxExact) {
      lower = text.toLowerCase();
      if (exact.has(lower)) return true;
    }
    for (const a of affixes) {
      const n = a.text.length;
      let verdict: number;
      if (text.length < n) verdict = hasNonAscii(text) ? -1 : 0;
      else verdict = asciiFoldAt(text, a.text, a.kind === 'prefix' ? 0 : text.length - n);
      if (verdict === 1) return true;
      if (verdict === -1) {
        lower ??= text.toLowerCase();
        if (a.kind === 'prefix' ? lower.startsWith(a.text) : lower.endsWith(a.text)) return true;
      }
    }
    if (general.length > 0) {
      lower ??= text.toLowerCase();
      for (const m of general) if (m(lower)) return true;
    }
    return false;
  };
  return (text: string): boolean => {
    if (text === lastText) return lastVerdict;
    lastVerdict = test(text);
    lastText = text;
    return lastVerdict;
  };
}
