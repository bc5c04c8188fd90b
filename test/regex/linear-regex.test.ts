/**
 * The regular-expression engine every pattern on event text runs on (src/regex/compile.ts):
 * RE2, or a string search for plain literals. Patterns that backtrack quadratically on V8 run on
 * RE2 and answer correctly on hostile 64 KiB values; backreferences and lookarounds are refused
 * by name; flags i, m and s behave as in Sigma; a leading or trailing `.*` is dropped.
 * (Throughput is measured by scripts/bench-regex.ts, not asserted here.)
 */
import fc from 'fast-check';
import { compileRegex, type LinearRegex } from '../../src/regex/compile';
import { unsupportedConstruct } from '../../src/regex/constructs';
import { trimDotStars } from '../../src/regex/simplify';
import { isProblem } from '../../src/core';

function regex(source: string, flags = ''): LinearRegex {
  const compiled = compileRegex(source, flags);
  if (isProblem(compiled)) throw new Error(compiled.problem);
  return compiled.regex;
}

function problem(source: string, flags = ''): string {
  const compiled = compileRegex(source, flags);
  if (!isProblem(compiled)) throw new Error(`${source} compiled`);
  return compiled.problem;
}

const KIB64 = 64 * 1024;

describe('patterns that backtrack on V8', () => {
  it.each([
    // The examples: seconds per 64 KiB value on a backtracking engine.
    ['[a-z0-9._-]+@gmail\\.com', 'a'.repeat(KIB64), 'x.y@gmail.com'],
    ['\\s+$', `${' '.repeat(KIB64)}x`, 'trailing space '],
    ['[a-z]+@[a-z]+\\.com', 'a'.repeat(KIB64), 'me@example.com'],
    ['\\d+\\.\\d+$', `${'1'.repeat(KIB64)}x`, 'version 1.25'],
    // Exponential on V8.
    ['^(a+)+$', `${'a'.repeat(KIB64)}!`, 'aaaa'],
    ['(a|a)*b', 'a'.repeat(KIB64), 'aab'],
  ])('%s runs on RE2 and answers on a hostile 64 KiB value', (source, hostile, matching) => {
    const re = regex(source);
    expect(re.engine).toBe('re2');
    expect(re.test(hostile)).toBe(false);
    expect(re.test(matching)).toBe(true);
  });

  it('a plain literal runs as a string search, with the same answers', () => {
    for (const [source, flags, yes, no] of [
      [
        'AWSReservedSSO_AdministratorAccess',
        '',
        'x/AWSReservedSSO_AdministratorAccess_1/y',
        'awsreservedsso',
      ],
      ['adminaccess', 'i', 'AWSReservedSSO_AdminAccess', 'admin access'],
      ['^arn:aws:iam::', '', 'arn:aws:iam::1:user/a', 'x arn:aws:iam::'],
      ['\\.amazonaws\\.com$', '', 's3.amazonaws.com', 's3.amazonaws.com.evil'],
    ]) {
      const re = regex(source, flags);
      expect([source, re.engine]).toEqual([source, 'literal']);
      expect(re.test(yes)).toBe(true);
      expect(re.test(no)).toBe(false);
    }
    // Anchors with `m`, classes, dots and quantifiers go to RE2.
    expect(regex('^abc', 'm').engine).toBe('re2');
    expect(regex('a.c').engine).toBe('re2');
    expect(regex('ab?').engine).toBe('re2');
    expect(regex('\\d').engine).toBe('re2');
  });

  it('the literal path and RE2 agree, case folding included', () => {
    const unit = fc.constantFrom(
      'a',
      'K',
      'k',
      '\u212a',
      's',
      '\u017f',
      'ß',
      '\u1e9e',
      'σ',
      'ς',
      '.',
      '$',
      ' ',
    );
    fc.assert(
      fc.property(
        fc.string({ unit, minLength: 1, maxLength: 3 }),
        fc.string({ unit, maxLength: 8 }),
        fc.constantFrom('', 'i'),
        fc.boolean(),
        fc.boolean(),
        (literal, text, flags, start, end) => {
          const escaped = literal.replace(/[.$]/g, '\\$&');
          const source = `${start ? '^' : ''}${escaped}${end ? '$' : ''}`;
          const fast = regex(source, flags);
          const viaRe2 = regex(`(?:${source})`, flags);
          expect(fast.engine).toBe('literal');
          expect(viaRe2.engine).toBe('re2');
          return fast.test(text) === viaRe2.test(text);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('constructs outside RE2', () => {
  it.each([
    ['(a)\\1', 'backreference `\\1`'],
    ['(?<x>a)\\k<x>', 'backreference `\\k`'],
    ['(?P<x>a)(?P=x)', 'named backreference `(?P=`'],
    ['foo(?=bar)', 'lookahead `(?=`'],
    ['^(?!Access)', 'negative lookahead `(?!`'],
    ['(?<=arn:)aws', 'lookbehind `(?<=`'],
    ['(?<!x)y', 'negative lookbehind `(?<!`'],
    ['(?>a+)b', 'atomic group `(?>`'],
    ['a++b', 'possessive quantifier `++`'],
    ['a{2}+', 'possessive quantifier `}+`'],
    ['(?R)', 'recursion `(?R)`'],
  ])('%s is refused, naming %s', (source, named) => {
    expect(problem(source)).toContain(`uses a ${named}`);
  });

  it('the same text inside a class or escaped is no construct', () => {
    expect(unsupportedConstruct('[(?=]x')).toBeUndefined();
    expect(unsupportedConstruct('\\(?=x')).toBeUndefined();
    expect(unsupportedConstruct('[]\\1]')).toBeUndefined();
    expect(unsupportedConstruct('a*?b+?')).toBeUndefined();
    expect(regex('\\(?=x').test('(=x')).toBe(true);
  });

  it('invalid syntax is refused with RE2 words; \\u gets a hint', () => {
    expect(problem('(unclosed')).toMatch(/^invalid regular expression: missing closing \)/);
    expect(problem('\\u00e9')).toMatch(/invalid escape sequence.*write a code point as \\x\{00e9\}/);
    expect(regex('caf\\x{e9}').test('café')).toBe(true);
    expect(problem('a', 'g')).toMatch(/flag 'g'/);
  });
});

describe('flags', () => {
  it('i, m and s', () => {
    expect(regex('ROLE').test('role')).toBe(false);
    expect(regex('ROLE', 'i').test('role')).toBe(true);
    expect(regex('^b$').test('a\nb')).toBe(false);
    expect(regex('^b$', 'm').test('a\nb')).toBe(true);
    expect(regex('a.b').test('a\nb')).toBe(false);
    expect(regex('a.b', 's').test('a\nb')).toBe(true);
    expect(regex('(?i)role').test('ROLE')).toBe(true);
  });
});

describe('a leading or trailing .*', () => {
  it.each([
    ['.*AWSReservedSSO_AdministratorAccess.*', 'AWSReservedSSO_AdministratorAccess'],
    ['.*SomeRole.*', 'SomeRole'],
    ['.*?x.*?', 'x'],
    ['.*.*a', 'a'],
    ['a\\.*', 'a\\.*'],
    ['a\\\\.*', 'a\\\\'],
    ['[.*]', '[.*]'],
    ['^.*a', '^.*a'],
    ['.*+a', '.*+a'],
    ['\\Q.*\\E', '\\Q.*\\E'],
  ])('%s runs as %s', (source, simplified) => {
    expect(trimDotStars(source).source).toBe(simplified);
  });

  it('is dropped with a notice, and matches as before', () => {
    const compiled = compileRegex('.*SomeRole.*');
    expect(!isProblem(compiled) && compiled.notices).toEqual([
      expect.stringMatching(/simplified to "SomeRole"/),
    ]);
    const re = regex('.*SomeRole.*');
    expect(re.engine).toBe('literal');
    expect(re.test('arn:aws:sts::1:assumed-role/SomeRole/x')).toBe(true);
    expect(re.test('arn:aws:sts::1:assumed-role/Other/x')).toBe(false);
  });
});
