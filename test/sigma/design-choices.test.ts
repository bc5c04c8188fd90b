/** Pins each Sigma semantics choice the README's "Sigma semantics" lists, one block per choice. */
import { bundleOf, ruleOf } from './helpers';

const sel = (body: string, condition = 'selection') =>
  ruleOf(`selection:\n${body.replace(/^/gm, '  ')}\ncondition: ${condition}`);

describe('Sigma semantics where the specification leaves a choice open', () => {
  it('dotted field paths descend into objects; a literal dotted key is tried first', () => {
    const rule = sel('userIdentity.sessionContext.sessionIssuer.type: Role');
    expect(rule.match({ userIdentity: { sessionContext: { sessionIssuer: { type: 'Role' } } } })).toBe(true);
    const literal = sel('a.b: literal');
    expect(literal.match({ 'a.b': 'literal', a: { b: 'nested' } })).toBe(true);
    expect(sel('a.b: nested').match({ 'a.b': 'literal', a: { b: 'nested' } })).toBe(false);
    expect(literal.match({ a: { b: 'literal' } })).toBe(true);
    expect(sel('a.b.c: x').match({ a: { 'b.c': 'x' } })).toBe(true);
  });

  it('a path that meets an array matches when any element matches', () => {
    const rule = sel('resources.ARN|endswith: :secret-b');
    expect(rule.match({ resources: [{ ARN: 'arn:a:secret-a' }, { ARN: 'arn:a:secret-b' }] })).toBe(true);
    expect(rule.match({ resources: [{ ARN: 'arn:a:secret-a' }] })).toBe(false);
    expect(sel('tags: prod').match({ tags: ['dev', 'PROD'] })).toBe(true);
  });

  it('strings compare case-insensitively unless |cased', () => {
    expect(sel('eventName: stoplogging').match({ eventName: 'StopLogging' })).toBe(true);
    expect(sel('eventName|cased: stoplogging').match({ eventName: 'StopLogging' })).toBe(false);
  });

  it('|re is an unanchored search, case-sensitive unless |re|i', () => {
    expect(sel("a|re: 'b+c'").match({ a: 'xxbbcxx' })).toBe(true);
    expect(sel("a|re: 'B'").match({ a: 'b' })).toBe(false);
    expect(sel("a|re|i: 'B'").match({ a: 'b' })).toBe(true);
  });

  it('scalars compare by their text: \'true\' matches JSON true, 42 matches "42"', () => {
    expect(sel("readOnly: 'true'").match({ readOnly: true })).toBe(true);
    expect(sel('readOnly: true').match({ readOnly: 'true' })).toBe(true);
    expect(sel('readOnly: true').match({ readOnly: false })).toBe(false);
    expect(sel('port: 42').match({ port: '42' })).toBe(true);
    expect(sel("port: '42'").match({ port: 42 })).toBe(true);
    expect(sel('port: 42').match({ port: 43 })).toBe(false);
  });

  it('field: null matches an absent field or JSON null, not an empty string', () => {
    const rule = sel('errorCode: null');
    expect(rule.match({})).toBe(true);
    expect(rule.match({ errorCode: null })).toBe(true);
    expect(rule.match({ errorCode: '' })).toBe(false);
    expect(rule.match({ errorCode: 'AccessDenied' })).toBe(false);
  });

  it("'' matches an empty string only", () => {
    const rule = sel("errorCode: ''");
    expect(rule.match({ errorCode: '' })).toBe(true);
    expect(rule.match({})).toBe(false);
    expect(rule.match({ errorCode: null })).toBe(false);
    expect(rule.match({ errorCode: 'x' })).toBe(false);
  });

  it('|exists tests the key, whatever its value', () => {
    expect(sel('errorCode|exists: true').match({ errorCode: null })).toBe(true);
    expect(sel('errorCode|exists: true').match({ errorCode: '' })).toBe(true);
    expect(sel('errorCode|exists: false').match({ errorCode: null })).toBe(false);
  });

  it('a string value against an object-valued field matches when any scalar leaf below it matches', () => {
    const rule = sel('requestParameters|contains: 0.0.0.0/0');
    const record = {
      requestParameters: { ipPermissions: { items: [{ ipRanges: { items: [{ cidrIp: '0.0.0.0/0' }] } }] } },
    };
    expect(rule.match(record)).toBe(true);
    expect(rule.match({ requestParameters: { groupId: 'sg-1' } })).toBe(false);
    expect(sel('requestParameters: sg-1').match({ requestParameters: { groupId: 'sg-1' } })).toBe(true);
  });

  it('keywords are a case-insensitive substring of any scalar leaf', () => {
    const rule = ruleOf('keywords:\n  - trufflehog\n  - s3browser\ncondition: keywords');
    expect(rule.match({ userAgent: 'TruffleHog v3' })).toBe(true);
    expect(rule.match({ deep: { list: [1, { ua: 'x-S3Browser-y' }] } })).toBe(true);
    expect(rule.match({ userAgent: 'aws-cli' })).toBe(false);
    const all = ruleOf("keywords:\n  '|all':\n    - alpha\n    - beta\ncondition: keywords");
    expect(all.match({ a: 'ALPHA', b: ['xbetax'] })).toBe(true);
    expect(all.match({ a: 'alpha' })).toBe(false);
    expect(ruleOf('keywords:\n  - 42\ncondition: keywords').match({ n: 1420 })).toBe(true);
  });

  it('neq negates the whole item (an absent field is not equal)', () => {
    const rule = sel('errorCode|neq: AccessDenied');
    expect(rule.match({ errorCode: 'Throttling' })).toBe(true);
    expect(rule.match({ errorCode: 'accessdenied' })).toBe(false);
    expect(rule.match({})).toBe(true);
    expect(sel('tags|neq: prod').match({ tags: ['dev', 'prod'] })).toBe(false);
  });

  it('1 of / all of a pattern that names no identifier is false, and validation warns', () => {
    const text = 'selection:\n  eventName: X\ncondition: selection or 1 of nothing_*';
    const bundle = bundleOf(text);
    expect(bundle.diagnostics).toEqual([
      expect.objectContaining({
        severity: 'warning',
        message: expect.stringContaining("'1 of nothing_*' names no search identifier"),
      }),
    ]);
    expect(bundle.rules[0].match({ eventName: 'X' })).toBe(true);
    expect(bundle.rules[0].match({ eventName: 'Y' })).toBe(false);
    const allOf = bundleOf('selection:\n  eventName: X\ncondition: selection and not all of nothing_*')
      .rules[0];
    expect(allOf.match({ eventName: 'X' })).toBe(true); // `all of` nothing is false, so `not` it is true
  });

  it('identifiers starting with _ are left out of them', () => {
    const rule = ruleOf('sel:\n  eventName: A\n_helper:\n  eventName: B\ncondition: 1 of them');
    expect(rule.match({ eventName: 'A' })).toBe(true);
    expect(rule.match({ eventName: 'B' })).toBe(false);
    const all = ruleOf('sel:\n  eventName: A\n_never:\n  eventName: B\ncondition: all of them');
    expect(all.match({ eventName: 'A' })).toBe(true);
    const explicit = ruleOf('sel:\n  eventName: A\n_helper:\n  eventName: B\ncondition: sel or _helper');
    expect(explicit.match({ eventName: 'B' })).toBe(true);
  });
});
