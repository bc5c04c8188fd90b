/** The required literal tested before a `|re` pattern runs: what it derives, and that it never rejects a real match. */
import fc from 'fast-check';
import { compileRegex } from '../../src/regex/compile';
import { requiredLiteral } from '../../src/regex/required-literal';
import { isProblem } from '../../src/core';

describe('requiredLiteral', () => {
  it.each([
    ['.+:assumed-role/aws:.+', '', ':assumed-role/aws:'],
    ['^arn:aws:iam::\\d+:root$', '', 'arn:aws:iam::'],
    ['abc?d', '', 'ab'],
    ['ab+cdef', '', 'cdef'],
    ['x(a|b)yz', '', 'yz'],
    ['[a-z]+\\.example\\.com', '', '.example.com'],
    ['a{2,3}bcd', '', 'bcd'],
    ['foo.*?bar', 's', 'foo'],
  ])('%s (flags %s) needs %s', (source, flags, literal) => {
    expect(requiredLiteral(source, flags)).toBe(literal);
  });

  it.each([
    ['abc|xyz', ''],
    ['abc', 'i'],
    ['\\x41bc', ''],
    ['\\u0041', ''],
    ['(a)\\1', ''],
    ['a{x', ''],
    ['.*', ''],
    // Inline flags (RE2 syntax) make what follows case-insensitive.
    ['(?i)abc', ''],
    ['x(?i:abc)', ''],
    ['\\Qa.b\\E', ''],
    ['[[:alpha:]]abc', ''],
  ])('%s (flags %s) gives no literal', (source, flags) => {
    expect(requiredLiteral(source, flags)).toBeUndefined();
  });

  it('never gives a literal missing from a text the regex matches', () => {
    const atom = fc.oneof(
      fc.constantFrom(
        'a',
        'b',
        ':',
        '/',
        '.',
        '\\.',
        '\\d',
        '[ab]',
        '[^a]',
        '(a|b)',
        '(?:ab)',
        '(?i)',
        '(?i:ab)',
        '^',
        '$',
        'x',
      ),
    );
    const quant = fc.constantFrom('', '', '', '*', '+', '?', '{2}', '{0,2}', '+?', '*?');
    const pattern = fc
      .array(
        fc.tuple(atom, quant).map(([a, q]) => (a === '^' || a === '$' ? a : a + q)),
        { minLength: 1, maxLength: 8 },
      )
      .map((xs) => xs.join(''));
    const text = fc.string({
      unit: fc.constantFrom('a', 'b', 'A', 'B', ':', '/', '.', '1', 'x', 'X'),
      maxLength: 24,
    });
    fc.assert(
      fc.property(pattern, text, fc.constantFrom('', 's', 'm'), (source, t, flags) => {
        const compiled = compileRegex(source, flags);
        if (isProblem(compiled)) return true;
        const re = compiled.regex;
        const literal = requiredLiteral(re.source, flags);
        if (literal !== undefined && re.test(t)) return t.includes(literal);
        return true;
      }),
      { numRuns: 3000 },
    );
  });
});
