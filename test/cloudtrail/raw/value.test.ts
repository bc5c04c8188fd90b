/** Parsing one value of a record's text (src/cloudtrail/raw/value.ts), against JSON.parse. */
import { parseValueAt, valueJsonAt } from '../../../src/cloudtrail/raw/value';

describe('parseValueAt', () => {
  const at = (value: string, pad = '') => {
    const text = `{"k":${pad}${value}${pad}}`;
    return parseValueAt(text, 5, text.length - 1);
  };

  it('parses strings, with or without escapes, between the offsets only', () => {
    expect(at('"abc"')).toBe('abc');
    expect(at('"abc"', '  \t\r\n')).toBe('abc');
    expect(at('""')).toBe('');
    expect(at('"a\\\\"')).toBe('a\\');
    expect(at('"a\\"b"')).toBe('a"b');
    expect(at('"\\\\\\\\"')).toBe('\\\\');
    expect(at('"x\\u0022"')).toBe('x"');
    expect(parseValueAt('xx"ab"yy', 2, 6)).toBe('ab');
    expect(parseValueAt('"a" , "b"', 0, 4)).toBe('a');
  });

  it('throws on text that is not exactly one JSON value', () => {
    for (const bad of [
      '"a" "b"',
      '"a\\"',
      '"',
      '"a',
      'a"',
      '',
      '   ',
      '"a"b"',
      '1 2',
      '{"a":1',
      '"\t"',
      '"a\\x"',
    ]) {
      expect(() => at(bad)).toThrow(SyntaxError);
      expect(() => at(bad, ' ')).toThrow(SyntaxError);
    }
  });

  it('parses other values with whitespace around them', () => {
    expect(at('null', ' ')).toBeNull();
    expect(at('true', '\n')).toBe(true);
    expect(at('-2.5e2', '\t')).toBe(-250);
    expect(at('[ "a" , { "b" : "\\"" } ]', ' ')).toEqual(['a', { b: '"' }]);
  });
});

describe('valueJsonAt', () => {
  const at = (value: string, pad = '') => {
    const text = `{"k":${pad}${value}${pad}}`;
    return valueJsonAt(text, 5, text.length - 1);
  };

  it('writes what JSON.stringify writes for the parsed value', () => {
    for (const value of [
      '"abc"',
      '""',
      '"a\\\\b"',
      '"\\u0041\\/"',
      '"\\ud83d\\ude00 😀"',
      '"\u2028"',
      'null',
      'true',
      '-0',
      '1E3',
      '[ 1 , "x" ]',
      '{ "a" : { } }',
    ])
      for (const pad of ['', ' \n']) expect(at(value, pad)).toBe(JSON.stringify(JSON.parse(value)));
  });

  it('throws on text that is not one JSON value', () => {
    for (const bad of ['"a" "b"', '"a', '', '"\t"', 'tru']) expect(() => at(bad)).toThrow(SyntaxError);
  });
});
