/**
 * Record views (src/cloudtrail/raw/view.ts) against JSON.parse: project() gives exactly the
 * wanted keys of JSON.parse (values, duplicates, `__proto__`, prototypes) or throws so that the
 * caller parses the whole record; value() and json() give a key's value and its JSON.
 */
import { keysHaveEscapes, scanObjectKeys } from '../../../src/cloudtrail/raw/key-table';
import { splitterNotes } from '../../../src/cloudtrail/raw/view';
import { buildFieldPlan, type FieldPlan } from '../../../src/core/field-plan';
import { makeRng, syntheticRecords } from '../../../scripts/synthetic-events';
import {
  canon,
  splitText,
  viewOf,
  writeJson,
  writeString,
  ws,
  type Json,
  type Rng,
  type WriteOptions,
  type Written,
} from './helpers';

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

function project(text: string, keys: string[]): Record<string, unknown> {
  const got = viewOf(text).project(planOf(keys));
  if (got === undefined) throw new Error(`project() left ${text} to JSON.parse`);
  return got;
}

/** project() equals the picked keys of JSON.parse, by canon and by Jest's deep equality. */
function expectExact(text: string, keys: string[]): Record<string, unknown> {
  const got = project(text, keys);
  const want = picked(text, planOf(keys));
  expect(canon(got)).toBe(canon(want));
  expect(got).toEqual(want);
  expect(Object.getPrototypeOf(got)).toBe(Object.prototype);
  return got;
}

describe('RecordView.project', () => {
  it('keeps the last of duplicate keys, as JSON.parse does, at the first one’s position', () => {
    const text = '{"eventName":"First","x":1,"eventName":"Last","x":2,"y":[1]}';
    const got = expectExact(text, ['eventName', 'x', 'y']);
    expect(got).toEqual({ eventName: 'Last', x: 2, y: [1] });
    expect(Object.keys(got)).toEqual(['eventName', 'x', 'y']);
    expectExact(text, ['x']);
    expectExact('{"a":{"b":1},"a":"flat"}', ['a']);
    expectExact('{"a":"flat","a":{"b":1}}', ['a']);
  });

  it('leaves a record to JSON.parse when any top-level key is written with an escape', () => {
    const plan = planOf(['eventName', 'eventSource']);
    for (const text of [
      '{"event\\u004eame":"CreateUser","eventSource":"iam.amazonaws.com"}',
      '{"eventSource":"iam.amazonaws.com","x\\"y":1}',
      '{"eventSource":"iam.amazonaws.com","back\\\\slash":1}',
      '{"eventName":"CreateUser","other\\/key":1}',
    ]) {
      expect(viewOf(text).project(plan)).toBeUndefined();
      expect(JSON.parse(text)).toBeInstanceOf(Object); // the text itself is valid: the caller's fallback parses it
    }
    // an escape in a nested key or a value is not a top-level key escape
    expectExact('{"eventName":"Create\\u0055ser","n":{"k\\u0065y":"v\\\\"}}', ['eventName', 'n']);
  });

  it('leaves the record to JSON.parse for a plan that wants the whole record', () => {
    const text = '{"eventName":"A"}';
    expect(viewOf(text).project(planOf(['eventName'], true))).toBeUndefined();
    const keyword = buildFieldPlan([
      { paths: ['eventName'], whole: false },
      { paths: [], whole: true },
    ]);
    expect(viewOf(text).project(keyword)).toBeUndefined();
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
    const got = viewOf(text).project(plan)!;
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

describe('RecordView.project against JSON.parse on random hostile objects (property)', () => {
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
        if (canon(splitterNotes(record).keys) !== canon(table))
          throw new Error(`splitter table differs (chunk ${chunk}) at ${where}`);
      }
      const wanted = KEYS.filter(() => rng() < 0.35);
      const plan = planOf(wanted);
      let got: Record<string, unknown> | undefined;
      try {
        got = viewOf(text).project(plan);
      } catch (err) {
        if (err instanceof SyntaxError) {
          if (valid) throw new Error(`SyntaxError (${err.message}) for valid JSON at ${where}`);
          counts.invalidThrew++;
        } else {
          throw new Error(`unexpected ${String(err)} at ${where}`);
        }
        continue;
      }
      if (got === undefined) {
        if (!escapedKey) throw new Error(`left to JSON.parse without an escaped key at ${where}`);
        expect(keysHaveEscapes(text, table)).toBe(true);
        counts.escapedKeys++;
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

describe('RecordView.project: the value cache', () => {
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
      const got = viewOf(text).project(plan);
      expect(got?.userIdentity).toEqual(JSON.parse(texts[pick]));
    }
    for (const t of texts.slice(-3)) {
      const text = recordWith(t);
      expect(viewOf(text).project(plan)?.userIdentity).toEqual(JSON.parse(t));
    }
  });
});
