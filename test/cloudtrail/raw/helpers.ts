/** Shared by the raw path's suites: record texts, their splitting, and a canonical text of values. */
import { RecordSplitter } from '../../../src/cloudtrail/raw/splitter';
import { RecordView } from '../../../src/cloudtrail/raw/view';

export type Rng = () => number;
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The records of `text` cut into chunks of `chunk` characters; fails on any splitter problem. */
export function splitText(text: string, chunk: number): RecordView[] {
  const splitter = new RecordSplitter({ maxRecordChars: 1 << 26 });
  const out: RecordView[] = [];
  const problems: string[] = [];
  const take = (items: ReturnType<RecordSplitter['push']>) => {
    for (const item of items) {
      if (item instanceof RecordView) out.push(item);
      else problems.push(item.message);
    }
  };
  for (let at = 0; at < text.length; at += chunk) take(splitter.push(text.slice(at, at + chunk)));
  take(splitter.end());
  expect(problems).toEqual([]);
  return out;
}

/** A view of one record's text, as the analyzer gets it when the splitter made no key table. */
export function viewOf(text: string): RecordView {
  return new RecordView(0, text, undefined, undefined, false);
}

/**
 * A canonical text of a value: own property names in order (so `__proto__` as an own key
 * counts), each object's prototype, -0, and array holes; two values with the same canon are
 * indistinguishable to the rules.
 */
export function canon(value: unknown): string {
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

/** Values whose text is tricky for a scanner: brackets, quotes, escapes and unicode inside strings. */
export const NASTY: Record<string, unknown>[] = [
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

export interface Written {
  text: string;
  /** A top-level key was written with a backslash. */
  escapedKey: boolean;
}

export interface WriteOptions {
  /** Chance of whitespace between tokens. */
  space?: number;
  /** Chance of writing a string with \u escapes. */
  escape?: number;
}

export function ws(rng: Rng, p: number): string {
  if (rng() >= p) return '';
  return Array.from({ length: 1 + Math.floor(rng() * 3) }, () => ' \t\n\r'[Math.floor(rng() * 4)]).join('');
}

/** A JSON string literal for `s`, sometimes with letters written as \u escapes or `/` as `\/`. */
export function writeString(s: string, rng: Rng, escape: number): string {
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
export function writeJson(value: unknown, rng: Rng, options: WriteOptions = {}, depth = 0): Written {
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
