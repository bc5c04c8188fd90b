/** Tests for the small matchers shared by exceptions and routing: wildcards, IP ranges, OU paths, rule references. */
import fc from 'fast-check';
import { compileIpRange, ipInRanges, parseIp } from '../../src/org/ip-match';
import { normalizeOuPath, ouAncestors } from '../../src/org/ou-path';
import { compileRuleRef, ruleRelativePath } from '../../src/org/rule-ref';
import { wildcardMatch } from '../../src/org/wildcard';
import type { RuleMeta } from '../../src/sigma/model';

/** Reference implementation: the same wildcard language as an anchored regular expression. */
function reference(pattern: string, text: string): boolean {
  const body = [...pattern]
    .map((c) => (c === '*' ? '[\\s\\S]*' : c === '?' ? '[\\s\\S]' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, 'i').test(text);
}

describe('wildcardMatch', () => {
  it('agrees with a regular-expression reference on random patterns', () => {
    const alphabet = fc.constantFrom('a', 'b', 'A', '*', '?', '.', '/');
    fc.assert(
      fc.property(
        fc.string({ unit: alphabet, maxLength: 8 }),
        fc.string({ unit: fc.constantFrom('a', 'b', 'B', '.', '/'), maxLength: 12 }),
        (p, t) => {
          expect(wildcardMatch(p, t)).toBe(reference(p, t));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('stays fast on patterns that would make a backtracking matcher explode', () => {
    const started = Date.now();
    expect(wildcardMatch('*a*a*a*a*a*a*a*a*a*b', 'a'.repeat(5000))).toBe(false);
    expect(Date.now() - started).toBeLessThan(500);
  });
});

describe('IP ranges', () => {
  it('accepts strict addresses only', () => {
    expect(parseIp('10.0.0.1')?.toString()).toBe('10.0.0.1');
    expect(parseIp('::ffff:10.0.0.1')?.toString()).toBe('10.0.0.1');
    expect(parseIp('2001:DB8::1')?.toString()).toBe('2001:db8::1');
    for (const bad of [
      '10.1',
      '0x0a.0.0.1',
      '010.0.0.1',
      'ec2.amazonaws.com',
      '',
      '1.2.3.4x',
      'AWS Internal',
    ]) {
      expect(parseIp(bad)).toBeUndefined();
    }
  });

  it('matches any address inside an IPv4 CIDR and none outside it', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 0, max: 32 }), fc.ipV4(), (base, bits, candidate) => {
        const range = compileIpRange(`${base}/${bits}`);
        if ('problem' in range) throw new Error(range.problem);
        const toInt = (ip: string) => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
        const expected =
          Math.floor(toInt(base) / 2 ** (32 - bits)) === Math.floor(toInt(candidate) / 2 ** (32 - bits));
        expect(ipInRanges(candidate, [range])).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });
});

describe('OU paths', () => {
  it('normalizes and refuses malformed paths', () => {
    expect(normalizeOuPath('/')).toBe('/');
    expect(normalizeOuPath('/Workloads/Production/')).toBe('/Workloads/Production');
    for (const bad of ['', 'Workloads', '//', '/a//b', '/a/\u0000', '/ /x'])
      expect(normalizeOuPath(bad)).toBeUndefined();
    expect(ouAncestors('/A/B/C')).toEqual(['/', '/A', '/A/B', '/A/B/C']);
  });
});

describe('rule references', () => {
  const rule: RuleMeta = {
    id: 'abc',
    title: 'A Title [v2]',
    level: 'low',
    tags: [],
    references: [],
    falsepositives: [],
    file: 'rules/sigma/x/y.yml',
    line: 1,
  };
  it('finds the path relative to the rules directory', () => {
    expect(ruleRelativePath('/repo/rules/sigma/x/y.yml')).toBe('sigma/x/y.yml');
    expect(ruleRelativePath('/repo/detections/sigma/x/y.yml', '/repo/detections')).toBe('sigma/x/y.yml');
    expect(ruleRelativePath('other/y.yml')).toBe('other/y.yml');
  });
  it('never throws on odd references', () => {
    for (const ref of ['[', 'sigma/[/**', '***', '?', 'a title [v2]', '{a,b'])
      expect(() => compileRuleRef(ref)(rule)).not.toThrow();
    expect(compileRuleRef('a title [v2]')(rule)).toBe(true);
  });
  it('reads a GuardDuty reference as an id or an id wildcard, never a path, though it holds a slash', () => {
    const finding = { ...rule, id: 'guardduty:Recon:EC2/PortProbeUnprotectedPort', file: 'guardduty' };
    for (const ref of [
      'guardduty:Recon:EC2/PortProbeUnprotectedPort',
      'guardduty:Recon:EC2/*',
      'guardduty:*',
    ])
      expect(compileRuleRef(ref)(finding)).toBe(true);
    expect(compileRuleRef('guardduty:Backdoor:EC2/*')(finding)).toBe(false);
    expect(compileRuleRef('guardduty:Recon:EC2/*')(rule)).toBe(false);
  });
});
