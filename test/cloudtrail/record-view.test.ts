/**
 * The analyzer's partial parsing (lambdas/cloudtrail/record-view.ts) against JSON.parse: the key
 * tables the splitter records while it scans equal scanObjectKeys on the same text whatever the
 * chunking, and projectRecord gives exactly the wanted keys of JSON.parse (values, duplicates,
 * `__proto__`, prototypes) or throws so that the caller parses the whole record.
 */
import { RecordSplitter, type RawRecord } from '../../lambdas/cloudtrail/split';
import {
  keysHaveEscapes,
  NeedsFullParse,
  parseValueAt,
  projectRecord,
  scanObjectKeys,
  type KeyTable,
} from '../../lambdas/cloudtrail/record-view';
import { buildFieldPlan, type FieldPlan } from '../../lambdas/sigma/field-plan';
import { makeRng, syntheticRecords } from '../../scripts/synthetic-events';

type Rng = () => number;
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The records of `text` cut into chunks of `chunk` characters; fails on any splitter problem. */
function splitText(text: string, chunk: number): RawRecord[] {
  const splitter = new RecordSplitter({ maxRecordChars: 1 << 26 });
  const out: RawRecord[] = [];
  const problems: string[] = [];
  const take = (items: ReturnType<RecordSplitter['push']>) => {
    for (const item of items) {
      if (item.kind === 'record') out.push(item);
      else problems.push(item.message);
    }
  };
  for (let at = 0; at < text.length; at += chunk) take(splitter.push(text.slice(at, at + chunk)));
  take(splitter.end());
  expect(problems).toEqual([]);
  return out;
}

/**
 * A canonical text of a value: own property names in order (so `__proto__` as an own key
 * counts), each object's prototype, -0, and array holes; two values with the same canon are
 * indistinguishable to the rules.
 */
function canon(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && Object.is(value, -0)) return '-0';
    return value === undefined ? 'undefined' : JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    const proto = Object.getPrototypeOf(value) === Array.prototype ? '' : '<proto?>';
    return `${proto}[${Array.from({ length: value.length }, (_, i) => (i in value ? canon(value[i]) : '<hole>')).join(',')}]`;
  }
  const proto = Object.getPrototypeOf(value) === Object.prototype ? '' : '<proto?>';
  const parts = Object.getOwnPropertyNames(value).map((k) => {
    const d = Object.getOwnPropertyDescriptor(value, k)!;
    const flags = d.enumerable && d.writable && d.configurable && !d.get && !d.set ? '' : '<flags?>';
    return `${JSON.stringify(k)}${flags}:${canon(d.value)}`;
  });
  return `${proto}{${parts.join(',')}}`;
}

/** The own keys of JSON.parse(text) that the plan wants, in the parsed object's key order. */
function picked(text: string, plan: FieldPlan): Record<string, unknown> {
  const parsed = JSON.parse(text) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.getOwnPropertyNames(parsed))
    if (plan.keys.has(key))
      Object.defineProperty(out, key, {
        value: parsed[key],
        enumerable: true,
        writable: true,
        configurable: true,
      });
  return out;
}

const planOf = (keys: string[], whole = false): FieldPlan => ({ whole, keys: new Set(keys) });

function firstBrace(text: string): number {
  return text.indexOf('{');
}

function project(text: string, keys: string[]): Record<string, unknown> {
  return projectRecord(text, scanObjectKeys(text, firstBrace(text))!, planOf(keys));
}

/** projectRecord equals the picked keys of JSON.parse, by canon and by Jest's deep equality. */
function expectExact(text: string, keys: string[]): Record<string, unknown> {
  const got = project(text, keys);
  const want = picked(text, planOf(keys));
  expect(canon(got)).toBe(canon(want));
  expect(got).toEqual(want);
  expect(Object.getPrototypeOf(got)).toBe(Object.prototype);
  return got;
}

/** Values whose text is tricky for a scanner: brackets, quotes, escapes and unicode inside strings. */
const NASTY: Record<string, unknown>[] = [
  { eventName: 'A', s: 'brackets ] } [ { , : in a string', q: 'quote " and \\" and \\\\' },
  { eventName: 'B', s: 'ends with backslash \\', t: '\\', u: '"', v: '\\"' },
  {
    eventName: 'C',
    emoji: 'émoji 😀 and 中文 and \u2028\u2029',
    esc: '\u0000\u001f\t\n\r\u007f',
    nested: [[[{ a: ']]]', '}': '{' }]]],
  },
  { eventName: 'D', empty: {}, arr: [], nul: null, num: -1.5e3, big: 2 ** 64, bool: true },
  {},
  { 'key "quoted"': 1, 'back\\slash': 2, '': 3, 'userIdentity.type': 'Root', '10': 'ten', '2': 'two' },
  JSON.parse('{"__proto__":{"eventName":"Hidden"},"eventName":"Shown","constructor":1}') as Record<
    string,
    unknown
  >,
];

/** Every record's key table, checked against scanObjectKeys and, independently, against the object. */
function checkTables(text: string, objects: Record<string, unknown>[], chunk: number): void {
  const records = splitText(text, chunk);
  expect(records).toHaveLength(objects.length);
  records.forEach((record, i) => {
    const object = objects[i];
    expect(record.keys).toBeDefined();
    expect(record.keys).toEqual(scanObjectKeys(record.text, 0));
    const table = record.keys!;
    const keys: string[] = [];
    for (let t = 0; t < table.length; t += 5) {
      keys.push(JSON.parse(`"${record.text.slice(table[t], table[t + 1])}"`) as string);
      const value = JSON.parse(record.text.slice(table[t + 2], table[t + 3])) as unknown;
      expect(canon(value)).toBe(canon(object[keys[keys.length - 1]]));
    }
    expect(keys).toEqual(Object.keys(object));
  });
}

describe('key tables from the splitter', () => {
  const synthetic = syntheticRecords(120, { seed: 31 });
  const objects = [...synthetic.slice(0, 60), ...NASTY, ...synthetic.slice(60)];
  const shapes: Array<[string, string]> = [
    ['log object', JSON.stringify({ Records: objects })],
    ['log object, pretty-printed', JSON.stringify({ Records: objects }, null, 2)],
    ['array of records', JSON.stringify(objects)],
    ['array of records, pretty-printed', JSON.stringify(objects, null, 2)],
    [
      'log object with keys around Records',
      `{"meta":{"Records":[{"x":1}]},"Records":${JSON.stringify(objects, null, 1)},"tail":[{"a":{}}]}`,
    ],
    ['JSON lines', objects.map((o) => JSON.stringify(o)).join('\n')],
    ['JSON lines, pretty-printed', objects.map((o) => JSON.stringify(o, null, 2)).join('\r\n')],
  ];

  for (const chunk of [1, 7, 100, 64 * 1024]) {
    it.each(shapes)(`equal scanObjectKeys for %s in chunks of ${chunk}`, (_, text) => {
      checkTables(text, objects, chunk);
    });
  }

  it('equal scanObjectKeys with whitespace everywhere and chunk sizes that vary', () => {
    const rng = makeRng(5);
    const texts = objects.map((o) => writeJson(o, rng, { space: 0.5 }).text);
    const text = ` \n[ ${texts.join(' ,\n\t')} ]\r\n`;
    for (const chunk of [1, 2, 3, 5, 13, 4096]) checkTables(text, objects, chunk);
  });

  it('are left out (not truncated) for records with more than 256 top-level keys', () => {
    const wide = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));
    const [at256, at257] = splitText(JSON.stringify([wide(256), wide(257)]), 50);
    expect(at256.keys).toEqual(scanObjectKeys(at256.text, 0));
    expect(at256.keys).toHaveLength(256 * 5);
    expect(at257.keys).toBeUndefined();
    expect(scanObjectKeys(at257.text, 0)).toHaveLength(257 * 5);
  });
});

describe('projectRecord', () => {
  it('keeps the last of duplicate keys, as JSON.parse does, at the first one’s position', () => {
    const text = '{"eventName":"First","x":1,"eventName":"Last","x":2,"y":[1]}';
    const got = expectExact(text, ['eventName', 'x', 'y']);
    expect(got).toEqual({ eventName: 'Last', x: 2, y: [1] });
    expect(Object.keys(got)).toEqual(['eventName', 'x', 'y']);
    expectExact(text, ['x']);
    expectExact('{"a":{"b":1},"a":"flat"}', ['a']);
    expectExact('{"a":"flat","a":{"b":1}}', ['a']);
  });

  it('throws NeedsFullParse when any top-level key is written with an escape', () => {
    const plan = planOf(['eventName', 'eventSource']);
    for (const text of [
      '{"event\\u004eame":"CreateUser","eventSource":"iam.amazonaws.com"}',
      '{"eventSource":"iam.amazonaws.com","x\\"y":1}',
      '{"eventSource":"iam.amazonaws.com","back\\\\slash":1}',
      '{"eventName":"CreateUser","other\\/key":1}',
    ]) {
      expect(() => projectRecord(text, scanObjectKeys(text, 0)!, plan)).toThrow(NeedsFullParse);
      expect(JSON.parse(text)).toBeInstanceOf(Object); // the text itself is valid: the caller's fallback parses it
    }
    // an escape in a nested key or a value is not a top-level key escape
    expectExact('{"eventName":"Create\\u0055ser","n":{"k\\u0065y":"v\\\\"}}', ['eventName', 'n']);
  });

  it('throws NeedsFullParse for a plan that wants the whole record', () => {
    const text = '{"eventName":"A"}';
    expect(() => projectRecord(text, scanObjectKeys(text, 0)!, planOf(['eventName'], true))).toThrow(
      NeedsFullParse,
    );
    const keyword = buildFieldPlan([
      { paths: ['eventName'], whole: false },
      { paths: [], whole: true },
    ]);
    expect(() => projectRecord(text, scanObjectKeys(text, 0)!, keyword)).toThrow(NeedsFullParse);
  });

  it('parses escaped and unicode values exactly', () => {
    const text =
      '{"a":"\\u0041\\n\\"\\\\\\/\\b\\f\\r\\t","b":"café 😀 中文","c":"\\ud83d\\ude00","d":"\\ud800 lone","e":"\u2028\u2029\u007f","f":"","g":"\\u0000"}';
    const got = expectExact(text, ['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    expect(got.a).toBe('A\n"\\/\b\f\r\t');
    expect(got.c).toBe('😀');
    expect(got.d).toBe('\ud800 lone');
    expect(got.g).toBe('\u0000');
  });

  it('throws a SyntaxError, like JSON.parse, for raw control characters in a wanted string', () => {
    for (const raw of ['\u0000', '\u0001', '\t', '\n', '\r', '\u001f']) {
      const text = `{"eventName":"Create${raw}User","ok":"x"}`;
      expect(() => JSON.parse(text)).toThrow(SyntaxError);
      expect(() => project(text, ['eventName'])).toThrow(SyntaxError);
      expect(() => project(text, ['ok', 'eventName'])).toThrow(SyntaxError);
    }
    for (const raw of ['\u007f', '\u0080', '\u2028'])
      expectExact(`{"eventName":"Create${raw}User"}`, ['eventName']);
  });

  it('allows JSON whitespace everywhere', () => {
    const text =
      ' \n{ \t"eventName" \r\n :\t "A" \n , "n"\n:\n-1.5e+3\r\n,"o" : { "p" : [ 1 , { } ] } \t}\n ';
    const got = expectExact(text, ['eventName', 'n', 'o']);
    expect(got).toEqual({ eventName: 'A', n: -1500, o: { p: [1, {}] } });
  });

  it('parses nested objects and arrays as values whole', () => {
    const record = syntheticRecords(40, { seed: 3 });
    for (const r of record) {
      const text = JSON.stringify(r);
      expectExact(text, ['userIdentity', 'requestParameters', 'responseElements', 'resources', 'eventName']);
      expectExact(JSON.stringify(r, null, 3), ['userIdentity', 'tlsDetails', 'additionalEventData']);
    }
    expectExact('{"a":[[[]]],"b":[{"c":[{"}":"]"}]}],"c":{"d":{"e":{}}}}', ['a', 'b', 'c']);
  });

  it('parses numbers, booleans and null exactly', () => {
    const text =
      '{"i":0,"neg":-0,"f":1.5E-2,"e":1e3,"big":12345678901234567890,"tiny":5e-324,"t":true,"fa":false,"nu":null}';
    const got = expectExact(text, ['i', 'neg', 'f', 'e', 'big', 'tiny', 't', 'fa', 'nu', 'absent']);
    expect(Object.is(got.neg, -0)).toBe(true);
    expect(got.nu).toBeNull();
    expect('absent' in got).toBe(false);
    for (const bad of ['01', '1.', '.5', '+1', 'tru', 'nul', 'NaN', 'Infinity', "'x'", '0x10']) {
      const t = `{"v":${bad}}`;
      expect(() => JSON.parse(t)).toThrow(SyntaxError);
      expect(() => project(t, ['v'])).toThrow(SyntaxError);
    }
  });

  it('reads dotted literal keys and their prefixes, as the field plan asks', () => {
    const plan = buildFieldPlan([{ paths: ['userIdentity.sessionContext.type', 'eventName'], whole: false }]);
    expect([...plan.keys].sort()).toEqual([
      'eventName',
      'userIdentity',
      'userIdentity.sessionContext',
      'userIdentity.sessionContext.type',
    ]);
    const text =
      '{"userIdentity.sessionContext.type":"Root","userIdentity":{"type":"IAMUser"},"userIdentity.sessionContext":{"x":1},"userIdentity.type":"Other","eventName":"A"}';
    const got = projectRecord(text, scanObjectKeys(text, 0)!, plan);
    expect(canon(got)).toBe(canon(picked(text, plan)));
    expect('userIdentity.type' in got).toBe(false);
  });

  it('keeps __proto__ as an own key (never the prototype), like JSON.parse', () => {
    const text = '{"__proto__":{"eventName":"Hidden","polluted":true},"eventName":"Shown","constructor":"c"}';
    const got = expectExact(text, ['__proto__', 'eventName', 'constructor', 'toString']);
    expect(Object.getPrototypeOf(got)).toBe(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(got, '__proto__')).toBe(true);
    expect((got as { polluted?: unknown }).polluted).toBeUndefined();
    expect(got.eventName).toBe('Shown');
    expect(Object.prototype.hasOwnProperty.call(got, 'toString')).toBe(false);
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    // not wanted: not an own key either
    const without = expectExact(text, ['eventName']);
    expect(Object.prototype.hasOwnProperty.call(without, '__proto__')).toBe(false);
    // duplicated, and as a scalar
    expectExact('{"__proto__":1,"__proto__":null,"__proto__":"last"}', ['__proto__']);
    expectExact('{"__proto__":[1]}', ['__proto__']);
  });
});

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

describe('keysHaveEscapes', () => {
  const has = (text: string) => keysHaveEscapes(text, scanObjectKeys(text, 0)!);

  it('is false when backslashes sit only in values, before or after the keys', () => {
    expect(has('{}')).toBe(false);
    expect(has('{"a":1,"b":2}')).toBe(false);
    expect(has('{"a":"x\\\\y","b":"\\"","c":1}')).toBe(false);
    expect(has('{"a":1,"b":2,"c":"\\n\\t\\\\"}')).toBe(false);
    expect(has('{"a":"\\\\","b":"\\\\","c":"\\\\"}')).toBe(false);
    expect(has('{"a":{"n\\u0065sted":"\\\\"},"b":["\\\\"]}')).toBe(false);
    expect(has('{"":"\\\\","":1}')).toBe(false);
  });

  it('is true when any top-level key holds a backslash, wherever it is', () => {
    expect(has('{"\\u0061":1}')).toBe(true);
    expect(has('{"a":"\\\\","b\\"":1,"c":"\\\\"}')).toBe(true);
    expect(has('{"a":"\\\\","b":"\\\\","c\\\\":"\\\\"}')).toBe(true);
    expect(has('{"x\\\\":1,"b":2}')).toBe(true);
    expect(has('{"a":{"k":"\\\\"},"b":[1],"event\\u004eame":"X"}')).toBe(true);
  });

  it('is false for an empty table', () => {
    const table: KeyTable = [];
    expect(keysHaveEscapes('{"a\\\\":1}', table)).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// Property test: random objects with hostile keys and values, written with random whitespace,
// escapes and duplicates, sometimes broken.

const KEYS = [
  'eventName',
  'eventSource',
  'a',
  'a.b',
  'a.b.c',
  'userIdentity',
  'userIdentity.type',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  '',
  ' ',
  '"',
  '\\',
  '\\"',
  '{',
  '}',
  ',',
  ':',
  '[',
  'Records',
  '0',
  '10',
  '1.5',
  '-1',
  'clé',
  '😀',
  '\u2028',
  'K\u212A\u0130',
];
const STRINGS = [
  '',
  'x',
  'CreateUser',
  '"',
  '\\',
  '\\"',
  '"\\',
  '}',
  ']',
  '{"a":1}',
  ', "k": ',
  ':',
  'café',
  '😀',
  '\ud83d',
  '\u0000\u001f',
  '\t\n',
  '\u2028',
  '\u007f',
  'x\\u0041',
];

function randomValue(rng: Rng, depth: number): Json {
  const r = rng();
  if (depth > 3 || r < 0.45) return STRINGS[Math.floor(rng() * STRINGS.length)] + (rng() < 0.3 ? 'tail' : '');
  if (r < 0.55) return [0, -0, 1.5, -2e-7, 1e21, 42, 2 ** 64][Math.floor(rng() * 7)];
  if (r < 0.62) return rng() < 0.5;
  if (r < 0.68) return null;
  if (r < 0.84) return Array.from({ length: Math.floor(rng() * 4) }, () => randomValue(rng, depth + 1));
  const o: { [key: string]: Json } = {};
  const n = Math.floor(rng() * 4);
  for (let i = 0; i < n; i++) o[KEYS[Math.floor(rng() * KEYS.length)]] = randomValue(rng, depth + 1);
  return o;
}

interface Written {
  text: string;
  /** A top-level key was written with a backslash. */
  escapedKey: boolean;
}

interface WriteOptions {
  /** Chance of whitespace between tokens. */
  space?: number;
  /** Chance of writing a string with \u escapes. */
  escape?: number;
}

function ws(rng: Rng, p: number): string {
  if (rng() >= p) return '';
  return Array.from({ length: 1 + Math.floor(rng() * 3) }, () => ' \t\n\r'[Math.floor(rng() * 4)]).join('');
}

/** A JSON string literal for `s`, sometimes with letters written as \u escapes or `/` as `\/`. */
function writeString(s: string, rng: Rng, escape: number): string {
  if (rng() >= escape) return JSON.stringify(s);
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (/[A-Za-z/ ]/.test(c) && rng() < 0.5)
      out += c === '/' ? '\\/' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
    else out += JSON.stringify(c).slice(1, -1); // one code unit: lone surrogates come out escaped
  }
  return `${out}"`;
}

/** JSON text of a value with random whitespace and escapes (objects written from their own keys). */
function writeJson(value: unknown, rng: Rng, options: WriteOptions = {}, depth = 0): Written {
  const space = options.space ?? 0;
  const escape = options.escape ?? 0;
  let escapedKey = false;
  const w = (v: unknown): string => writeJson(v, rng, options, depth + 1).text;
  let text: string;
  if (Array.isArray(value)) {
    text = `[${ws(rng, space)}${value.map((v) => w(v)).join(`${ws(rng, space)},${ws(rng, space)}`)}${ws(rng, space)}]`;
  } else if (value !== null && typeof value === 'object') {
    const members = Object.getOwnPropertyNames(value).map((k) => {
      const key = writeString(k, rng, escape);
      if (key.includes('\\')) escapedKey = true;
      const v = (value as Record<string, unknown>)[k];
      return `${ws(rng, space)}${key}${ws(rng, space)}:${ws(rng, space)}${w(v)}${ws(rng, space)}`;
    });
    text = `{${members.join(',')}${members.length === 0 ? ws(rng, space) : ''}}`;
  } else if (typeof value === 'string') {
    text = writeString(value, rng, escape);
  } else if (typeof value === 'number' && Object.is(value, -0)) {
    text = '-0';
  } else {
    text = JSON.stringify(value);
  }
  return { text, escapedKey: depth === 0 && escapedKey };
}

/** A random top-level object text: members may repeat keys; some texts are broken on purpose. */
function randomRecordText(rng: Rng): Written & { broken: string | undefined } {
  const n = Math.floor(rng() * 8);
  const members: string[] = [];
  let escapedKey = false;
  const options: WriteOptions = { space: rng() < 0.5 ? 0 : 0.4, escape: rng() < 0.5 ? 0 : 0.2 };
  for (let i = 0; i < n; i++) {
    const key = KEYS[Math.floor(rng() * KEYS.length)];
    const k = writeString(key, rng, options.escape!);
    if (k.includes('\\')) escapedKey = true;
    const v = writeJson(randomValue(rng, 1), rng, options, 1).text;
    members.push(
      `${ws(rng, options.space!)}${k}${ws(rng, options.space!)}:${ws(rng, options.space!)}${v}${ws(rng, options.space!)}`,
    );
  }
  let text = `{${members.join(',')}}`;
  let broken: string | undefined;
  const b = rng();
  if (b < 0.07 && members.length > 0) {
    broken = 'trailing comma';
    text = `{${members.join(',')},}`;
  } else if (b < 0.14) {
    broken = 'raw control character in a string';
    text = text.replace(/"([^"\\]*)"/, (_, s: string) => `"${s}\u0001"`);
  } else if (b < 0.2) {
    broken = 'bad literal';
    text = text.replace(/\b(true|false|null)\b/, 'tru');
  } else if (b < 0.25) {
    broken = 'raw tab in a string';
    text = text.replace(/"([^"\\]*)"/, (_, s: string) => `"${s}\t"`);
  }
  if (broken && text === `{${members.join(',')}}`) broken = undefined; // the mutation found no place
  return { text, escapedKey, broken };
}

describe('projectRecord against JSON.parse on random hostile objects (property)', () => {
  it('equals the picked keys of JSON.parse, or throws only for escaped keys and invalid text', () => {
    const rng = makeRng(20261123);
    const counts = { exact: 0, escapedKeys: 0, invalidThrew: 0, invalidProjected: 0 };
    for (let iteration = 0; iteration < 4000; iteration++) {
      const { text, escapedKey, broken } = randomRecordText(rng);
      let parsed: unknown;
      let valid = true;
      try {
        parsed = JSON.parse(text);
      } catch {
        valid = false;
      }
      const where = `iteration ${iteration}: ${JSON.stringify(text)}`;
      if (broken === undefined && !valid) throw new Error(`generator wrote invalid JSON at ${where}`);
      const table = scanObjectKeys(text, 0);
      if (valid && !table) throw new Error(`no key table for valid JSON at ${where}`);
      if (!table) continue;
      if (valid) {
        // the splitter's table for the same text, as one element of a Records array, in random chunks
        const chunk = 1 + Math.floor(rng() * 17);
        const [record] = splitText(`{"Records":[${text}]}`, chunk);
        if (canon(record.keys) !== canon(table))
          throw new Error(`splitter table differs (chunk ${chunk}) at ${where}`);
      }
      const wanted = KEYS.filter(() => rng() < 0.35);
      const plan = planOf(wanted);
      let got: Record<string, unknown>;
      try {
        got = projectRecord(text, table, plan);
      } catch (err) {
        if (err instanceof NeedsFullParse) {
          if (!escapedKey) throw new Error(`NeedsFullParse without an escaped key at ${where}`);
          expect(keysHaveEscapes(text, table)).toBe(true);
          counts.escapedKeys++;
        } else if (err instanceof SyntaxError) {
          if (valid) throw new Error(`SyntaxError (${err.message}) for valid JSON at ${where}`);
          counts.invalidThrew++;
        } else {
          throw new Error(`unexpected ${String(err)} at ${where}`);
        }
        continue;
      }
      if (escapedKey) throw new Error(`escaped top-level key not detected at ${where}`);
      if (!valid) {
        counts.invalidProjected++; // the broken part is in a value nobody wants: only wanted values are parsed
        continue;
      }
      const want: Record<string, unknown> = {};
      for (const key of Object.getOwnPropertyNames(parsed))
        if (plan.keys.has(key))
          Object.defineProperty(want, key, {
            value: (parsed as Record<string, unknown>)[key],
            enumerable: true,
            writable: true,
            configurable: true,
          });
      if (canon(got) !== canon(want))
        throw new Error(`projection ${canon(got)} differs from JSON.parse ${canon(want)} at ${where}`);
      counts.exact++;
    }
    // the generator reaches every branch
    expect(counts.exact).toBeGreaterThan(1500);
    expect(counts.escapedKeys).toBeGreaterThan(500);
    expect(counts.invalidThrew).toBeGreaterThan(10);
    expect(counts.invalidProjected).toBeGreaterThan(100);
  });
});

describe('projectRecord: the value cache', () => {
  // userIdentity-like values are parsed once per distinct text and kept in two generations of
  // 2,048 fingerprints; whatever the cache holds, every projection must equal JSON.parse.
  const identity = (n: number, filler = 'x') =>
    JSON.stringify({
      type: 'AssumedRole',
      principalId: `AROAEXAMPLE${String(n).padStart(6, '0')}:session`,
      arn: `arn:aws:sts::111111111111:assumed-role/role-${n % 7}/session-${n}`,
      accountId: '111111111111',
      accessKeyId: `ASIA${String(n).padStart(16, '0')}`,
      sessionContext: { attributes: { mfaAuthenticated: 'false', note: filler.repeat(40) } },
    });
  const recordWith = (userIdentity: string) => `{"eventName":"ListUsers","userIdentity":${userIdentity}}`;
  const plan = planOf(['userIdentity']);

  it('equals JSON.parse for many distinct texts, repeated texts and texts that share a fingerprint', () => {
    const rng = makeRng(5);
    const texts: string[] = [];
    for (let n = 0; n < 6000; n++) texts.push(identity(n));
    // Same length and same sampled characters, different text: one character at the start differs.
    const base = identity(1);
    texts.push(base.replace('"type":"AssumedRole"', '"type":"AssumedRolf"'));
    texts.push(base.replace('"type":"AssumedRole"', '"typf":"AssumedRole"'));
    for (let i = 0; i < 30_000; i++) {
      const pick = rng() < 0.5 ? Math.floor(rng() * 50) : Math.floor(rng() * texts.length);
      const text = recordWith(texts[pick]);
      const got = projectRecord(text, scanObjectKeys(text, 0)!, plan);
      expect(got.userIdentity).toEqual(JSON.parse(texts[pick]));
    }
    for (const t of texts.slice(-3)) {
      const text = recordWith(t);
      expect(projectRecord(text, scanObjectKeys(text, 0)!, plan).userIdentity).toEqual(JSON.parse(t));
    }
  });
});
