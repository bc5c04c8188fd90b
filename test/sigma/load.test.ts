/** Loading rule files: documents, kinds, diagnostics with lines, logsource skipping, ids. */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRules, parseRules, formatDiagnostic, derivedRuleId } from '../../src/sigma/index';
import { ruleText } from './helpers';

const detection = `selection:\n  eventName: ConsoleLogin\ncondition: selection`;

describe('parseRules', () => {
  it('loads a rule with its metadata', () => {
    const bundle = parseRules(ruleText(detection), 'r.yml');
    expect(bundle.diagnostics).toEqual([]);
    expect(bundle.rules).toHaveLength(1);
    const meta = bundle.rules[0].meta;
    expect(meta).toMatchObject({
      title: 'Test rule',
      level: 'high',
      file: 'r.yml',
      line: 1,
      id: '0f4c2a55-9b1e-4c3e-8a77-5d6f0e1b2c3d',
    });
    expect(bundle.rules[0].match({ eventName: 'ConsoleLogin' })).toBe(true);
    expect(bundle.rules[0].match({ eventName: 'GetObject' })).toBe(false);
  });

  it('keeps loading the other documents when one is bad, with the bad one located', () => {
    const text = [
      ruleText(detection),
      '---',
      'title: Broken\nlogsource:\n  product: aws\n  service: cloudtrail\ndetection:\n  selection:\n    eventName|bogus: x\n  condition: selection',
      '---',
      ruleText(detection).replace(
        '0f4c2a55-9b1e-4c3e-8a77-5d6f0e1b2c3d',
        '1f4c2a55-9b1e-4c3e-8a77-5d6f0e1b2c3d',
      ),
    ].join('\n');
    const bundle = parseRules(text, 'multi.yml');
    expect(bundle.rules).toHaveLength(2);
    const errors = bundle.diagnostics.filter((d) => d.severity === 'error');
    expect(errors).toHaveLength(1);
    expect(formatDiagnostic(errors[0])).toBe(
      "error: multi.yml:19 detection.selection.eventName|bogus => unknown modifier 'bogus'",
    );
    expect(errors[0].ruleTitle).toBe('Broken');
  });

  it('skips non-CloudTrail rules with a notice and accepts any case', () => {
    const windows = ruleText(detection).replace('product: aws', 'product: windows');
    const bundle = parseRules(windows, 'w.yml');
    expect(bundle.rules).toHaveLength(0);
    expect(bundle.diagnostics).toEqual([expect.objectContaining({ severity: 'notice', path: 'logsource' })]);
    const upper = parseRules(
      ruleText(detection)
        .replace('product: aws', 'product: AWS')
        .replace('service: cloudtrail', 'service: CloudTrail'),
      'u.yml',
    );
    expect(upper.rules).toHaveLength(1);
  });

  it('warns on a non-UUID id and derives a stable id when there is none', () => {
    const bad = parseRules(ruleText(detection).replace(/^id: .*$/m, 'id: my-rule'), 'a.yml');
    expect(bad.rules[0].meta.id).toBe('my-rule');
    expect(bad.diagnostics).toEqual([expect.objectContaining({ severity: 'warning', path: 'id', line: 2 })]);
    const none = parseRules(ruleText(detection).replace(/^id: .*\n/m, ''), 'a.yml');
    expect(none.rules[0].meta.id).toBe(derivedRuleId('a.yml', 'Test rule'));
    expect(none.rules[0].meta.id).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(derivedRuleId('b.yml', 'Test rule')).not.toBe(none.rules[0].meta.id);
  });

  it('reports YAML syntax errors with their line', () => {
    const bundle = parseRules('title: x\ndetection:\n  a: [1, 2\n', 'bad.yml');
    expect(bundle.rules).toHaveLength(0);
    expect(bundle.diagnostics[0]).toMatchObject({ severity: 'error', file: 'bad.yml' });
    expect(bundle.diagnostics[0].line).toBeGreaterThanOrEqual(3);
  });

  it('requires title, logsource, detection and condition', () => {
    const bundle = parseRules('id: x\n', 'x.yml');
    expect(bundle.diagnostics.map((d) => d.path)).toContain('title');
    const noCondition = parseRules(ruleText('selection:\n  eventName: x'), 'x.yml');
    expect(noCondition.diagnostics).toEqual([
      expect.objectContaining({
        severity: 'error',
        path: 'detection.condition',
        message: 'missing condition',
      }),
    ]);
    const noDetection = parseRules('title: t\nlogsource:\n  product: aws\n  service: cloudtrail\n', 'x.yml');
    expect(noDetection.diagnostics).toEqual([
      expect.objectContaining({ path: 'detection', message: 'missing detection section' }),
    ]);
  });

  it('rejects a bad level and names the allowed ones', () => {
    const bundle = parseRules(ruleText(detection).replace('level: high', 'level: severe'), 'x.yml');
    expect(bundle.rules).toHaveLength(0);
    expect(bundle.diagnostics[0].message).toContain(
      "level 'severe' is not one of informational, low, medium, high, critical",
    );
  });

  it('keeps account ids with leading zeros as text', () => {
    const bundle = parseRules(
      ruleText('selection:\n  recipientAccountId: 012345678901\ncondition: selection'),
      'x.yml',
    );
    expect(bundle.rules[0].match({ recipientAccountId: '012345678901' })).toBe(true);
  });
});

describe('loadRules', () => {
  it('walks directories recursively, reads .yml and .yaml, ignores tests and other files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rules-'));
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'a.yml'), ruleText(detection));
    writeFileSync(join(dir, 'sub', 'b.yaml'), ruleText(detection).replace('0f4c2a55', '2f4c2a55'));
    writeFileSync(join(dir, 'a_tests.json'), '{"should_match": []}');
    writeFileSync(join(dir, 'README.md'), '# not a rule');
    const bundle = loadRules([dir]);
    expect(bundle.rules.map((r) => r.meta.file.replace(dir, ''))).toEqual(['/a.yml', '/sub/b.yaml']);
    expect(bundle.diagnostics).toEqual([]);
  });

  it('warns on duplicate ids across files and errors on missing paths', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rules-'));
    writeFileSync(join(dir, 'a.yml'), ruleText(detection));
    writeFileSync(join(dir, 'b.yml'), ruleText(detection));
    const bundle = loadRules([dir, join(dir, 'missing')]);
    expect(bundle.rules).toHaveLength(2);
    expect(bundle.rules.map((r) => r.meta.sharesId)).toEqual([true, true]);
    expect(bundle.diagnostics.map((d) => d.severity + ' ' + d.message)).toEqual([
      expect.stringMatching(/^error no such file/),
      expect.stringMatching(
        /^warning duplicate id 0f4c2a55-9b1e-4c3e-8a77-5d6f0e1b2c3d \(also at .*a\.yml:1\); expected one id per rule \(both rules still alert\)$/,
      ),
    ]);
  });

  it('warns when a correlation names a rule by its title, which never fires, and says what to write', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rules-'));
    writeFileSync(
      join(dir, 'a.yml'),
      ruleText(detection).replace('title: Test rule\n', 'title: Test rule\nname: test_rule\n'),
    );
    writeFileSync(
      join(dir, 'c.yml'),
      [
        'title: Burst',
        'id: 5a1b2c3d-0000-4000-8000-000000000001',
        'correlation:',
        '  type: event_count',
        '  rules: [Test rule, test_rule, nothing_here]',
        '  group-by: [recipientAccountId]',
        '  timespan: 5m',
        '  condition: { gte: 3 }',
        'level: high',
        '',
      ].join('\n'),
    );
    const bundle = loadRules([dir]);
    expect(bundle.diagnostics.map((d) => d.message)).toEqual([
      "refers to rule 'Test rule' by its title, so it never fires; expected the rule's id or name (name: test_rule, id: 0f4c2a55-9b1e-4c3e-8a77-5d6f0e1b2c3d)",
      "refers to rule 'nothing_here', which is not loaded",
    ]);
  });
});
