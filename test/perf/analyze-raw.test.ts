/**
 * Differential proof of the analyzer's raw path (Analyzer.analyzeRaw through analyzeStream: key
 * tables, partial parsing per candidate rules, matches that keep their text): over synthetic
 * records, the shipped rules' test records, hostile variants written by hand and, when present,
 * the Stratus Red Team corpus, it gives exactly what full parsing gives: the same (rule, record)
 * matches as every rule's own `match` on JSON.parse of the record, the same accounts, the same
 * outcome per record as the reader (parseRawRecord: record, digest, Insights, problem), and the
 * same time-window decisions; for the whole rule set and for subsets that leave the candidate
 * lists short (where partial parsing does the most).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { accountOf } from '../../src/cloudtrail/keys';
import { parseRawRecord } from '../../src/cloudtrail/read';
import { RecordSource } from '../../src/cloudtrail/raw';
import { loadRules, parseRules } from '../../src/sigma';
import type { CloudTrailRecord, Diagnostic } from '../../src/core';
import type { CompiledRule } from '../../src/sigma/model';
import type { Match } from '../../src/alerts/alert';
import { Analyzer, type TimeWindow } from '../../src/runtime/analyze';
import { analyzeStream } from '../../src/runtime/analyze-stream';
import { decodeMatch, encodeMatch } from '../../src/runtime/match-queue';
import { TextRecordMatch } from '../../src/runtime/text-match';
import { makeRng, syntheticRecords } from '../../scripts/synthetic-events';

type Rng = () => number;
type Obj = Record<string, unknown>;

const ROOT = join(__dirname, '..', '..');
/** The shared corpus beside the checkout (../shared), when present; these tests pass without it. */
const CORPUS = join(ROOT, '..', 'shared', 'corpus');
const rulePaths = [join(ROOT, 'rules'), join(CORPUS, 'sigmahq-aws', 'rules')].filter((p) => existsSync(p));

/**
 * Rules written here: keyword searches (the whole record), a fieldref, a dotted path that a
 * literal key can answer, `exists` and `null`. K1 runs for every record; the others are
 * dispatched, so the whole set still takes the partial path for most records.
 */
const EXTRA_RULES = `
title: Keyword search for attack tooling (test)
id: 0d7f3c9e-1b52-4d4e-9a61-000000000001
logsource: { product: aws, service: cloudtrail }
detection:
  keywords:
    - stratus-red-team
    - '*kelvin*'
    - AdministratorAccess
  condition: keywords
level: low
---
title: Keyword search in IAM calls (test)
id: 0d7f3c9e-1b52-4d4e-9a61-000000000002
logsource: { product: aws, service: cloudtrail }
detection:
  selection:
    eventSource: iam.amazonaws.com
  keywords:
    - 'alice'
    - '*admin*'
  condition: selection and keywords
level: low
---
title: Actor acting on itself (test)
id: 0d7f3c9e-1b52-4d4e-9a61-000000000003
logsource: { product: aws, service: cloudtrail }
detection:
  selection:
    eventSource: iam.amazonaws.com
    requestParameters.userName|fieldref: userIdentity.userName
  condition: selection
level: low
---
title: Root or assumed role without error, by dotted path (test)
id: 0d7f3c9e-1b52-4d4e-9a61-000000000004
logsource: { product: aws, service: cloudtrail }
detection:
  selection:
    eventName|startswith:
      - Describe
      - List
      - Get
    userIdentity.type:
      - Root
      - AssumedRole
    userIdentity.sessionContext.sessionIssuer.type|exists: true
    errorCode: null
  condition: selection
level: low
---
title: Sign-in from a user agent with non-ASCII text (test)
id: 0d7f3c9e-1b52-4d4e-9a61-000000000005
logsource: { product: aws, service: cloudtrail }
detection:
  selection:
    eventSource|endswith: amazonaws.com
    userAgent|contains:
      - 'café'
      - 'ı'
      - '😀'
  condition: selection
level: low
`;

// ---------------------------------------------------------------------------------------------
// Writing records as text: whitespace, escapes, duplicates and other things JSON.stringify never does.

/** Top-level keys the analyzer reads by their raw text (readHeader, the account); never escaped here. */
const HEADER_KEYS = new Set([
  'eventName',
  'eventSource',
  'eventTime',
  'eventType',
  'eventCategory',
  'recipientAccountId',
  'userIdentity',
  'insightDetails',
  'digestStartTime',
]);

function ws(rng: Rng, p: number): string {
  if (p === 0 || rng() >= p) return '';
  return Array.from({ length: 1 + Math.floor(rng() * 2) }, () => ' \t\n\r'[Math.floor(rng() * 4)]).join('');
}

/** A JSON string literal, sometimes with letters as \u escapes and `/` as `\/`. */
function writeString(s: string, rng: Rng, escape: number): string {
  if (escape === 0 || rng() >= escape) return JSON.stringify(s);
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (/[A-Za-z/:]/.test(c) && rng() < 0.5)
      out += c === '/' ? '\\/' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
    else out += JSON.stringify(c).slice(1, -1);
  }
  return `${out}"`;
}

interface WriteOptions {
  space?: number;
  escape?: number;
}

/** JSON text of a value; top-level keys the analyzer reads by their raw text are never escaped. */
function writeJson(value: unknown, rng: Rng, options: WriteOptions, depth = 0): string {
  const space = options.space ?? 0;
  const escape = options.escape ?? 0;
  if (Array.isArray(value))
    return `[${ws(rng, space)}${value.map((v) => writeJson(v, rng, options, depth + 1)).join(`,${ws(rng, space)}`)}${ws(rng, space)}]`;
  if (value !== null && typeof value === 'object') {
    const members = Object.getOwnPropertyNames(value).map((k) => {
      const key = depth === 0 && HEADER_KEYS.has(k) ? JSON.stringify(k) : writeString(k, rng, escape);
      const v = writeJson((value as Obj)[k], rng, options, depth + 1);
      return `${ws(rng, space)}${key}${ws(rng, space)}:${ws(rng, space)}${v}${ws(rng, space)}`;
    });
    return `{${members.join(',')}}`;
  }
  if (typeof value === 'string') return writeString(value, rng, escape);
  return JSON.stringify(value);
}

const clone = (record: Obj): Obj => JSON.parse(JSON.stringify(record)) as Obj;
/** `{"k":v,` + the rest of the record's text: the member goes first, possibly duplicating a key. */
const prepend = (member: string, text: string): string =>
  text === '{}' ? `{${member}}` : `{${member},${text.slice(1)}`;
/** The record's text + `,"k":v}`: the member goes last. */
const append = (text: string, member: string): string =>
  text === '{}' ? `{${member}}` : `${text.slice(0, -1)},${member}}`;

function randomCase(text: string, rng: Rng): string {
  return [...text].map((c) => (rng() < 0.5 ? c.toUpperCase() : c.toLowerCase())).join('');
}

interface Case {
  text: string;
  /** What the text is, for failure messages. */
  what: string;
  /** Only in runs without a time window (see where it is made). */
  windowless?: boolean;
}

/** Hostile variants of one record, as text: each kind is kept with probability `keep`. */
function variants(record: Obj, rng: Rng, keep: number): Case[] {
  const out: Case[] = [];
  const add = (what: string, make: () => string, windowless = false) => {
    if (rng() >= keep) return;
    const text = make();
    out.push(windowless ? { what, text, windowless } : { what, text });
  };
  /** A copy of the record changed by `change`, as JSON text. */
  const changed = (change: (r: Obj) => void) => () => {
    const copy = clone(record);
    change(copy);
    return JSON.stringify(copy);
  };
  const json = JSON.stringify(record);
  const name = typeof record.eventName === 'string' ? record.eventName : 'ListUsers';
  const source = typeof record.eventSource === 'string' ? record.eventSource : 'iam.amazonaws.com';

  add('escaped values and non-header keys', () => writeJson(record, rng, { escape: 0.5 }));
  add('whitespace everywhere', () => writeJson(record, rng, { space: 0.6 }));
  add('pretty-printed', () => JSON.stringify(record, null, 2));
  add(
    'random case',
    changed((r) => {
      for (const key of ['eventName', 'eventSource', 'errorCode'])
        if (typeof r[key] === 'string') r[key] = randomCase(r[key] as string, rng);
      const identity = r.userIdentity as Obj | undefined;
      if (identity && typeof identity.type === 'string') identity.type = randomCase(identity.type, rng);
    }),
  );
  add(
    'arrays where scalars are expected',
    changed((r) => {
      r.eventName = [r.eventName];
      if (r.userIdentity) r.userIdentity = [r.userIdentity, { type: 'Root' }];
      if (r.requestParameters) r.requestParameters = [r.requestParameters];
    }),
  );
  add(
    'eventSource as an array',
    changed((r) => {
      r.eventSource = [source, 'iam.amazonaws.com'];
    }),
  );
  add(
    'dotted literal keys instead of userIdentity',
    changed((r) => {
      const id = r.userIdentity as Obj | undefined;
      if (!id || typeof id !== 'object') return;
      delete r.userIdentity;
      for (const [k, v] of Object.entries(id)) r[`userIdentity.${k}`] = v;
    }),
  );
  add('dotted literal key beside the object', () => append(json, '"userIdentity.type":"Root"'));
  // Keys with dots inside nested objects: rules must not take the path that skips literal dotted keys.
  add(
    'dotted literal keys inside userIdentity',
    changed((r) => {
      const id = r.userIdentity as Obj | undefined;
      const context = id?.sessionContext as Obj | undefined;
      if (!id || !context || typeof context !== 'object') return;
      delete id.sessionContext;
      for (const [k, v] of Object.entries(context)) id[`sessionContext.${k}`] = v;
      id['sessionContext.sessionIssuer.type'] = 'Role';
    }),
  );
  add('dotted nested key with space before its colon', () =>
    json.replace(/"userIdentity":\{/, '"userIdentity":{"sessionContext.sessionIssuer" \t: {"type":"Role"},'),
  );
  add(
    'unicode (Kelvin sign in eventName, İ, emoji, U+2028)',
    changed((r) => {
      r.userAgent = `caf\u00e9 ${String(r.userAgent ?? '')} \u212Aelvin \u0130 😀 \u2028`;
      if (typeof r.eventName === 'string') r.eventName = r.eventName.replace(/k/g, '\u212A');
    }),
  );

  // duplicate keys (JSON.stringify cannot write them): JSON.parse keeps the last
  add('duplicate eventName, decoy first', () => prepend('"eventName":"DescribeInstances"', json));
  add('duplicate eventName, decoy last', () => append(json, '"eventName":"DescribeInstances"'));
  add('duplicate eventSource, decoy last', () => append(json, '"eventSource":"iam.amazonaws.com"'));
  const root = '"userIdentity":{"type":"Root","accountId":"999999999999"}';
  add('duplicate userIdentity, root first', () => prepend(root, json));
  add('duplicate userIdentity, root last', () => append(json, root));
  add('duplicate recipientAccountId, last', () => append(json, '"recipientAccountId":"888888888888"'));
  add('duplicate errorCode, null first', () =>
    append(prepend('"errorCode":null', json), '"errorCode":"AccessDenied"'),
  );
  add('duplicate eventTime, later one last', () => append(json, '"eventTime":"2099-01-01T00:00:00Z"'));
  add('duplicate requestParameters, last', () =>
    append(
      json,
      '"requestParameters":{"userName":"alice","policyArn":"arn:aws:iam::aws:policy/AdministratorAccess"}',
    ),
  );

  // __proto__ as an own key (JSON.parse makes it one; it is never the prototype)
  add('__proto__ holding eventName and eventSource', () =>
    prepend(
      `"__proto__":{"eventName":${JSON.stringify(name)},"eventSource":${JSON.stringify(source)},"errorCode":"x"}`,
      json,
    ),
  );
  add('__proto__ as a scalar', () => append(json, '"__proto__":"x"'));
  add(
    '__proto__ inside userIdentity',
    changed((r) => {
      r.userIdentity = JSON.parse(
        '{"__proto__":{"type":"Root","userName":"alice"},"accountId":"111111111111"}',
      );
    }),
  );

  // dispatch fields of the wrong type or missing
  for (const [what, v] of [
    ['a number', 42],
    ['an object', { name }],
    ['null', null],
    ['true', true],
  ] as Array<[string, unknown]>) {
    add(
      `eventName as ${what}`,
      changed((r) => {
        r.eventName = v;
      }),
    );
    add(
      `eventSource as ${what}`,
      changed((r) => {
        r.eventSource = v;
      }),
    );
  }
  add(
    'no eventName',
    changed((r) => {
      delete r.eventName;
    }),
  );
  add(
    'no eventName, eventSource a number (not CloudTrail)',
    changed((r) => {
      delete r.eventName;
      r.eventSource = 7;
    }),
  );
  add(
    'eventName over 256 characters',
    changed((r) => {
      r.eventName = `${name}${'x'.repeat(300)}`;
    }),
  );

  // the owning account from userIdentity when recipientAccountId is missing or malformed
  add(
    'no recipientAccountId (account from userIdentity)',
    changed((r) => {
      delete r.recipientAccountId;
    }),
  );
  add(
    'recipientAccountId as a number, userIdentity.accountId malformed',
    changed((r) => {
      r.recipientAccountId = 111111111111;
      if (r.userIdentity && typeof r.userIdentity === 'object') (r.userIdentity as Obj).accountId = '1111';
    }),
  );
  add('no recipientAccountId, duplicate userIdentity with another account last', () =>
    append(
      JSON.stringify({ ...record, recipientAccountId: undefined }),
      '"userIdentity":{"type":"IAMUser","accountId":"777777777777","userName":"alice"}',
    ),
  );

  // event times the window must judge like the reader
  add(
    'eventTime as a number',
    changed((r) => {
      r.eventTime = 1700000000;
    }),
  );
  add(
    'no eventTime',
    changed((r) => {
      delete r.eventTime;
    }),
  );

  // invalid JSON in values the analyzer always reads: the reader's problem, never a record
  add('eventName value is not JSON', () => json.replace(/"eventName":"[^"]*"/, '"eventName":tru'));
  add('eventSource value with a raw control character', () =>
    json.replace(/"eventSource":"/, '"eventSource":"\u0001'),
  );
  // Without a window only: with one, the raw path decides out-of-range before it reads
  // recipientAccountId, where the reader reports the record as invalid JSON (reported, not fixed here).
  add('recipientAccountId value is not JSON', () => append(json, '"recipientAccountId":0123'), true);
  add('eventType value is not JSON', () => append(json, '"eventType":"AwsApiCall\t"'));

  // Insights markers
  add('eventType AwsCloudTrailInsight', () => append(json, '"eventType":"AwsCloudTrailInsight"'));
  add('eventCategory Insight', () => append(json, '"eventCategory":"Insight"'));
  add('insightDetails present', () => append(json, '"insightDetails":{"state":"Start"}'));
  add('eventType insight in an array (not Insights)', () =>
    append(json, '"eventType":["AwsCloudTrailInsight"]'),
  );
  add('digestStartTime alone (not a digest)', () => append(json, '"digestStartTime":"2026-11-20T00:00:00Z"'));
  return out;
}

/** Records that are not CloudTrail events, digests and Insights events, and elements that are not objects. */
const SPECIAL: Case[] = [
  { what: 'empty object', text: '{}' },
  { what: 'unrelated object', text: '{"foo":1,"bar":{"eventName":"CreateUser"}}' },
  {
    what: 'a nested log object',
    text: '{"Records":[{"eventName":"CreateUser","eventSource":"iam.amazonaws.com"}]}',
  },
  { what: 'an array element', text: '[{"eventName":"CreateUser","eventSource":"iam.amazonaws.com"}]' },
  { what: 'a number element', text: '42' },
  { what: 'a string element', text: '"CreateUser"' },
  { what: 'a null element', text: 'null' },
  {
    what: 'a digest document',
    text: '{"awsAccountId":"111111111111","digestStartTime":"2026-11-20T00:00:00Z","digestEndTime":"2026-11-20T01:00:00Z","digestS3Bucket":"b","digestS3Object":"k","logFiles":[],"digestPublicKeyFingerprint":"f","digestSignatureAlgorithm":"SHA256withRSA"}',
  },
  {
    what: 'a digest document with eventName and eventSource',
    text: '{"eventName":"CreateUser","eventSource":"iam.amazonaws.com","digestStartTime":"2026-11-20T00:00:00Z","digestEndTime":"2026-11-20T01:00:00Z","logFiles":[]}',
  },
  {
    what: 'an Insights event',
    text: '{"eventVersion":"1.08","eventTime":"2026-11-20T10:00:00Z","awsRegion":"us-east-1","eventID":"e","eventType":"AwsCloudTrailInsight","recipientAccountId":"111111111111","sharedEventID":"s","insightDetails":{"state":"Start","eventSource":"iam.amazonaws.com","eventName":"CreateUser","insightType":"ApiCallRateInsight"},"eventCategory":"Insight"}',
  },
  {
    what: 'an Insights event with eventName and eventSource at the top',
    text: '{"eventName":"CreateUser","eventSource":"iam.amazonaws.com","eventType":"AwsCloudTrailInsight","recipientAccountId":"111111111111"}',
  },
  {
    what: 'a record with 300 top-level keys (no key table from the splitter)',
    text: JSON.stringify({
      eventName: 'CreateUser',
      eventSource: 'iam.amazonaws.com',
      eventTime: '2026-11-20T10:00:00Z',
      recipientAccountId: '111111111111',
      userIdentity: { type: 'Root', accountId: '111111111111' },
      ...Object.fromEntries(Array.from({ length: 295 }, (_, i) => [`k${i}`, i])),
    }),
  },
  {
    what: 'escaped control characters and quotes in values',
    text: '{"eventName":"Create\\u0000User","eventSource":"iam.amazonaws.com","userAgent":"\\"\\\\\\u001f","recipientAccountId":"111111111111"}',
  },
];

/** Every record of the shipped rules' test files (should_match and should_not_match, sequences flattened). */
function ruleTestRecords(dir: string): Obj[] {
  const out: Obj[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, name.name);
      if (name.isDirectory()) walk(path);
      else if (name.name.endsWith('_tests.json')) {
        const tests = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
        for (const key of ['should_match', 'should_not_match'])
          for (const item of (tests[key] as unknown[] | undefined) ?? [])
            for (const r of Array.isArray(item) ? item : [item])
              if (r && typeof r === 'object') out.push(r as Obj);
      }
    }
  };
  walk(dir);
  return out;
}

/** The Stratus Red Team corpus (JSON arrays of records), when ../shared is present. */
function stratusRecords(): Obj[] {
  const dir = join(CORPUS, 'stratus-red-team');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .flatMap((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Obj[]);
}

// ---------------------------------------------------------------------------------------------
// Running both sides.

interface Expected {
  kind: 'record' | 'digest' | 'insight' | 'problem';
  record?: CloudTrailRecord;
  /** Rules (of all rules) that match the parsed record. */
  matched?: Set<CompiledRule>;
}

interface RunOptions {
  keyAccountId?: string;
  window?: TimeWindow;
}

interface Observed {
  records: number;
  outOfRange: number;
  matches: Match[];
  problems: Diagnostic[];
  notices: string[];
}

async function runStream(body: Buffer, rules: CompiledRule[], options: RunOptions): Promise<Observed> {
  const analyzer = new Analyzer({ rules });
  const diagnostics: Diagnostic[] = [];
  const seen: Observed = { records: 0, outOfRange: 0, matches: [], problems: [], notices: [] };
  for await (const batch of analyzeStream(
    Readable.from([body]),
    'test/AWSLogs/o-abcdefghij/111111111111/CloudTrail/us-east-1/2026/11/20/x.json.gz',
    analyzer,
    (p) => diagnostics.push(p),
    { ...options, maxProblemsPerFile: 1_000_000 },
  )) {
    seen.records += batch.records;
    seen.outOfRange += batch.outOfRange;
    seen.matches.push(...batch.matches);
  }
  seen.problems = diagnostics.filter((d) => d.severity !== 'notice');
  seen.notices = diagnostics.filter((d) => d.severity === 'notice').map((d) => d.message);
  return seen;
}

function outside(record: CloudTrailRecord, window: TimeWindow | undefined): boolean {
  if (!window) return false;
  const t = typeof record.eventTime === 'string' ? record.eventTime : undefined;
  return (
    (window.since !== undefined && (t === undefined || t < window.since)) ||
    (window.until !== undefined && (t === undefined || t > window.until))
  );
}

/** A match as a comparable line: rule position in `rules`, record index, account. */
function line(
  rules: CompiledRule[],
  m: { rule: unknown; source: { index: number }; accountId: string },
): string {
  const position = rules.findIndex((r) => r.meta === m.rule);
  return `rule ${position} (${rules[position]?.meta.title ?? 'not in this rule set'}) @ record ${m.source.index} account ${m.accountId}`;
}

/** A canonical text of a value: own keys in order (`__proto__` included), prototypes, -0. */
function canon(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && Object.is(value, -0)) return '-0';
    return value === undefined ? 'undefined' : JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canon).join(',')}]`;
  const proto = Object.getPrototypeOf(value) === Object.prototype ? '' : '<proto?>';
  const parts = Object.getOwnPropertyNames(value).map(
    (k) => `${JSON.stringify(k)}:${canon(Object.getOwnPropertyDescriptor(value, k)!.value)}`,
  );
  return `${proto}{${parts.join(',')}}`;
}

/** Records as a gzip log object, with what full parsing says about each. */
interface Corpus {
  cases: Case[];
  expected: Expected[];
  body: Buffer;
}

describe('the analyzer raw path equals full parsing', () => {
  let all: CompiledRule[];
  let loaded: CompiledRule[];
  let extra: CompiledRule[];
  /** Every case (runs without a time window). */
  let full: Corpus;
  /** The cases for runs with a time window. */
  let windowed: Corpus;
  let window: TimeWindow;
  let stratus = 0;

  beforeAll(() => {
    const bundle = loadRules(rulePaths);
    expect(bundle.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    loaded = bundle.rules;
    const own = parseRules(EXTRA_RULES, 'analyze-raw.test.yml');
    expect(own.diagnostics).toEqual([]);
    extra = own.rules;
    all = [...loaded, ...extra];

    const rng = makeRng(20261124);
    const synthetic = syntheticRecords(3000, { seed: 17 });
    const tests = ruleTestRecords(join(ROOT, 'rules'));
    const corpus = stratusRecords();
    stratus = corpus.length;
    const bases = [
      ...synthetic.slice(0, 200),
      ...tests.filter((_, i) => i % 4 === 0),
      ...corpus.slice(0, 40),
    ];
    // each base record gets a random fifth of the variants: every kind of variant over many bases
    const hostile = bases.flatMap((r) => variants(r, rng, 0.2));
    const cases: Case[] = [
      ...synthetic.map((r, i) => ({ what: `synthetic ${i}`, text: JSON.stringify(r) })),
      ...tests.map((r, i) => ({ what: `rule test record ${i}`, text: JSON.stringify(r) })),
      ...corpus.map((r, i) => ({ what: `stratus record ${i}`, text: JSON.stringify(r) })),
      ...hostile,
      ...SPECIAL,
    ];

    // the reference: JSON.parse and the reader's checks, then every rule on its own
    const reference = new Map<Case, Expected>();
    for (const c of cases) {
      const parsed = parseRawRecord({ index: 0, text: c.text });
      reference.set(
        c,
        parsed.kind === 'record'
          ? {
              kind: 'record',
              record: parsed.record,
              matched: new Set(all.filter((r) => r.match(parsed.record))),
            }
          : { kind: parsed.kind },
      );
    }
    const corpusOf = (list: Case[]): Corpus => ({
      cases: list,
      expected: list.map((c) => reference.get(c)!),
      body: gzipSync(`{"Records":[${list.map((c) => c.text).join(',\n')}]}`),
    });
    full = corpusOf(cases);
    windowed = corpusOf(cases.filter((c) => !c.windowless));

    const times = synthetic.map((r) => r.eventTime as string).sort();
    window = { since: times[Math.floor(times.length / 4)], until: times[Math.floor((times.length * 3) / 4)] };
  });

  /** The reference matches of `rules` as lines, in record order then rule order. */
  function reference(corpus: Corpus, rules: CompiledRule[], options: RunOptions): string[] {
    const lines: string[] = [];
    corpus.expected.forEach((e, index) => {
      if (e.kind !== 'record' || outside(e.record!, options.window)) return;
      const accountId = accountOf(e.record!, options.keyAccountId) ?? 'unknown';
      for (const rule of rules)
        if (e.matched!.has(rule)) lines.push(line(rules, { rule: rule.meta, source: { index }, accountId }));
    });
    return lines;
  }

  async function expectSameAsReference(rules: CompiledRule[], options: RunOptions): Promise<Observed> {
    const corpus = options.window ? windowed : full;
    const seen = await runStream(corpus.body, rules, options);
    const want = reference(corpus, rules, options);
    const got = seen.matches.map((m) => line(rules, m));
    const gotSet = new Set(got);
    const wantSet = new Set(want);
    const describe = (l: string) => {
      const index = Number(/@ record (\d+)/.exec(l)![1]);
      return `${l} — ${corpus.cases[index].what}: ${corpus.cases[index].text.slice(0, 300)}`;
    };
    expect({
      missing: want
        .filter((l) => !gotSet.has(l))
        .slice(0, 5)
        .map(describe),
      extra: got
        .filter((l) => !wantSet.has(l))
        .slice(0, 5)
        .map(describe),
    }).toEqual({ missing: [], extra: [] });
    expect(got).toEqual(want); // and in the same order

    // outcome counts and problems, as the reader would report them
    const records = corpus.expected.filter((e) => e.kind === 'record').length;
    const inRange = corpus.expected.filter(
      (e) => e.kind === 'record' && !outside(e.record!, options.window),
    ).length;
    expect(seen.records).toBe(records);
    expect(seen.outOfRange).toBe(records - inRange);
    const problemPaths = corpus.expected.flatMap((e, i) => (e.kind === 'problem' ? [`record ${i}`] : []));
    expect(seen.problems.map((p) => p.path)).toEqual(problemPaths);
    expect(seen.notices.sort()).toEqual([
      'CloudTrail Insights events skipped',
      'CloudTrail digest document skipped',
    ]);
    return seen;
  }

  /** The loaded rules and the dispatched rules written here (not K1, which sends every record to JSON.parse). */
  const ruleSet = () => [...loaded, ...extra.slice(1)];

  it('covers what it claims to cover', () => {
    expect(loaded.length).toBeGreaterThan(100);
    expect(extra.filter((r) => r.reads.whole)).toHaveLength(2);
    expect(extra[0].reads.whole && !extra[0].dispatch.eventName && !extra[0].dispatch.eventSource).toBe(true);
    expect(full.cases.length).toBeGreaterThan(6000);
    expect(windowed.cases.length).toBeLessThan(full.cases.length);
    const kinds = new Map<string, number>();
    for (const e of full.expected) kinds.set(e.kind, (kinds.get(e.kind) ?? 0) + 1);
    expect(kinds.get('problem')).toBeGreaterThan(50);
    expect(kinds.get('insight')).toBeGreaterThan(50);
    expect(kinds.get('digest')).toBe(2);
    const variantKinds = new Set(full.cases.map((c) => c.what.replace(/ \d+$/, '')));
    expect(variantKinds.size).toBeGreaterThan(50);
    const matching = full.expected.filter((e) => e.matched && e.matched.size > 0).length;
    expect(matching).toBeGreaterThan(1000);
    if (stratus > 0) expect(stratus).toBeGreaterThan(100);
  });

  it('for the whole rule set', async () => {
    const seen = await expectSameAsReference(ruleSet(), {});
    expect(seen.matches.length).toBeGreaterThan(1000);
  });

  it('for the whole rule set with the account from the object key', async () => {
    await expectSameAsReference(ruleSet(), { keyAccountId: '999988887777' });
  });

  it('for the whole rule set in a time window (since and until, since only, until only)', async () => {
    const seen = await expectSameAsReference(ruleSet(), { window });
    expect(seen.outOfRange).toBeGreaterThan(1000);
    await expectSameAsReference(ruleSet(), { window: { since: window.since } });
    await expectSameAsReference(
      ruleSet().filter((_, i) => i % 3 === 0),
      { window: { until: window.until } },
    );
  });

  it('for only the rules that always run', async () => {
    const always = all.filter((r) => !r.dispatch.eventName && !r.dispatch.eventSource && !r.reads.whole);
    expect(always.length).toBeGreaterThan(2);
    await expectSameAsReference(always, {});
  });

  it('for every 4th rule (two offsets), where candidate lists are short or empty', async () => {
    await expectSameAsReference(
      ruleSet().filter((_, i) => i % 4 === 0),
      {},
    );
    await expectSameAsReference(
      ruleSet().filter((_, i) => i % 4 === 2),
      { window, keyAccountId: '999988887777' },
    );
  });

  it('for only dispatched rules and single rules (most candidate lists are empty)', async () => {
    const dispatched = ruleSet().filter((r) => r.dispatch.eventName || r.dispatch.eventSource);
    expect(dispatched.length).toBeLessThan(ruleSet().length);
    await expectSameAsReference(dispatched, {});
    await expectSameAsReference(dispatched, { window });
    const byName = dispatched.find((r) => r.dispatch.eventName && !r.dispatch.eventNamePatterns?.length)!;
    const bySource = dispatched.find((r) => !r.dispatch.eventName && r.dispatch.eventSource)!;
    const byPattern = dispatched.find(
      (r) => r.dispatch.eventNamePatterns?.length || r.dispatch.eventSourcePatterns?.length,
    );
    for (const rule of [byName, bySource, byPattern]) if (rule) await expectSameAsReference([rule], {});
    expect(byName && bySource).toBeTruthy();
  });

  it('for the keyword rules (the whole record is parsed)', async () => {
    const keyword = all.filter((r) => r.reads.whole);
    const seen = await expectSameAsReference(keyword, {});
    expect(seen.matches.length).toBeGreaterThan(50);
  });

  it('gives each record the reader’s outcome when analyzed one at a time', async () => {
    const analyzer = new Analyzer({ rules: ruleSet() });
    for (const [corpus, w] of [
      [full, undefined],
      [windowed, window],
    ] as Array<[Corpus, TimeWindow | undefined]>) {
      const text = `[${corpus.cases.map((c) => c.text).join(',')}]`;
      const differences: string[] = [];
      let analyzed = 0;
      // As text (the splitter's JavaScript loop) and as bytes (its WebAssembly loop for ASCII pieces).
      for (const input of [text, Buffer.from(text)]) {
        const onProblem = (p: Diagnostic) => {
          const index = Number(/^record (\d+)$/.exec(p.path ?? '')?.[1] ?? -1);
          if (corpus.expected[index]?.kind !== 'problem')
            differences.push(`record ${index}: splitter problem ${p.message}`);
        };
        for await (const views of new RecordSource(input, 'f', onProblem)) {
          for (const view of views) {
            let outcome = analyzer.analyzeRaw(view, 'f', undefined, w);
            if (outcome instanceof Promise) outcome = await outcome;
            const e = corpus.expected[view.index];
            const want = e.kind === 'record' && outside(e.record!, w) ? 'out-of-range' : e.kind;
            if (outcome.kind !== want)
              differences.push(
                `record ${view.index} (${corpus.cases[view.index].what}): ${outcome.kind}, reader ${want}: ${view.text.slice(0, 200)}`,
              );
            analyzed++;
          }
        }
      }
      expect(differences.slice(0, 10)).toEqual([]);
      expect(analyzed).toBeGreaterThan(2 * (corpus.cases.length - 10));
    }
  });

  it('encodes a match that keeps its text like a plain match with the parsed record', async () => {
    const seen = await runStream(full.body, ruleSet(), {});
    expect(seen.matches.every((m) => m instanceof TextRecordMatch)).toBe(true);
    // one match per record (the record text is what differs between matches): every hostile
    // case, every 8th of the plain ones
    const plain = /^(synthetic|rule test record|stratus record) \d+$/;
    const firsts = new Map<number, TextRecordMatch>();
    for (const m of seen.matches as TextRecordMatch[]) {
      const index = m.source.index;
      if (!firsts.has(index) && (index % 8 === 0 || !plain.test(full.cases[index].what)))
        firsts.set(index, m);
    }
    for (const [index, m] of firsts) {
      const c = full.cases[index];
      const where = `record ${index} (${c.what})`;
      if (m.recordText !== c.text) throw new Error(`${where}: the match keeps other text than the record's`);
      const record = JSON.parse(c.text) as CloudTrailRecord;
      const plain: Match = { rule: m.rule, record, source: m.source, accountId: m.accountId };
      const want = canon(decodeMatch(JSON.stringify(plain)));
      const encoded = encodeMatch(m);
      if (canon(decodeMatch(encoded)) !== want)
        throw new Error(`${where}: ${encoded.slice(0, 300)} decodes differently`);
      if (canon(m.record) !== canon(record))
        throw new Error(`${where}: match.record differs from JSON.parse`);
      if (canon(JSON.parse(JSON.stringify(m))) !== want) throw new Error(`${where}: JSON.stringify differs`);
    }
    expect(firsts.size).toBeGreaterThan(500);
  });
});
