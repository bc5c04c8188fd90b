/**
 * Names the first construct of a pattern that a linear-time engine cannot run (backreferences,
 * lookarounds, atomic groups, possessive quantifiers …), so a refusal says what to rewrite
 * instead of RE2's bare "invalid escape" or "invalid named capture".
 */

export interface UnsupportedConstruct {
  /** What it is, e.g. "lookahead". */
  name: string;
  /** The construct as written, e.g. `(?=`. */
  text: string;
}

const GROUPS: [prefix: string, name: string][] = [
  ['(?<=', 'lookbehind'],
  ['(?<!', 'negative lookbehind'],
  ['(?=', 'lookahead'],
  ['(?!', 'negative lookahead'],
  ['(?>', 'atomic group'],
  ['(?(', 'conditional group'],
  ['(?|', 'branch reset group'],
  ['(?#', 'comment group'],
  ['(?&', 'subroutine call'],
  ['(?P>', 'subroutine call'],
  ['(?P=', 'named backreference'],
  ['(?R)', 'recursion'],
  ['(*', 'backtracking control verb'],
];

/** The first unsupported construct outside character classes, or undefined. */
export function unsupportedConstruct(source: string): UnsupportedConstruct | undefined {
  let inClass = false;
  /** The previous token was a quantifier, so a `+` after it makes it possessive. */
  let afterQuantifier = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      const next = source[i + 1] ?? '';
      if (!inClass) {
        if (/[1-9]/.test(next))
          return { name: 'backreference', text: `\\${/^\d+/.exec(source.slice(i + 1))![0]}` };
        if (next === 'k' || next === 'g') return { name: 'backreference', text: source.slice(i, i + 2) };
      }
      i++;
      afterQuantifier = false;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') {
      inClass = true;
      // A `]` right after `[` or `[^` is a literal member, not the end of the class.
      if (source[i + 1] === '^') i++;
      if (source[i + 1] === ']') i++;
      afterQuantifier = false;
      continue;
    }
    if (c === '(') {
      if (/^\(\?\d/.test(source.slice(i))) return { name: 'recursion', text: source.slice(i, i + 3) };
      const group = GROUPS.find(([prefix]) => source.startsWith(prefix, i));
      if (group) return { name: group[1], text: group[0] };
      afterQuantifier = false;
      continue;
    }
    if (c === '+' && afterQuantifier) {
      return { name: 'possessive quantifier', text: `${source[i - 1]}+` };
    }
    if (c === '*' || c === '+' || c === '?') {
      // `*?` is lazy (supported); the `?` then ends the quantifier.
      afterQuantifier = !(c === '?' && afterQuantifier);
      continue;
    }
    if (c === '}' && /\{\d*,?\d*$/.test(source.slice(0, i))) {
      afterQuantifier = true;
      continue;
    }
    afterQuantifier = false;
  }
  return undefined;
}
