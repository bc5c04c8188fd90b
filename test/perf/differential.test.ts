/**
 * Differential test of the optimised detection path: the rule index (cached dispatch, required
 * literals before regexes) and the analyzer's raw-text path (partial parsing) give exactly the
 * matches of a straightforward evaluation (every rule's own `match` on every record) over
 * synthetic events, hostile variants of them (escaped and unicode JSON, odd casing, arrays,
 * dotted keys) and, when present, the Stratus Red Team corpus with the SigmaHQ rules. The
 * linear-time regex engine gives V8's answers on those rules' `|re` patterns over the same values.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { readEvents } from '../../src/cloudtrail/read';
import { loadRules, RuleIndex } from '../../src/sigma';
import type { CloudTrailRecord } from '../../src/core';
import type { CompiledRule } from '../../src/sigma/model';
import type { Match } from '../../src/alerts/alert';
import { Analyzer } from '../../src/runtime/analyze';
import { analyzeObject } from '../../src/runtime/analyze-object';
import { compileRegex } from '../../src/regex/compile';
import { rulePatterns } from '../../scripts/regex-patterns';
import { makeRng, syntheticRecords } from '../../scripts/synthetic-events';
import { isProblem } from '../../src/core';

const ROOT = join(__dirname, '..', '..');
/** The shared corpus beside the checkout (../shared), when present; these tests pass without it. */
const CORPUS = join(__dirname, '..', '..', '..', 'shared', 'corpus');
const rulePaths = [join(ROOT, 'rules'), join(CORPUS, 'sigmahq-aws', 'rules')].filter((p) => existsSync(p));

/** JSON text with some characters written as \uXXXX (and `/` as `\/`): parses to the same value. */
function escapedJson(value: unknown, rng: () => number): string {
  return JSON.stringify(value).replace(/"((?:[^"\\]|\\.)*)"/g, (whole, body: string) =>
    rng() < 0.3
      ? // Escape sequences already in the text (\n, \") stay as they are; other letters may be re-written.
        `"${body.replace(/\\u[0-9a-fA-F]{4}|\\.|[A-Za-z/:]/g, (c) => (c.length > 1 || rng() >= 0.5 ? c : c === '/' ? '\\/' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`))}"`
      : whole,
  );
}

function randomCase(text: string, rng: () => number): string {
  return [...text].map((c) => (rng() < 0.5 ? c.toUpperCase() : c.toLowerCase())).join('');
}

/** Hostile variants of a record: case games, arrays, dotted keys, non-ASCII neighbours. */
function variants(record: Record<string, unknown>, rng: () => number): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const clone = (): Record<string, unknown> => JSON.parse(JSON.stringify(record)) as Record<string, unknown>;
  const cased = clone();
  for (const key of ['eventName', 'eventSource', 'errorCode'])
    if (typeof cased[key] === 'string') cased[key] = randomCase(cased[key] as string, rng);
  const identity = cased.userIdentity as Record<string, unknown> | undefined;
  if (identity && typeof identity.type === 'string') identity.type = randomCase(identity.type, rng);
  out.push(cased);
  const arrays = clone();
  arrays.eventName = [arrays.eventName];
  if (arrays.userIdentity) arrays.userIdentity = [arrays.userIdentity, { type: 'Root' }];
  out.push(arrays);
  const dotted = clone();
  const id = dotted.userIdentity as Record<string, unknown> | undefined;
  if (id) {
    delete dotted.userIdentity;
    for (const [k, v] of Object.entries(id)) dotted[`userIdentity.${k}`] = v;
  }
  out.push(dotted);
  const unicode = clone();
  unicode.userAgent = `caf\u00e9 ${String(unicode.userAgent ?? '')} \u212Aelvin`;
  out.push(unicode);
  return out;
}

const ids = (rules: readonly CompiledRule[]): string[] => rules.map((r) => r.meta.id);

describe('optimised detection equals straightforward evaluation', () => {
  let rules: CompiledRule[];
  let records: Record<string, unknown>[];
  let texts: string[];

  beforeAll(async () => {
    rules = loadRules(rulePaths).rules;
    const rng = makeRng(2026);
    const base = syntheticRecords(2500, { seed: 11 });
    records = [...base, ...base.slice(0, 400).flatMap((r) => variants(r, rng))];
    if (existsSync(join(CORPUS, 'stratus-red-team')))
      for await (const item of readEvents([join(CORPUS, 'stratus-red-team')], () => undefined))
        records.push(item.record);
    texts = records.map((r, i) => (i % 3 === 0 ? escapedJson(r, rng) : JSON.stringify(r)));
  });

  it('the rule index matches what every rule says on its own', () => {
    expect(rules.length).toBeGreaterThan(30);
    const index = new RuleIndex(rules);
    let matches = 0;
    const differences: string[] = [];
    for (let pass = 0; pass < 2; pass++) {
      // the second pass runs on cached candidate lists
      records.forEach((record, i) => {
        const expected = ids(rules.filter((r) => r.match(record as CloudTrailRecord))).join(',');
        const actual = ids(index.match(record as CloudTrailRecord)).join(',');
        if (actual !== expected) differences.push(`record ${i}: index [${actual}] vs rules [${expected}]`);
        matches += expected === '' ? 0 : 1;
      });
    }
    expect(differences.slice(0, 5)).toEqual([]);
    expect(matches).toBeGreaterThan(records.length / 2);
  });

  it('the linear-time regex engine answers as V8 does on every |re pattern of the rules', () => {
    const patterns = rulePatterns(rulePaths);
    expect(patterns.length).toBeGreaterThanOrEqual(5);
    const leaves: string[] = [];
    const collect = (v: unknown): void => {
      if (typeof v === 'string') leaves.push(v);
      else if (v && typeof v === 'object') Object.values(v).forEach(collect);
    };
    records.forEach(collect);
    const differences: string[] = [];
    let matched = 0;
    for (const { source, flags, file } of patterns) {
      const compiled = compileRegex(source, flags);
      if (isProblem(compiled)) throw new Error(`${file}: ${compiled.problem}`);
      const v8 = new RegExp(source, flags);
      for (const leaf of leaves) {
        const expected = v8.test(leaf);
        matched += expected ? 1 : 0;
        if (compiled.regex.test(leaf) !== expected) differences.push(`${source} on ${JSON.stringify(leaf)}`);
      }
    }
    expect(differences.slice(0, 5)).toEqual([]);
    expect(matched).toBeGreaterThan(0);
  });

  it('escaped JSON text parses to the same record', () => {
    const differing = texts.filter((t, i) => JSON.stringify(JSON.parse(t)) !== JSON.stringify(records[i]));
    expect(differing).toEqual([]);
    expect(texts.some((t) => t.includes('\\u00'))).toBe(true);
  });

  it('analyzeObject (partial parsing of the raw text) counts every record and sends exactly the reference matches', async () => {
    const body = gzipSync(`{"Records":[${texts.join(',\n')}]}`);
    const ref = {
      bucket: 'org-trail',
      key: 'AWSLogs/o-abcdefghij/111111111111/CloudTrail/us-east-1/2026/11/20/111111111111_CloudTrail_us-east-1_20261120T0000Z_x.json.gz',
    };
    const run = async (analyzer: Analyzer) => {
      const sent: Match[] = [];
      const result = await analyzeObject(ref, {
        open: async () => Readable.from([body]),
        analyzer,
        sink: { send: async (m) => void sent.push(...m) },
      });
      return { result, sent: sent.map((m) => `${m.rule.id}@${m.source.index}`) };
    };
    const a = await run(new Analyzer({ rules }));
    // Reference: every rule's own match on JSON.parse of every record.
    const expected = texts.flatMap((text, index) =>
      rules.filter((r) => r.match(JSON.parse(text) as CloudTrailRecord)).map((r) => `${r.meta.id}@${index}`),
    );
    expect(a.result.records).toBe(texts.length);
    expect(a.sent).toEqual(expected);
    expect(a.result.matches).toBe(expected.length);
    expect(a.result.matches).toBeGreaterThan(0);
  });
});
