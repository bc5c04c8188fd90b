/**
 * compileCaseInsensitiveLeaf (src/sigma/case-insensitive.ts) against the naive reference it
 * replaces: lower the text, then try every pattern compiled case-insensitively. Texts and
 * patterns mix ASCII with the characters where lowering is not one ASCII unit for one:
 * U+0130 (İ, two units lowered), U+212A (KELVIN SIGN, lowered to ASCII k), ß, Σ and emoji.
 */
import { compileCaseInsensitiveLeaf } from '../../src/sigma/case-insensitive';
import { anchorPattern, compilePattern, parseSigmaString, type Pattern } from '../../src/sigma/sigma-string';
import { makeRng } from '../../scripts/synthetic-events';

type Rng = () => number;

function reference(patterns: readonly Pattern[]): (text: string) => boolean {
  const compiled = patterns.map((p) => compilePattern(p, true));
  return (text) => compiled.some((m) => m(text.toLowerCase()));
}

/** Both matchers on a text, with a message naming the patterns and the text when they differ. */
function expectSame(sources: string[], patterns: readonly Pattern[], text: string): boolean {
  const want = reference(patterns)(text);
  const got = compileCaseInsensitiveLeaf(patterns)(text);
  if (got !== want)
    throw new Error(
      `patterns ${JSON.stringify(sources)} on text ${JSON.stringify(text)}: leaf says ${got}, reference ${want}`,
    );
  return got;
}

const leaf = (sources: string[], text: string) => expectSame(sources, sources.map(parseSigmaString), text);

/** Units texts are built of: ASCII letters of both cases, the tricky non-ASCII ones, emoji. */
const TEXT_UNITS = [
  'a',
  'A',
  'b',
  'B',
  'k',
  'K',
  'i',
  'I',
  's',
  'S',
  'z',
  '-',
  '.',
  ' ',
  '\u0130', // İ: lowers to i + U+0307
  '\u0307',
  '\u212A', // KELVIN SIGN: lowers to k
  '\u00DF', // ß
  '\u1E9E', // ẞ: lowers to ß
  '\u03A3', // Σ
  '\u03C3', // σ
  '\u03C2', // ς
  '😀',
  '\uD83D', // a lone high surrogate
  'é',
  'É',
];
/** Units patterns are built of: the same, plus wildcards and escapes. */
const PATTERN_UNITS = [...TEXT_UNITS, '*', '*', '?', '\\*', '\\?', '\\\\', '\\'];
/** ASCII-only pattern text (the leaf's fast path for prefixes and suffixes). */
const ASCII_UNITS = TEXT_UNITS.filter((u) => /^[\x20-\x7e]$/.test(u));

function randomText(rng: Rng, units: readonly string[], max: number): string {
  let s = '';
  const n = Math.floor(rng() * (max + 1));
  for (let i = 0; i < n; i++) s += units[Math.floor(rng() * units.length)];
  return s;
}

/** A random Sigma pattern source: free-form, or anchored like startswith / endswith / contains / exact. */
function randomPattern(rng: Rng): { source: string; pattern: Pattern } {
  const pool = [PATTERN_UNITS, TEXT_UNITS, ASCII_UNITS][Math.floor(rng() * 3)];
  const source = randomText(rng, pool, 5);
  const parsed = parseSigmaString(source);
  const r = rng();
  const mode = r < 0.25 ? 'startswith' : r < 0.5 ? 'endswith' : r < 0.6 ? 'contains' : 'exact';
  return { source: `${mode}:${source}`, pattern: anchorPattern(parsed, mode) };
}

/** A text likely to be near the patterns: a pattern's literal text, case-changed and extended. */
function nearText(rng: Rng, patterns: readonly Pattern[]): string {
  const p = patterns[Math.floor(rng() * patterns.length)];
  const literal = p
    .map((part) => (typeof part === 'string' ? part : randomText(rng, TEXT_UNITS, 2)))
    .join('');
  const cased = [...literal]
    .map((c) => {
      const r = rng();
      if (c === 'k' && r < 0.3) return '\u212A';
      if (c === 'i' && r < 0.3) return '\u0130';
      return r < 0.5 ? c.toUpperCase() : c.toLowerCase();
    })
    .join('');
  return randomText(rng, TEXT_UNITS, 2) + cased + randomText(rng, TEXT_UNITS, 2);
}

describe('compileCaseInsensitiveLeaf agrees with lowering the text and matching every pattern', () => {
  it('on thousands of random patterns and texts', () => {
    const rng = makeRng(9);
    let matched = 0;
    let checks = 0;
    for (let round = 0; round < 1500; round++) {
      const chosen = Array.from({ length: 1 + Math.floor(rng() * 3) }, () => randomPattern(rng));
      const sources = chosen.map((c) => c.source);
      const patterns = chosen.map((c) => c.pattern);
      const test = compileCaseInsensitiveLeaf(patterns);
      const ref = reference(patterns);
      for (let t = 0; t < 8; t++) {
        const text = t < 4 ? nearText(rng, patterns) : randomText(rng, TEXT_UNITS, 8);
        const got = test(text);
        const want = ref(text);
        if (got !== want)
          throw new Error(
            `patterns ${JSON.stringify(sources)} on text ${JSON.stringify(text)}: leaf says ${got}, reference ${want}`,
          );
        checks++;
        if (got) matched++;
      }
    }
    expect(checks).toBe(12000);
    // both answers are well represented
    expect(matched).toBeGreaterThan(1500);
    expect(checks - matched).toBeGreaterThan(1500);
  });

  it('for prefixes and suffixes with U+0130 and U+212A inside, after or before the compared region', () => {
    // prefix region first, İ inside it, after it, and as the only unit
    expect(leaf(['ab*'], 'AB\u0130')).toBe(true);
    expect(leaf(['ab*'], 'A\u0130B')).toBe(false);
    expect(leaf(['i*'], '\u0130')).toBe(true); // lowers to i + U+0307
    expect(leaf(['i*'], '\u0130x')).toBe(true);
    expect(leaf(['ix*'], '\u0130x')).toBe(false);
    expect(leaf(['i\u0307*'], '\u0130')).toBe(true);
    expect(leaf(['k*'], '\u212Aelvin')).toBe(true);
    expect(leaf(['kelvin*'], '\u212AELVIN and more')).toBe(true);
    expect(leaf(['ke*'], 'x\u212Ae')).toBe(false);
    // suffix region last, İ before it, inside it and last
    expect(leaf(['*ab'], '\u0130AB')).toBe(true);
    expect(leaf(['*ab'], 'A\u0130B')).toBe(false);
    expect(leaf(['*i'], 'x\u0130')).toBe(false); // ends with U+0307 once lowered
    expect(leaf(['*i\u0307'], 'x\u0130')).toBe(true);
    expect(leaf(['*k'], 'x\u212A')).toBe(true);
    expect(leaf(['*xk'], 'X\u212A')).toBe(true);
    expect(leaf(['*ak'], 'X\u212A')).toBe(false);
    expect(leaf(['*\u00DF'], 'GRO\u1E9E')).toBe(true);
    // a final Σ lowers to ς (final sigma), a Σ followed by a letter to σ
    expect(leaf(['*σ'], 'ΟΔΟΣ')).toBe(false);
    expect(leaf(['*ς'], 'ΟΔΟΣ')).toBe(true);
    expect(leaf(['σa*'], 'ΣA')).toBe(true);
    expect(leaf(['*ος'], 'ΟΔΟΣ')).toBe(true);
  });

  it('when the text is shorter than the pattern', () => {
    expect(leaf(['abc*'], 'AB')).toBe(false);
    expect(leaf(['*abc'], 'BC')).toBe(false);
    expect(leaf(['abc'], 'AB')).toBe(false);
    // one unit of text, two once lowered
    expect(leaf(['i\u0307'], '\u0130')).toBe(true);
    expect(leaf(['i\u0307*'], '\u0130')).toBe(true);
    expect(leaf(['*i\u0307'], '\u0130')).toBe(true);
    expect(leaf(['?'], '\u0130')).toBe(false);
    expect(leaf(['??'], '\u0130')).toBe(true);
    expect(leaf(['?'], '😀')).toBe(false);
    expect(leaf(['??'], '😀')).toBe(true);
    expect(leaf(['ab*', '*cd', 'efg'], '')).toBe(false);
  });

  it('for the empty pattern, `*` alone, `?` and exact values', () => {
    expect(leaf([''], '')).toBe(true);
    expect(leaf([''], 'a')).toBe(false);
    expect(leaf(['*'], '')).toBe(true);
    expect(leaf(['*'], '\u0130 anything')).toBe(true);
    expect(leaf(['**'], '')).toBe(true);
    expect(leaf(['?'], 'A')).toBe(true);
    expect(leaf(['?'], '')).toBe(false);
    expect(leaf(['CreateUser'], 'createuser')).toBe(true);
    expect(leaf(['createuser'], 'CREATEUSER')).toBe(true);
    expect(leaf(['\u212Aey'], 'KEY')).toBe(true);
    expect(leaf(['key'], '\u212AEY')).toBe(true);
    expect(leaf(['\u0130d'], 'i\u0307D')).toBe(true);
    expect(leaf(['short', 'a-much-longer-value'], 'SHORT')).toBe(true);
    expect(leaf(['short', 'a-much-longer-value'], 'A-MUCH-LONGER-VALUE')).toBe(true);
    expect(leaf(['short', 'x'], 'shorter')).toBe(false);
  });

  it('for escaped wildcards and backslashes, which are literal text', () => {
    expect(leaf(['a\\*'], 'A*')).toBe(true);
    expect(leaf(['a\\*'], 'Ab')).toBe(false);
    expect(leaf(['a\\?*'], 'A?B')).toBe(true);
    expect(leaf(['a\\?*'], 'AxB')).toBe(false);
    expect(leaf(['*\\\\'], 'C:\\')).toBe(true);
    expect(leaf(['*\\'], 'C:\\')).toBe(true);
    expect(leaf(['c:\\windows*'], 'C:\\WINDOWS\\system32')).toBe(true);
  });

  it('for several patterns of different kinds at once', () => {
    const sources = ['exact', 'pre*', '*suf', '*mid*', 'a?c', 'x*y*z'];
    const cases: Array<[string, boolean]> = [
      ['EXACT', true],
      ['PREfix', true],
      ['endSUF', true],
      ['xxMIDxx', true],
      ['AbC', true],
      ['X1Y2Z', true],
      ['\u0130EXACT', false],
      ['pr\u0130', false],
      ['\u212A-suf', true],
      ['nothing', false],
    ];
    for (const [text, want] of cases) expect(leaf(sources, text)).toBe(want);
  });
});
