/** The required-literal precheck of `|re` patterns: what it derives, and that it never rejects a real match. */
import fc from 'fast-check';
import { requiredLiteral } from '../../lambdas/sigma/regex-guard';

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
    const text = fc.string({ unit: fc.constantFrom('a', 'b', ':', '/', '.', '1', 'x', 'X'), maxLength: 24 });
    fc.assert(
      fc.property(pattern, text, fc.constantFrom('', 's', 'm'), (source, t, flags) => {
        let re: RegExp;
        try {
          re = new RegExp(source, flags);
        } catch {
          return true;
        }
        const literal = requiredLiteral(source, flags);
        if (literal !== undefined && re.test(t)) return t.includes(literal);
        return true;
      }),
      { numRuns: 3000 },
    );
  });
});
