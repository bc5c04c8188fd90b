/**
 * Property-based fuzzing (fast-check) of everything that reads attacker- or author-controlled
 * input: the rule parser, the condition parser, the record splitter, the accounts.yaml loader and
 * the matcher. 10,000 generated inputs each; the only acceptable outcomes are a result or a typed
 * error (diagnostics, ConditionError), never a crash or a hang.
 */
import fc from 'fast-check';
import { parseRawRecord } from '../../src/cloudtrail/read';
import { RecordSource } from '../../src/cloudtrail/raw';
import { parseAccountsConfig } from '../../src/org/config';
import { ConditionError, parseCondition } from '../../src/sigma/condition';
import { parseRules, RuleIndex } from '../../src/sigma/index';
import type { Diagnostic } from '../../src/core';

const RUNS = 10_000;

/** Sigma-looking YAML built from fragments: keys, modifiers, values and conditions in odd combinations. */
const fieldName = fc.constantFrom(
  'eventName',
  'eventSource',
  'userIdentity.arn',
  'requestParameters',
  'a.b.c',
  'errorCode',
  '_x',
  'x y',
);
const modifiers = fc.subarray([
  'contains',
  'startswith',
  'endswith',
  'all',
  're',
  'i',
  'cidr',
  'base64',
  'base64offset',
  'wide',
  'windash',
  'exists',
  'cased',
  'neq',
  'gt',
  'lte',
  'hour',
  'fieldref',
  'expand',
  'bogus',
]);
const scalar = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom('*', '?', '\\*', '(a+)+$', '10.0.0.0/8', '%ph%', "'"),
);
const item = fc.tuple(fieldName, modifiers, fc.oneof(scalar, fc.array(scalar, { maxLength: 3 })));
const conditionText = fc.oneof(
  fc.constantFrom(
    'sel',
    'sel and not f',
    '1 of sel*',
    'all of them',
    'sel | count() > 5',
    '(sel or',
    'not not sel',
    'sel near f',
    'them',
    '1 of x*',
  ),
  fc
    .array(
      fc.constantFrom('sel', 'f', 'and', 'or', 'not', '(', ')', '1 of', 'all of', 'them', 'sel*', '|', 'x'),
      { maxLength: 12 },
    )
    .map((t) => t.join(' ')),
);

function ruleYaml(items: [string, string[], unknown][], condition: string, logsource: boolean): string {
  const lines = items.map(
    ([f, mods, v]) => `    ${JSON.stringify([f, ...mods].join('|'))}: ${JSON.stringify(v)}`,
  );
  return [
    'title: fuzz',
    logsource ? 'logsource: { product: aws, service: cloudtrail }' : 'logsource: { product: windows }',
    'detection:',
    '  sel:',
    ...(lines.length ? lines : ['    eventName: x']),
    '  f: [keyword, "*wild*"]',
    `  condition: ${JSON.stringify(condition)}`,
    'level: high',
  ].join('\n');
}

describe('fuzzing', () => {
  it('rule parser: arbitrary text and Sigma-shaped documents give a bundle, never an exception', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc
            .tuple(fc.array(item, { maxLength: 4 }), conditionText, fc.boolean())
            .map(([items, c, l]) => ruleYaml(items as [string, string[], unknown][], c, l)),
        ),
        (text) => {
          const bundle = parseRules(text, 'fuzz.yml');
          for (const d of bundle.diagnostics) expect(typeof d.message).toBe('string');
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('condition parser: only ConditionError, never anything else', () => {
    fc.assert(
      fc.property(fc.oneof(conditionText, fc.string({ maxLength: 60 })), (text) => {
        try {
          parseCondition(text);
        } catch (err) {
          expect(err).toBeInstanceOf(ConditionError);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('record source: any chunking of any text yields records or problems, each parsed to a record or a typed problem', async () => {
    const jsonish = fc.oneof(
      fc.string({ maxLength: 120 }),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify({ Records: [v, { eventName: 'x' }] })),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify([v])),
      fc
        .array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 })
        .map((vs) => vs.map((v) => JSON.stringify(v)).join('\n')),
    );
    await fc.assert(
      fc.asyncProperty(jsonish, fc.array(fc.nat(), { maxLength: 4 }), async (text, cuts) => {
        const bytes = Buffer.from(text);
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const chunks: Buffer[] = [];
        let last = 0;
        for (const p of points) {
          chunks.push(bytes.subarray(last, p));
          last = p;
        }
        chunks.push(bytes.subarray(last));
        const problems: Diagnostic[] = [];
        for await (const views of new RecordSource(chunks, 'fuzz.json', (p) => problems.push(p)))
          for (const view of views)
            expect(['record', 'digest', 'insight', 'problem']).toContain(parseRawRecord(view).kind);
        for (const p of problems) expect(typeof p.message).toBe('string');
      }),
      { numRuns: RUNS },
    );
  });

  it('accounts.yaml loader: arbitrary text and shapes give diagnostics, never an exception', () => {
    const shaped = fc
      .record({
        organization: fc.oneof(
          fc.constant({
            id: 'o-abcdefghij',
            managementAccountId: '111111111111',
            securityAccountId: '222222222222',
            homeRegion: 'us-east-1',
          }),
          fc.jsonValue({ maxDepth: 2 }),
        ),
        trail: fc.jsonValue({ maxDepth: 2 }),
        destinations: fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), {
          maxKeys: 3,
        }),
        organizationalUnits: fc.dictionary(
          fc.constantFrom('/', '/A', 'ou-ab12-abcdefgh', 'bad'),
          fc.jsonValue({ maxDepth: 3 }),
          { maxKeys: 3 },
        ),
        exceptions: fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 2 }),
      })
      .map((o) => JSON.stringify(o));
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), shaped), (text) => {
        const result = parseAccountsConfig(text, 'accounts.yaml');
        if (!result.config) expect(result.diagnostics.length).toBeGreaterThan(0);
      }),
      { numRuns: RUNS },
    );
  });

  it('matcher: every modifier against arbitrary events returns a boolean', () => {
    const bundle = parseRules(
      [
        ['eventName|contains|all', ['Get', 'Secret']],
        ['requestParameters|contains', 'admin'],
        ['sourceIPAddress|cidr', ['10.0.0.0/8', '2001:db8::/32']],
        ['eventTime|hour|gte', 20],
        ['userIdentity.arn|re|i', 'role/(admin|root)'],
        ['errorCode|exists', true],
        ['userAgent|base64offset|contains', 'curl'],
        ['requestParameters.userName|fieldref', 'userIdentity.userName'],
        ['responseElements|neq', 'x'],
        ['a.b|windash|contains', '-flag'],
      ]
        .map(
          ([f, v], i) =>
            `title: r${i}\nlogsource: { product: aws, service: cloudtrail }\ndetection:\n  sel:\n    ${JSON.stringify(f)}: ${JSON.stringify(v)}\n  kw: ['*x*']\n  condition: sel or kw\nlevel: low`,
        )
        .join('\n---\n'),
      'fuzz.yml',
    );
    expect(bundle.rules).toHaveLength(10);
    const index = new RuleIndex(bundle.rules);
    const event = fc.dictionary(
      fc.constantFrom(
        'eventName',
        'eventSource',
        'requestParameters',
        'sourceIPAddress',
        'eventTime',
        'userIdentity',
        'errorCode',
        'userAgent',
        'responseElements',
        'a',
        '__proto__',
        'constructor',
      ),
      fc.jsonValue({ maxDepth: 3 }),
    );
    fc.assert(
      fc.property(event, (record) => {
        for (const rule of bundle.rules) expect(typeof rule.match(record)).toBe('boolean');
        expect(Array.isArray(index.match(record))).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });
});
