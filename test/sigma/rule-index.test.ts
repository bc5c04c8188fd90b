/** RuleIndex dispatch: derived keys, buckets, subsets, and equivalence with evaluating every rule. */
import fc from 'fast-check';
import { parseRules, RuleIndex } from '../../src/sigma/index';
import type { CompiledRule } from '../../src/sigma/model';
import { ruleText } from './helpers';

let n = 0;
function rule(detection: string): CompiledRule {
  const id = `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;
  const bundle = parseRules(ruleText(detection).replace(/^id: .*$/m, `id: ${id}`), `r${n}.yml`);
  if (bundle.rules.length !== 1) throw new Error(JSON.stringify(bundle.diagnostics));
  return bundle.rules[0];
}

describe('dispatch keys', () => {
  it('takes exact lower-cased eventName values', () => {
    expect(
      rule(
        'sel:\n  eventSource: cloudtrail.amazonaws.com\n  eventName: [StopLogging, DeleteTrail]\ncondition: sel',
      ).dispatch,
    ).toEqual({
      eventName: ['deletetrail', 'stoplogging'],
      eventSource: ['cloudtrail.amazonaws.com'],
    });
  });
  it('keeps wildcards as patterns', () => {
    expect(rule('sel:\n  eventName|startswith: Delete\ncondition: sel').dispatch).toEqual({
      eventName: [],
      eventNamePatterns: ['delete*'],
    });
  });
  it('has no constraint when an OR branch is unconstrained, or under not', () => {
    expect(rule('a:\n  eventName: X\nb:\n  userAgent: y\ncondition: a or b').dispatch).toEqual({});
    expect(rule('a:\n  eventName: X\ncondition: not a').dispatch).toEqual({});
    expect(rule('a:\n  eventName|neq: X\ncondition: a').dispatch).toEqual({});
    expect(rule('a:\n  eventName|re: X\ncondition: a').dispatch).toEqual({});
    expect(rule('a:\n  eventName: [X, null]\ncondition: a').dispatch).toEqual({});
  });
  it('unions OR branches and picks a constrained side of AND', () => {
    expect(rule('a:\n  eventName: X\nb:\n  eventName: Y\ncondition: a or b').dispatch.eventName).toEqual([
      'x',
      'y',
    ]);
    expect(rule('a:\n  eventName: X\nb:\n  userAgent: y\ncondition: b and a').dispatch.eventName).toEqual([
      'x',
    ]);
    expect(
      rule('sel_a:\n  eventName: X\nsel_b:\n  eventName: Y\ncondition: 1 of sel_*').dispatch.eventName,
    ).toEqual(['x', 'y']);
  });
});

describe('RuleIndex', () => {
  const byName = rule('sel:\n  eventName: ConsoleLogin\ncondition: sel');
  const bySource = rule('sel:\n  eventSource: iam.amazonaws.com\ncondition: sel');
  const byPattern = rule("sel:\n  eventName: 'Delete*'\ncondition: sel");
  const always = rule('sel:\n  userIdentity.type: Root\ncondition: sel');
  const index = new RuleIndex([byName, bySource, byPattern, always]);

  it('places rules in buckets', () => {
    expect(index.stats()).toEqual({ byName: 1, bySource: 1, byPattern: 1, always: 1 });
  });
  it('returns only candidates that could match, case-insensitively', () => {
    expect(index.candidates({ eventName: 'consolelogin' })).toEqual([byName, always]);
    expect(index.candidates({ eventName: 'DeleteUser', eventSource: 'IAM.amazonaws.com' })).toEqual([
      bySource,
      byPattern,
      always,
    ]);
    expect(index.candidates({ eventName: 'GetObject' })).toEqual([always]);
  });
  it('match evaluates the candidates', () => {
    expect(index.match({ eventName: 'ConsoleLogin', userIdentity: { type: 'Root' } })).toEqual([
      byName,
      always,
    ]);
    expect(index.match({ eventName: 'ConsoleLogin', userIdentity: { type: 'IAMUser' } })).toEqual([byName]);
  });
  it('gives every rule to records with odd dispatch fields', () => {
    expect(index.candidates({ eventName: ['ConsoleLogin'] })).toHaveLength(4);
    expect(index.match({ eventName: ['ConsoleLogin'] })).toEqual([byName]);
  });
  it('tells apart pairs that share a slot of its recent lookups', () => {
    // Same lengths and end characters: one slot. Alternating, each must get its own candidates.
    const a = rule('sel:\n  eventName: CreateAbcZ\ncondition: sel');
    const b = rule('sel:\n  eventName: CreateXyzZ\ncondition: sel');
    const own = new RuleIndex([a, b, always]);
    for (let round = 0; round < 3; round++) {
      expect(own.lookup('CreateAbcZ', 'iam.amazonaws.com').rules).toEqual([a, always]);
      expect(own.lookup('CreateXyzZ', 'iam.amazonaws.com').rules).toEqual([b, always]);
      expect(own.lookup('CreateXyzZ', 'ixm.amazonaws.com').rules).toEqual([b, always]);
      expect(own.lookup('CreateXyzZ', undefined).rules).toEqual([b, always]);
      expect(own.lookup(undefined, 'iam.amazonaws.com').rules).toEqual([always]);
      expect(own.lookup('createabcz', 'iam.amazonaws.com').rules).toEqual([a, always]);
    }
  });
  it('builds a sub-index for a set of rule ids', () => {
    const sub = index.subset(new Set([byName.meta.id, always.meta.id]));
    expect(sub.rules).toEqual([byName, always]);
    expect(
      sub.match({
        eventName: 'DeleteUser',
        eventSource: 'iam.amazonaws.com',
        userIdentity: { type: 'Root' },
      }),
    ).toEqual([always]);
  });

  it('matches exactly what evaluating every rule matches (property)', () => {
    const names = [
      'ConsoleLogin',
      'consolelogin',
      'DeleteUser',
      'DeleteTrail',
      'GetObject',
      'StopLogging',
      'X',
    ];
    const sources = [
      'iam.amazonaws.com',
      'IAM.AMAZONAWS.COM',
      's3.amazonaws.com',
      'cloudtrail.amazonaws.com',
    ];
    const rules = [
      byName,
      bySource,
      byPattern,
      always,
      rule('a:\n  eventName: StopLogging\nb:\n  eventSource: s3.amazonaws.com\ncondition: a or b'),
      rule("a:\n  eventName|contains: 'og'\n  eventSource: cloudtrail.amazonaws.com\ncondition: a"),
      rule('a:\n  eventName: X\nf:\n  eventSource: iam.amazonaws.com\ncondition: a and not f'),
    ];
    const idx = new RuleIndex(rules);
    fc.assert(
      fc.property(
        fc.option(fc.constantFrom(...names)),
        fc.option(fc.constantFrom(...sources)),
        fc.constantFrom('Root', 'IAMUser'),
        (name, source, type) => {
          const record: Record<string, unknown> = { userIdentity: { type } };
          if (name !== null) record.eventName = name;
          if (source !== null) record.eventSource = source;
          expect(idx.match(record)).toEqual(rules.filter((r) => r.match(record)));
        },
      ),
      { numRuns: 300 },
    );
  });
});
