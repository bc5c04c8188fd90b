/** Text hygiene and validated links: properties over arbitrary strings, and the exact URL shapes. */
/* eslint-disable no-control-regex -- these tests look for control characters on purpose. */
import fc from 'fast-check';
import {
  attackTechnique,
  cloudTrailEventUrl,
  isValidEventId,
  isValidRegion,
  ruleDocsLink,
} from '../../src/notify/links';
import {
  cleanBlock,
  cleanLine,
  escapeHtml,
  headerSafe,
  prettyJson,
  truncate,
} from '../../src/notify/sanitize';

const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/;

describe('sanitize', () => {
  it('cleanLine never lets a control, bidi or invisible character through, and respects the cap', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 300 }),
        fc.integer({ min: 60, max: 400 }),
        (s, max) => {
          const out = cleanLine(s, max);
          return !UNSAFE.test(out) && out.length <= max;
        },
      ),
    );
  });

  it('headerSafe never keeps CR or LF', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 300 }),
        (s) => !/[\r\n]/.test(headerSafe(s, 100)) && headerSafe(s, 100).length <= 100,
      ),
    );
  });

  it('escapeHtml leaves no markup character', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (s) => !/[<>"'`]/.test(escapeHtml(s))));
    expect(escapeHtml(`<a href="x" onclick='y'>&`)).toBe(
      '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;',
    );
  });

  it('keeps newlines in blocks but escapes CR, and marks truncation without splitting surrogates', () => {
    expect(cleanBlock('a\r\nb')).toBe('a\\u000D\nb');
    const cut = truncate(`${'x'.repeat(99)}😀${'y'.repeat(200)}`, 140);
    expect(cut.length).toBeLessThanOrEqual(140);
    expect(cut).toMatch(/truncated, 301 characters in total\]$/);
    expect(/[\ud800-\udbff](?![\udc00-\udfff])/.test(cut)).toBe(false);
  });

  it('prints any value as JSON without throwing', () => {
    expect(prettyJson({ n: 10n }, 100)).toContain('"10"');
    expect(prettyJson({ s: '\u202e' }, 100)).toContain('\\u202E');
  });
});

describe('links', () => {
  it('maps ATT&CK tags to technique URLs built from the parsed digits', () => {
    expect(attackTechnique('attack.t1078')).toEqual({
      id: 'T1078',
      url: 'https://attack.mitre.org/techniques/T1078/',
    });
    expect(attackTechnique('ATTACK.T1078.004')).toEqual({
      id: 'T1078.004',
      url: 'https://attack.mitre.org/techniques/T1078/004/',
    });
    for (const bad of [
      'attack.t107',
      'attack.t10788',
      'attack.t1078.04',
      'attack.t1078.004/../x',
      'attack.initial-access',
      ' attack.t1078',
      'attack.t1078\n',
    ]) {
      expect(attackTechnique(bad)).toBeUndefined();
    }
  });

  it('validates regions and event IDs', () => {
    for (const r of ['us-east-1', 'eu-central-2', 'us-gov-west-1', 'ap-southeast-5'])
      expect(isValidRegion(r)).toBe(true);
    for (const r of ['us-east-1x', 'US-EAST-1', 'us-east-1/', 'useast1', '', 'us-east-1\n', 42])
      expect(isValidRegion(r)).toBe(false);
    expect(isValidEventId('3F1C2A9E-5B7D-4E21-9A0C-1D2E3F4A5B6C')).toBe(true);
    expect(isValidEventId('3f1c2a9e-5b7d-4e21-9a0c-1d2e3f4a5b6c#x')).toBe(false);
    expect(cloudTrailEventUrl('eu-west-1', '3F1C2A9E-5B7D-4E21-9A0C-1D2E3F4A5B6C')).toBe(
      'https://eu-west-1.console.aws.amazon.com/cloudtrailv2/home?region=eu-west-1#/events/3f1c2a9e-5b7d-4e21-9a0c-1d2e3f4a5b6c',
    );
    expect(cloudTrailEventUrl('eu-west-1', 'nope')).toBeUndefined();
  });

  it('encodes rule file segments and drops dot segments', () => {
    expect(ruleDocsLink('https://docs.example/rules', '../a b/./c?.yml')).toBe(
      'https://docs.example/rules/a%20b/c%3F.yml',
    );
    expect(ruleDocsLink(undefined, 'x.yml')).toBeUndefined();
  });
});
