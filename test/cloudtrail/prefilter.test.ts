/**
 * Differential test of the raw-text prefilter: over synthetic, corpus and hostile records, a
 * record the prefilter skips is never matched by any rule, and the matches are identical.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildPrefilter } from '../../lambdas/cloudtrail/prefilter';
import { readEvents } from '../../lambdas/cloudtrail/read';
import { loadRules, parseRules, RuleIndex } from '../../lambdas/sigma';
import type { CloudTrailRecord, CompiledRule } from '../../lambdas/sigma/model';
import { syntheticRecords } from '../../scripts/synthetic-events';

const ROOT = join(__dirname, '..', '..');
/** The shared corpus beside the checkout (../shared), when present; these tests pass without it. */
const CORPUS = join(__dirname, '..', '..', '..', 'shared', 'corpus');
const rulePaths = [join(ROOT, 'rules'), join(CORPUS, 'sigmahq-aws', 'rules')].filter((p) => existsSync(p));

const WILDCARD_RULES = `
title: Prefilter Test Delete Calls
id: 7d0c3a52-8a8e-4d39-9c1e-5c2f0e7b0a01
status: test
logsource: { product: aws, service: cloudtrail }
detection:
  selection:
    eventName|startswith: Delete
  condition: selection
level: low
---
title: Prefilter Test KMS Source
id: 7d0c3a52-8a8e-4d39-9c1e-5c2f0e7b0a02
status: test
logsource: { product: aws, service: cloudtrail }
detection:
  selection:
    eventSource: kms.amazonaws.com
  condition: selection
level: low
`;

/** Hostile and odd shapes: case, arrays, numbers, escapes, nesting, duplicates, whitespace. */
function hostileTexts(): string[] {
  return [
    '{"eventName":"CONSOLELOGIN","eventSource":"SIGNIN.AMAZONAWS.COM","responseElements":{"ConsoleLogin":"Success"},"additionalEventData":{"MFAUsed":"No"},"userIdentity":{"type":"IAMUser"}}',
    '{"eventName":["ConsoleLogin"],"eventSource":"signin.amazonaws.com","additionalEventData":{"MFAUsed":"No"},"userIdentity":{"type":"IAMUser"}}',
    '{"eventName":7,"eventSource":"iam.amazonaws.com"}',
    '{"event\\u004eame":"StopLogging","eventSource":"cloudtrail.amazonaws.com"}',
    '{"eventName":"Stop\\u004cogging","eventSource":"cloudtrail.amazonaws.com"}',
    '{"eventName":"Stop\\"Logging","eventSource":"cloudtrail.amazonaws.com"}',
    '{ "eventName" :\n  "StopLogging" , "eventSource" : "cloudtrail.amazonaws.com" }',
    '{"requestParameters":{"eventName":"DescribeInstances"},"eventName":"StopLogging","eventSource":"cloudtrail.amazonaws.com"}',
    '{"eventName":"DescribeInstances","eventName":"StopLogging","eventSource":"cloudtrail.amazonaws.com"}',
    '{"eventName":"StopLogging","eventName":"DescribeInstances","eventSource":"cloudtrail.amazonaws.com"}',
    '{"eventSource":"kms.amazonaws.com","eventName":"ScheduleKeyDeletion"}',
    '{"eventSource":"kms.amazonaws.com"}',
    '{"x":"eventName","eventName":"DeleteTrail","eventSource":"cloudtrail.amazonaws.com"}',
    '{"eventName":"deletebucket","eventSource":"s3.amazonaws.com"}',
    '{"eventName":null,"eventSource":"s3.amazonaws.com"}',
    '{"noEvent":true}',
  ];
}

async function corpusTexts(): Promise<string[]> {
  const dir = join(CORPUS, 'stratus-red-team');
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for await (const r of readEvents([dir], () => undefined)) out.push(JSON.stringify(r.record));
  return out;
}

function check(
  rules: CompiledRule[],
  texts: string[],
): { skipped: number; matches: number; prefilteredMatches: number } {
  const index = new RuleIndex(rules);
  const prefilter = buildPrefilter(rules);
  let skipped = 0;
  let matches = 0;
  let prefilteredMatches = 0;
  for (const text of texts) {
    const record = JSON.parse(text) as CloudTrailRecord;
    const matched = index.match(record).length;
    matches += matched;
    if (prefilter.mayMatch(text)) {
      prefilteredMatches += matched;
    } else {
      skipped++;
      if (matched > 0) throw new Error(`prefilter skipped a matching record: ${text.slice(0, 300)}`);
    }
  }
  return { skipped, matches, prefilteredMatches };
}

describe('buildPrefilter', () => {
  let texts: string[];
  let allRules: CompiledRule[];
  beforeAll(async () => {
    const synthetic = syntheticRecords(4000, { seed: 99 });
    texts = [
      ...synthetic.map((r) => JSON.stringify(r)),
      ...synthetic.slice(0, 300).map((r) => JSON.stringify(r, null, 2)),
      ...(await corpusTexts()),
      ...hostileTexts(),
    ];
    allRules = [...loadRules(rulePaths).rules, ...parseRules(WILDCARD_RULES, 'prefilter-test.yml').rules];
  });

  it('with only dispatch-constrained rules: skips many records and changes no match', () => {
    const constrained = allRules.filter((r) => r.dispatch.eventName || r.dispatch.eventSource);
    expect(constrained.length).toBeGreaterThan(20);
    const prefilter = buildPrefilter(constrained);
    expect(prefilter.active).toBe(true);
    const result = check(constrained, texts);
    expect(result.matches).toBeGreaterThan(0);
    expect(result.prefilteredMatches).toBe(result.matches);
    // most synthetic noise is Describe*/List*/Get*, which a shipped correlation-input rule takes
    expect(result.skipped).toBeGreaterThan(texts.length / 10);
  });

  it('keeps hostile shapes that the engine might still match', () => {
    const rules = parseRules(WILDCARD_RULES, 'prefilter-test.yml').rules;
    const prefilter = buildPrefilter(rules);
    const [upper, array, number, escapedKey, escapedValue, escapedQuote, spaced, nested, dupFirst, dupLast] =
      hostileTexts();
    for (const text of [array, number, escapedKey, escapedValue, escapedQuote])
      expect(prefilter.mayMatch(text)).toBe(true);
    expect(prefilter.mayMatch(upper)).toBe(false);
    expect(prefilter.mayMatch(spaced)).toBe(false);
    expect(prefilter.mayMatch(nested)).toBe(false);
    expect(prefilter.mayMatch(dupFirst)).toBe(false);
    expect(prefilter.mayMatch(dupLast)).toBe(false);
    expect(prefilter.mayMatch('{"eventName":"DeleteTrail"}')).toBe(true);
    expect(prefilter.mayMatch('{"eventName":"deletebucket"}')).toBe(true);
    expect(prefilter.mayMatch('{"eventSource":"KMS.amazonaws.com","eventName":"Encrypt"}')).toBe(true);
    expect(check(rules, texts).prefilteredMatches).toBe(check(rules, texts).matches);
  });

  it('is off, keeping every record, when a rule has neither a dispatch constraint nor a required text', () => {
    const unconstrained = parseRules(
      'title: Not Denied\nid: 7d0c3a52-8a8e-4d39-9c1e-5c2f0e7b0a03\nlogsource: { product: aws, service: cloudtrail }\ndetection:\n  selection:\n    errorCode: AccessDenied\n  condition: not selection\nlevel: low\n',
      'any.yml',
    ).rules;
    expect(unconstrained).toHaveLength(1);
    const prefilter = buildPrefilter([...allRules, ...unconstrained]);
    expect(prefilter.active).toBe(false);
    expect(prefilter.describe()).toContain('off');
    expect(texts.every((t) => prefilter.mayMatch(t))).toBe(true);
  });
});
