/**
 * The prefilter's required-text part: rules without an eventName/eventSource constraint keep it
 * on through the texts their detection needs, and no record it skips is matched by any rule.
 */
import { buildPrefilter } from '../../lambdas/cloudtrail/prefilter';
import { parseRules, RuleIndex } from '../../lambdas/sigma';
import type { CloudTrailRecord, CompiledRule } from '../../lambdas/sigma/model';

function rule(title: string, id: string, detection: string): string {
  return `title: ${title}\nid: ${id}\nlogsource: { product: aws, service: cloudtrail }\ndetection:\n${detection}\nlevel: low\n---\n`;
}

const RULES = [
  rule(
    'IMDS',
    '1a1a1a1a-0000-4000-8000-000000000001',
    "  selection:\n    userIdentity.arn|re: '.+:assumed-role/aws:.+'\n  condition: selection",
  ),
  rule(
    'Root',
    '1a1a1a1a-0000-4000-8000-000000000002',
    '  selection:\n    userIdentity.type: Root\n  condition: selection',
  ),
  rule(
    'Count',
    '1a1a1a1a-0000-4000-8000-000000000003',
    '  selection:\n    responseElements.count: 5\n  condition: selection',
  ),
  rule(
    'Cased',
    '1a1a1a1a-0000-4000-8000-000000000004',
    '  selection:\n    userAgent|contains|cased: Boto3/\n  condition: selection',
  ),
  rule(
    'Delivered',
    '1a1a1a1a-0000-4000-8000-000000000005',
    "  selection:\n    userIdentity.sessionContext.ec2RoleDelivery: '*'\n  condition: selection",
  ),
].join('');

const TEXTS = [
  '{"eventName":"GetObject","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/x"}}',
  '{"eventName":"GetObject","userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::1:assumed-role/aws:ec2-instance/i-1"}}',
  '{"eventName":"GetObject","userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::1:assumed-role\\/aws:ec2-instance/i-1"}}',
  '{"eventName":"GetObject","userIdentity":{"type":"ROOT"}}',
  '{"eventName":"GetObject","userIdentity":{"type":"R\\u006fot"}}',
  '{"eventName":"GetObject","userIdentity":{"type":"ROOT"},"note":"caf\u00e9"}',
  '{"eventName":"GetObject","userIdentity":{"type":["x","Root"]}}',
  '{"eventName":"GetObject","responseElements":{"count":5e0}}',
  '{"eventName":"GetObject","responseElements":{"count":"5"}}',
  '{"eventName":"GetObject","responseElements.count":5}',
  '{"eventName":"GetObject","userAgent":"boto3/1.2"}',
  '{"eventName":"GetObject","userAgent":"aws-cli Boto3/1.2"}',
  '{"eventName":"GetObject","userIdentity":{"sessionContext.ec2RoleDelivery":"2.0"}}',
  '{"eventName":"GetObject","userIdentity":{"sessionContext":{"ec2RoleDelivery":null}}}',
  '{"eventName":"GetObject","userIdentity":{"type":"AssumedRole"}}',
];

function check(rules: CompiledRule[], texts: string[]): { kept: boolean[]; matched: boolean[] } {
  const index = new RuleIndex(rules);
  const prefilter = buildPrefilter(rules);
  const kept = texts.map((t) => prefilter.mayMatch(t));
  const matched = texts.map((t) => index.match(JSON.parse(t) as CloudTrailRecord).length > 0);
  matched.forEach((m, i) => {
    if (m && !kept[i]) throw new Error(`prefilter skipped a matching record: ${texts[i]}`);
  });
  return { kept, matched };
}

describe('prefilter required texts', () => {
  const rules = parseRules(RULES, 'literals.yml').rules;

  it('stays on for rules without dispatch keys that need a text', () => {
    expect(rules).toHaveLength(5);
    expect(rules.every((r) => !r.dispatch.eventName && !r.dispatch.eventSource)).toBe(true);
    const prefilter = buildPrefilter(rules);
    expect(prefilter.active).toBe(true);
    expect(prefilter.describe()).toContain('5 rules by');
  });

  it('skips exactly the records no rule can match, keeping escaped and non-ASCII ones', () => {
    const { kept, matched } = check(rules, TEXTS);
    expect(matched).toEqual([
      false,
      true,
      true,
      true,
      true,
      true,
      true,
      true,
      true,
      true,
      false,
      true,
      true,
      false,
      false,
    ]);
    // plain records without any required text are skipped (the unmatched null/field-only ones may be kept)
    expect(kept[0]).toBe(false);
    expect(kept[10]).toBe(false);
    expect(kept[14]).toBe(false);
    expect(kept[2] && kept[4] && kept[5]).toBe(true);
  });

  it('keeps a record whose non-ASCII text lower-cases into a required text (KELVIN SIGN -> k)', () => {
    const kelvin = parseRules(
      rule(
        'Kelvin',
        '1a1a1a1a-0000-4000-8000-000000000006',
        '  selection:\n    userAgent|contains: kelvin\n  condition: selection',
      ),
      'k.yml',
    ).rules;
    const { kept, matched } = check(kelvin, [
      '{"eventName":"GetObject","userAgent":"\u212Aelvin"}',
      '{"eventName":"GetObject","userAgent":"celsius"}',
    ]);
    expect(matched).toEqual([true, false]);
    expect(kept).toEqual([true, false]);
  });

  it('never skips a matching record over random mixes of the texts above', () => {
    const pieces = [
      '"x"',
      '"Root"',
      '"rOoT"',
      '5',
      '"5"',
      '"Boto3/"',
      '":assumed-role/aws:"',
      'null',
      '"\\u0052oot"',
      '"\\/"',
    ];
    let seed = 7;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const texts: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const pick = () => pieces[next(pieces.length)];
      const fields = [
        `"type":${pick()}`,
        next(2) ? `"arn":${next(2) ? '"a:assumed-role/aws:b"' : pick()}` : '',
        next(3) === 0 ? `"sessionContext":{"ec2RoleDelivery":${pick()}}` : '',
      ].filter(Boolean);
      const top = [
        '"eventName":"GetObject"',
        `"userIdentity":{${fields.join(',')}}`,
        next(3) === 0 ? `"responseElements":{"count":${pick()}}` : '',
        next(2) ? `"userAgent":${pick()}` : '',
      ].filter(Boolean);
      texts.push(`{${top.join(',')}}`);
    }
    const { kept, matched } = check(rules, texts);
    expect(matched.filter(Boolean).length).toBeGreaterThan(100);
    expect(kept.filter((k) => !k).length).toBeGreaterThan(0);
  });
});
