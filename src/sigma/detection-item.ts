/**
 * Compiles one detection item (`field|modifier|…: value or values`, or a keyword list) into a
 * predicate over records. All parsing of values, modifiers, patterns, CIDRs and regular
 * expressions happens here, once; the returned `match` only walks the record.
 */
import ipaddr from 'ipaddr.js';
import type { CloudTrailRecord, Severity } from '../core';
import type { ItemExplanation } from './model';
import { compileCaseInsensitiveLeaf } from './case-insensitive';
import {
  compileFieldPath,
  describeValues,
  isNullish,
  isPresent,
  visitLeaves,
  type FieldReader,
} from './field-path';
import { compileRegex, type LinearRegex, requiredLiteral } from '../regex';
import {
  anchorPattern,
  compilePattern,
  hasWildcards,
  literalPattern,
  parseSigmaString,
  patternText,
  renderPattern,
  type Pattern,
} from './sigma-string';
import {
  base64,
  base64Offsets,
  expandPlaceholders,
  transformText,
  TransformError,
  utf16,
  windashVariants,
  type TransformValue,
} from './value-transforms';
import type { ScalarValue } from './yaml-documents';
import { TrailAlertsError, isProblem } from '../core';

export const MODIFIERS = new Set([
  'contains',
  'startswith',
  'endswith',
  'all',
  'exists',
  'cased',
  'neq',
  're',
  'i',
  'm',
  's',
  'base64',
  'base64offset',
  'utf16le',
  'utf16be',
  'utf16',
  'wide',
  'windash',
  'lt',
  'lte',
  'gt',
  'gte',
  'minute',
  'hour',
  'day',
  'week',
  'month',
  'year',
  'cidr',
  'fieldref',
  'expand',
]);
const MODES = ['contains', 'startswith', 'endswith'] as const;
/** Longest value text a `|re` pattern is run against; longer values are cut to this length. */
export const MAX_REGEX_INPUT = 64 * 1024;
const ENCODINGS = new Set(['base64', 'base64offset', 'utf16le', 'utf16be', 'utf16', 'wide']);
const TRANSFORMS = new Set([...ENCODINGS, 'windash', 'expand']);
const NUMERIC = ['lt', 'lte', 'gt', 'gte'] as const;
const TIME_PARTS = ['minute', 'hour', 'day', 'week', 'month', 'year'] as const;
const TIME_RANGES: Record<(typeof TIME_PARTS)[number], [number, number]> = {
  minute: [0, 59],
  hour: [0, 23],
  day: [1, 31],
  week: [1, 53],
  month: [1, 12],
  year: [0, 9999],
};

/** A value of a detection item as written in the rule. */
export interface ItemValue {
  value: ScalarValue;
  line: number;
}

/** Dispatch facts about an item that constrains eventName / eventSource (see dispatch.ts). */
export interface ItemDispatch {
  field: string;
  exact: string[];
  patterns: string[];
}

export interface CompiledItem {
  field?: string;
  modifiers: string[];
  /** The values as written (for explanations). */
  values: string[];
  match(record: CloudTrailRecord): boolean;
  explain(record: CloudTrailRecord): ItemExplanation;
  dispatch?: ItemDispatch;
  /**
   * Set when `match` is exactly this: the scalar leaves of the field's values (of the whole
   * record for keywords, see visitLeaves) tested by `leaf` until one holds, negated by `neq`.
   * rule-code.ts then reads the field in code of the rule's own instead of calling `match`.
   */
  leaf?: (text: string) => boolean;
  negate: boolean;
}

/** A search identifier: alternatives of items (detection.ts compiles it, rule-code.ts reads it). */
export interface CompiledSelection {
  name: string;
  /** OR of alternatives; each alternative is an AND of items. */
  alternatives: CompiledItem[][];
  match(record: CloudTrailRecord): boolean;
}

/** An item's test over records, and its leaf test when the item is a plain "any leaf" test. */
interface ItemTest {
  test: (record: CloudTrailRecord) => boolean;
  leaf?: (text: string) => boolean;
}

export interface ItemContext {
  placeholders: Record<string, string[]>;
  /** Reports a problem; `error` makes the rule invalid. */
  report(severity: Severity, message: string, line?: number): void;
}

/** Thrown for a problem that makes the item unusable. */
export class ItemError extends TrailAlertsError {
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(message);
  }
}

const wholeRecord: FieldReader = (record, visit) => visit(record);

/**
 * Compiles an item. `field` is undefined for keyword searches. Throws ItemError when the item
 * is invalid (unknown modifier, bad value …).
 */
export function compileItem(
  field: string | undefined,
  modifiers: string[],
  values: ItemValue[],
  ctx: ItemContext,
): CompiledItem {
  for (const m of modifiers) {
    if (!MODIFIERS.has(m)) throw new ItemError(`unknown modifier '${m}'`);
  }
  if (field !== undefined && field.trim() === '') throw new ItemError('empty field name');
  if (values.length === 0) throw new ItemError('no values (an empty list matches nothing)');
  const has = (m: string): boolean => modifiers.includes(m);
  const modes = MODES.filter(has);
  if (modes.length > 1) throw new ItemError(`modifiers ${modes.join(' and ')} cannot be combined`);
  const mode = modes[0] ?? (field === undefined ? 'contains' : 'exact');
  const isRe = has('re');
  for (const flag of ['i', 'm', 's']) {
    if (has(flag) && !isRe) throw new ItemError(`modifier '${flag}' is a sub-modifier of 're' and needs it`);
  }
  const numeric = NUMERIC.filter(has);
  if (numeric.length > 1) throw new ItemError(`modifiers ${numeric.join(' and ')} cannot be combined`);
  const timeParts = TIME_PARTS.filter(has);
  if (timeParts.length > 1) throw new ItemError(`modifiers ${timeParts.join(' and ')} cannot be combined`);
  const typeMods = [
    isRe && 're',
    has('cidr') && 'cidr',
    has('fieldref') && 'fieldref',
    has('exists') && 'exists',
    (numeric.length > 0 || timeParts.length > 0) && (timeParts[0] ?? numeric[0]),
  ].filter((x): x is string => typeof x === 'string');
  if (typeMods.length > 1) throw new ItemError(`modifiers ${typeMods.join(' and ')} cannot be combined`);
  const typeMod = typeMods[0];
  if (typeMod && typeMod !== 'fieldref' && modes.length > 0)
    throw new ItemError(`modifier '${modes[0]}' cannot be combined with '${typeMod}'`);
  const transforms = modifiers.filter((m) => TRANSFORMS.has(m));
  if (typeMod && transforms.length > 0)
    throw new ItemError(`modifier '${transforms[0]}' cannot be combined with '${typeMod}'`);
  if (has('base64') && has('base64offset'))
    throw new ItemError('modifiers base64 and base64offset cannot be combined');
  if (
    field === undefined &&
    (typeMod === 'exists' ||
      typeMod === 'fieldref' ||
      typeMod === 'cidr' ||
      numeric.length ||
      timeParts.length)
  )
    throw new ItemError(`modifier '${typeMod}' needs a field name`);
  if (has('all') && values.length === 1)
    ctx.report('warning', "modifier 'all' on a single value has no effect (Sigma forbids it)");
  if (has('base64offset') && !has('contains'))
    ctx.report(
      'warning',
      "'base64offset' only finds a value inside a longer base64 text when followed by 'contains'",
    );

  const reader = field === undefined ? wholeRecord : compileFieldPath(field);
  const valueTexts = values.map((v) => (v.value === null ? 'null' : String(v.value)));
  const negate = has('neq');
  const all = has('all');
  const base: Pick<CompiledItem, 'field' | 'modifiers' | 'values'> = { field, modifiers, values: valueTexts };

  let test: (record: CloudTrailRecord) => boolean;
  let leaf: ((text: string) => boolean) | undefined;
  let dispatch: ItemDispatch | undefined;
  if (typeMod === 'exists') {
    if (values.length !== 1) throw new ItemError("'exists' takes one value, true or false");
    const wanted = booleanOf(values[0].value);
    if (wanted === undefined) throw new ItemError(`'exists' expects true or false, got '${valueTexts[0]}'`);
    test = (record) => isPresent(reader, record) === wanted;
  } else if (typeMod === 're') {
    const flags = ['i', 'm', 's'].filter(has).join('');
    const regexes = values.map((v) => {
      if (typeof v.value !== 'string')
        throw new ItemError(`'re' expects a regular expression text, got '${String(v.value)}'`, v.line);
      const compiled = compileRegex(v.value, flags);
      if (isProblem(compiled)) throw new ItemError(compiled.problem, v.line);
      for (const notice of compiled.notices) ctx.report('notice', notice, v.line);
      const re = compiled.regex;
      return { re, literal: re.engine === 'literal' ? undefined : requiredLiteral(re.source, flags) };
    });
    // A literal every match must contain is checked first: most values fail it without the regex.
    const leafTest = ({ re, literal }: { re: LinearRegex; literal: string | undefined }) =>
      literal === undefined
        ? (text: string) => re.test(text.length > MAX_REGEX_INPUT ? text.slice(0, MAX_REGEX_INPUT) : text)
        : (text: string) =>
            text.includes(literal) &&
            re.test(text.length > MAX_REGEX_INPUT ? text.slice(0, MAX_REGEX_INPUT) : text);
    ({ test, leaf } = combine(reader, regexes.map(leafTest), all));
  } else if (typeMod === 'cidr') {
    const ranges = values.map((v) => parseCidr(v));
    const leafTests = ranges.map(([net, bits]) => (text: string) => {
      if (text.length > 64 || !ipaddr.isValid(text)) return false;
      const ip = ipaddr.process(text);
      return ip.kind() === net.kind() && ip.match(net, bits);
    });
    ({ test, leaf } = combine(reader, leafTests, all));
  } else if (typeMod === 'fieldref') {
    test = compileFieldRef(reader, values, mode, has('cased'), all);
  } else if (typeMod !== undefined) {
    ({ test, leaf } = compileNumeric(reader, values, numeric[0], timeParts[0], all));
  } else {
    const compiled = compileStrings(field, values, modifiers, mode, ctx);
    ({ test, leaf } = compileStringTest(reader, compiled, all));
    if ((field === 'eventName' || field === 'eventSource') && !negate && compiled.nullCount === 0) {
      const first = all ? compiled.patterns.slice(0, 1) : compiled.patterns;
      const exact: string[] = [];
      const patterns: string[] = [];
      for (const p of first) {
        if (compiled.encoded) break;
        if (hasWildcards(p.pattern)) patterns.push(renderPattern(p.pattern).toLowerCase());
        else exact.push(patternText(p.pattern).toLowerCase());
      }
      if (!compiled.encoded) dispatch = { field, exact, patterns };
    }
  }
  const match = negate ? (record: CloudTrailRecord) => !test(record) : test;
  return {
    ...base,
    dispatch,
    leaf,
    negate,
    match,
    explain: (record) => ({
      field,
      modifiers,
      values: valueTexts,
      matched: match(record),
      actual: field === undefined ? undefined : (describeValues(reader, record) ?? '(absent)'),
    }),
  };
}

function booleanOf(value: ScalarValue): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return undefined;
}

/** OR (or AND with `all`) of leaf tests over the scalar leaves at the field. */
function combine(reader: FieldReader, leafTests: Array<(text: string) => boolean>, all: boolean): ItemTest {
  if (all) {
    const valueTests = leafTests.map((leafTest) => (value: unknown) => visitLeaves(value, leafTest));
    return { test: (record) => valueTests.every((valueTest) => reader(record, valueTest)) };
  }
  const anyLeaf =
    leafTests.length === 1
      ? leafTests[0]
      : (text: string): boolean => {
          for (const leafTest of leafTests) if (leafTest(text)) return true;
          return false;
        };
  const anyValue = (value: unknown): boolean => visitLeaves(value, anyLeaf);
  return { test: (record) => reader(record, anyValue), leaf: anyLeaf };
}

function parseCidr(v: ItemValue): [ipaddr.IPv4 | ipaddr.IPv6, number] {
  const text = v.value === null ? '' : String(v.value).trim();
  try {
    if (text.includes('/')) return ipaddr.parseCIDR(text);
    const ip = ipaddr.parse(text);
    return [ip, ip.kind() === 'ipv4' ? 32 : 128];
  } catch {
    throw new ItemError(`'cidr' expects a network like 10.0.0.0/8 or 2001:db8::/32, got '${text}'`, v.line);
  }
}

interface CompiledStrings {
  patterns: Array<{ pattern: Pattern; caseInsensitive: boolean }>;
  nullCount: number;
  encoded: boolean;
}

function compileStrings(
  field: string | undefined,
  values: ItemValue[],
  modifiers: string[],
  mode: 'exact' | 'contains' | 'startswith' | 'endswith',
  ctx: ItemContext,
): CompiledStrings {
  const cased = modifiers.includes('cased');
  const encoded = modifiers.some((m) => ENCODINGS.has(m));
  const out: CompiledStrings = { patterns: [], nullCount: 0, encoded };
  for (const v of values) {
    if (v.value === null) {
      if (field === undefined) throw new ItemError('a keyword cannot be null', v.line);
      if (mode !== 'exact' || modifiers.some((m) => TRANSFORMS.has(m)))
        throw new ItemError(
          `null cannot be combined with modifier '${modifiers.find((m) => m !== 'all' && m !== 'neq' && m !== 'cased')}'`,
          v.line,
        );
      out.nullCount++;
      continue;
    }
    for (const pattern of transformValue(String(v.value), modifiers, ctx, v.line)) {
      out.patterns.push({
        pattern: anchorPattern(pattern, mode),
        caseInsensitive: !cased && !modifiers.some((m) => m === 'base64' || m === 'base64offset'),
      });
    }
  }
  return out;
}

/** Applies transformation modifiers in their written order; returns the patterns to OR over. */
function transformValue(text: string, modifiers: string[], ctx: ItemContext, line: number): Pattern[] {
  let texts = [text];
  try {
    if (modifiers.includes('expand')) texts = texts.flatMap((t) => expandPlaceholders(t, ctx.placeholders));
    const encodings = modifiers.filter((m) => ENCODINGS.has(m) || m === 'windash');
    if (!encodings.some((m) => ENCODINGS.has(m))) {
      if (encodings.includes('windash')) texts = texts.flatMap(windashVariants);
      return texts.map(parseSigmaString);
    }
    // Encodings work on literal text: wildcards cannot be encoded.
    let current: TransformValue[] = texts.map((t) => {
      const pattern = parseSigmaString(t);
      if (hasWildcards(pattern))
        throw new ItemError(
          `wildcards cannot be combined with '${encodings.find((m) => ENCODINGS.has(m))}' (escape them as \\* or \\?)`,
          line,
        );
      return { text: patternText(pattern) };
    });
    for (const m of encodings) {
      if (m === 'windash')
        current = current.flatMap((c) => windashVariants(transformText(c)).map((t) => ({ text: t })));
      else if (m === 'utf16le' || m === 'wide') current = current.map((c) => utf16(c, 'utf16le'));
      else if (m === 'utf16be') current = current.map((c) => utf16(c, 'utf16be'));
      else if (m === 'utf16') current = current.map((c) => utf16(c, 'utf16'));
      else if (m === 'base64') current = current.map((c) => ({ text: base64(c) }));
      else if (m === 'base64offset')
        current = current.flatMap((c) => base64Offsets(c).map((t) => ({ text: t })));
    }
    return current.map((c) => literalPattern(transformText(c)));
  } catch (error) {
    if (error instanceof TransformError) throw new ItemError(error.message, line);
    throw error;
  }
}

function compileStringTest(reader: FieldReader, compiled: CompiledStrings, all: boolean): ItemTest {
  const matchers = compiled.patterns.map(({ pattern, caseInsensitive }) => {
    const m = compilePattern(pattern, caseInsensitive);
    return caseInsensitive ? (text: string) => m(text.toLowerCase()) : m;
  });
  const nullTest = (record: CloudTrailRecord): boolean =>
    !isPresent(reader, record) || reader(record, isNullish);
  if (all) {
    const tests = [
      ...matchers.map((m) => {
        const valueTest = (value: unknown): boolean => visitLeaves(value, m);
        return (record: CloudTrailRecord) => reader(record, valueTest);
      }),
      ...Array.from({ length: compiled.nullCount }, () => nullTest),
    ];
    return { test: (record) => tests.every((t) => t(record)) };
  }
  const anyCI = compiled.patterns.every((p) => p.caseInsensitive);
  // Common case: every pattern case-insensitive (see case-insensitive.ts).
  const anyLeaf = anyCI
    ? compileCaseInsensitiveLeaf(compiled.patterns.map((p) => p.pattern))
    : (text: string): boolean => {
        for (const m of matchers) if (m(text)) return true;
        return false;
      };
  const anyValue = (value: unknown): boolean => visitLeaves(value, anyLeaf);
  const stringTest = (record: CloudTrailRecord) => reader(record, anyValue);
  if (compiled.nullCount === 0) return { test: stringTest, leaf: anyLeaf };
  return { test: (record) => nullTest(record) || stringTest(record) };
}

function compileFieldRef(
  reader: FieldReader,
  values: ItemValue[],
  mode: 'exact' | 'contains' | 'startswith' | 'endswith',
  cased: boolean,
  all: boolean,
) {
  const others = values.map((v) => {
    if (typeof v.value !== 'string' || v.value.trim() === '')
      throw new ItemError(`'fieldref' expects a field name, got '${String(v.value)}'`, v.line);
    return compileFieldPath(v.value);
  });
  const norm = cased ? (t: string) => t : (t: string) => t.toLowerCase();
  const compare = (a: string, b: string): boolean =>
    mode === 'exact'
      ? a === b
      : mode === 'contains'
        ? a.includes(b)
        : mode === 'startswith'
          ? a.startsWith(b)
          : a.endsWith(b);
  const refTest =
    (other: FieldReader) =>
    (record: CloudTrailRecord): boolean =>
      reader(record, (value) =>
        visitLeaves(value, (mine) => {
          const a = norm(mine);
          return other(record, (ref) => visitLeaves(ref, (theirs) => compare(a, norm(theirs))));
        }),
      );
  const tests = others.map(refTest);
  return all
    ? (record: CloudTrailRecord) => tests.every((t) => t(record))
    : (record: CloudTrailRecord) => tests.some((t) => t(record));
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?(Z|z|[+-]\d{2}:?\d{2})?$/;

/** Two ASCII digits at `at` as a number, or -1. */
function twoDigits(text: string, at: number): number {
  const a = text.charCodeAt(at) - 48;
  const b = text.charCodeAt(at + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/**
 * The hour or minute of a CloudTrail timestamp (`2026-11-20T10:00:00Z`, optionally with a
 * fraction) read from its digits, or undefined for any other form. With a month of 1-12, a day
 * of 1-31 and a valid time, Date.parse always succeeds and only the date can roll over (31 April
 * becomes 1 May), so the hour and minute are the ones written.
 */
function timeOfDay(text: string, part: 'hour' | 'minute'): number | undefined {
  const n = text.length;
  if (n < 20 || n > 30 || text.charCodeAt(n - 1) !== 90 /* Z */) return undefined;
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 84) return undefined;
  if (text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return undefined;
  if (twoDigits(text, 0) < 0 || twoDigits(text, 2) < 0) return undefined;
  const month = twoDigits(text, 5);
  const day = twoDigits(text, 8);
  const hour = twoDigits(text, 11);
  const minute = twoDigits(text, 14);
  const second = twoDigits(text, 17);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23) return undefined;
  if (minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  if (n === 20) return part === 'hour' ? hour : minute;
  // A fraction: `.` and 1-9 digits.
  if (text.charCodeAt(19) !== 46 || n === 21) return undefined;
  for (let i = 20; i < n - 1; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  return part === 'hour' ? hour : minute;
}

/** Extracts a UTC date part from an ISO timestamp, or undefined when the text is not one. */
export function datePart(text: string, part: (typeof TIME_PARTS)[number]): number | undefined {
  if (part === 'hour' || part === 'minute') {
    const fast = timeOfDay(text, part);
    if (fast !== undefined) return fast;
  }
  if (text.length > 40) return undefined;
  const m = ISO_DATE.exec(text);
  if (!m) return undefined;
  const ms = Date.parse(m[1] || text.length === 10 ? text.replace(' ', 'T') : `${text.replace(' ', 'T')}Z`);
  if (Number.isNaN(ms)) return undefined;
  const d = new Date(ms);
  switch (part) {
    case 'minute':
      return d.getUTCMinutes();
    case 'hour':
      return d.getUTCHours();
    case 'day':
      return d.getUTCDate();
    case 'month':
      return d.getUTCMonth() + 1;
    case 'year':
      return d.getUTCFullYear();
    case 'week': {
      // ISO 8601 week number.
      const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
      const day = t.getUTCDay() || 7;
      t.setUTCDate(t.getUTCDate() + 4 - day);
      const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
      return Math.ceil(((t.getTime() - yearStart) / 86_400_000 + 1) / 7);
    }
  }
}

function compileNumeric(
  reader: FieldReader,
  values: ItemValue[],
  op: (typeof NUMERIC)[number] | undefined,
  timePart: (typeof TIME_PARTS)[number] | undefined,
  all: boolean,
): ItemTest {
  const numbers = values.map((v) => {
    const text = v.value === null || typeof v.value === 'boolean' ? '' : v.value.trim();
    const n = text === '' ? NaN : Number(text);
    if (!Number.isFinite(n))
      throw new ItemError(`'${op ?? timePart}' expects a number, got '${String(v.value)}'`, v.line);
    if (timePart && !op) {
      const [lo, hi] = TIME_RANGES[timePart];
      if (!Number.isInteger(n) || n < lo || n > hi)
        throw new ItemError(
          `'${timePart}' expects a whole number from ${lo} to ${hi}, got '${text}'`,
          v.line,
        );
    }
    return n;
  });
  const extract = timePart
    ? (text: string) => datePart(text, timePart)
    : (text: string) => {
        const t = text.trim();
        if (t === '' || t.length > 64) return undefined;
        const n = Number(t);
        return Number.isFinite(n) ? n : undefined;
      };
  const cmp = (a: number, b: number): boolean =>
    op === 'lt' ? a < b : op === 'lte' ? a <= b : op === 'gt' ? a > b : op === 'gte' ? a >= b : a === b;
  if (!all) {
    // Any of the values: the number (or date part) is extracted once per leaf, not once per value.
    const anyNumber = (text: string): boolean => {
      const a = extract(text);
      if (a === undefined) return false;
      for (const b of numbers) if (cmp(a, b)) return true;
      return false;
    };
    return combine(reader, [anyNumber], false);
  }
  const leafTests = numbers.map((b) => (text: string) => {
    const a = extract(text);
    return a !== undefined && cmp(a, b);
  });
  return combine(reader, leafTests, all);
}
