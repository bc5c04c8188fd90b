/** Parsing one value of a record's text (src/cloudtrail/raw/value.ts), against JSON.parse. */
import {
  cachedEntry,
  keysMayHoldDot,
  parseValueAt,
  valueCacheFor,
  valueJsonAt,
} from '../../../src/cloudtrail/raw/value';
import { makeRng } from '../../../scripts/synthetic-events';

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

  it('takes a clean record’s string as it is, and still writes other values again', () => {
    const clean = (value: string) => {
      const text = `{"k": ${value} }`;
      return valueJsonAt(text, 5, text.length - 1, true);
    };
    expect(clean('"arn:aws:iam::111111111111:user/alice"')).toBe('"arn:aws:iam::111111111111:user/alice"');
    expect(clean('""')).toBe('""');
    expect(clean('1E3')).toBe('1000');
    expect(clean('{ "a" : [ 1 ] }')).toBe('{"a":[1]}');
  });
});

describe('keysMayHoldDot', () => {
  const of = (json: string) => keysMayHoldDot(`{"k":${json},"z":1}`, 5, 5 + json.length);
  /** Whether a key of the value, at any depth, holds a dot (the truth keysMayHoldDot must never deny). */
  const holdsDot = (value: unknown): boolean =>
    value !== null &&
    typeof value === 'object' &&
    (Array.isArray(value)
      ? value.some(holdsDot)
      : Object.entries(value).some(([k, v]) => k.includes('.') || holdsDot(v)));

  it('is false when only values hold dots', () => {
    expect(of('{"invokedBy":"ec2.amazonaws.com","ec2RoleDelivery":"2.0","n":[1.5,"a.b"]}')).toBe(false);
    expect(of('{}')).toBe(false);
    expect(of('["x.y", {"a":"."}]')).toBe(false);
  });

  it('is true for a key with a dot at any depth, with or without space before the colon', () => {
    expect(of('{"a.b":1}')).toBe(true);
    expect(of('{"a":{"b":[{"c.d" \t: null}]}}')).toBe(true);
    expect(of('{"a":"x","."  :"y"}')).toBe(true);
  });

  it('never misses a dotted key in random JSON without escapes (may say true without one)', () => {
    const rng = makeRng(7);
    const pick = <T>(xs: T[]): T => xs[Math.floor(rng() * xs.length)];
    const word = () => pick(['a', 'b.c', '.', 'x:y', '', '1.5', 'type', ':', 'd.']);
    const value = (depth: number): unknown => {
      const r = rng();
      if (depth > 3 || r < 0.3) return pick([word(), 1.5, 2, true, null, '']);
      if (r < 0.6) return Array.from({ length: Math.floor(rng() * 3) }, () => value(depth + 1));
      return Object.fromEntries(
        Array.from({ length: Math.floor(rng() * 4) }, () => [word(), value(depth + 1)]),
      );
    };
    let dotted = 0;
    for (let i = 0; i < 3000; i++) {
      const v = { outer: value(0) };
      const json = JSON.stringify(v, null, rng() < 0.3 ? 1 : undefined);
      if (holdsDot(v)) {
        dotted++;
        expect(of(json)).toBe(true);
      }
    }
    expect(dotted).toBeGreaterThan(500);
  });
});

describe('cachedEntry', () => {
  /** The entry for the value written between `{"k":` and the closing brace, in a cache of its own. */
  const entryOf = (key: string, value: string) => {
    const text = `{"k": ${value} }`;
    return cachedEntry(valueCacheFor(key), text, 5, text.length - 1);
  };

  it('gives objects and arrays of any length, parsed once per text, and nothing else', () => {
    for (const value of ['{}', '[]', '{"a":1}', '[1,"x",null]', '{"b":{"c":[true]}}']) {
      const first = entryOf('cache-test-any-length', value);
      expect(first?.value).toEqual(JSON.parse(value));
      // The same text, at another place of another record: the same entry, not a new parse.
      expect(cachedEntry(valueCacheFor('cache-test-any-length'), `[0,${value}]`, 3, 3 + value.length)).toBe(
        first,
      );
    }
    for (const value of ['"{}"', '12', 'null', 'true'])
      expect(entryOf('cache-test-any-length', value)).toBeUndefined();
  });

  it('tells apart texts of the same length whose fingerprints are equal', () => {
    // 66 characters: the fingerprint reads every other one from the last (odd offsets), so texts
    // that differ only at offset 40 have the same fingerprint; the text itself decides.
    const text = (c: string) => `{"v":"${'a'.repeat(34)}${c}${'a'.repeat(23)}"}`;
    const [a, b] = [text('x'), text('y')];
    expect(a).toHaveLength(66);
    expect(a.indexOf('x')).toBe(40);
    const cache = valueCacheFor('cache-test-fingerprint');
    for (const t of [a, b, a, b]) expect(cachedEntry(cache, t, 0, t.length)?.value).toEqual(JSON.parse(t));
    // Each replaced the other under their shared fingerprint: parsed every time, never mistaken.
    expect(cache.hits).toBe(0);
    // Texts whose fingerprints differ stay side by side.
    const c = text('z').replace('aaz', 'azz');
    for (const t of [c, a, c]) expect(cachedEntry(cache, t, 0, t.length)?.value).toEqual(JSON.parse(t));
    expect(cache.hits).toBe(1);
  });

  it('throws on an object or array that is not valid JSON', () => {
    expect(() => entryOf('cache-test-invalid', '{"a":}')).toThrow(SyntaxError);
    expect(() => entryOf('cache-test-invalid', '[1,')).toThrow(SyntaxError);
  });
});
