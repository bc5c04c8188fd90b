/** TrailAlerts post-processing JSON -> correlations, and the correlations at work in the engine. */
import { parsePostProcessing, POSTPROCESSING_GROUP_BY } from '../../src/alerts/postprocessing';
import { MemoryStateStore } from '../../src/alerts/state/memory-store';
import { CorrelationEngine } from '../../src/alerts/correlate/engine';
import { formatDiagnostic } from '../../src/core';
import { event, rule } from './correlate/helpers';

const login = { ...rule('r-login', undefined, 'AWS Console Login Without MFA'), level: 'medium' as const };
const keys = { ...rule('r-keys', undefined, 'IAM Access Key Created'), level: 'low' as const };
const rules = [login, keys];
const FILE = 'rules/postprocessing.json';

describe('parsePostProcessing', () => {
  it('loads a threshold entry as event_count grouped by actor and account', () => {
    const text = JSON.stringify([
      {
        type: 'threshold',
        sigmaRuleTitle: 'AWS Console Login Without MFA',
        thresholdCount: 5,
        windowMinutes: 15,
        adjustSeverity: 'high',
      },
    ]);
    const { correlations, diagnostics } = parsePostProcessing(text, FILE, rules);
    expect(diagnostics).toEqual([]);
    expect(correlations).toHaveLength(1);
    const c = correlations[0];
    expect(c).toMatchObject({
      type: 'event_count',
      rules: ['r-login'],
      groupBy: POSTPROCESSING_GROUP_BY,
      timespanMs: 15 * 60_000,
      timespan: '15m',
      condition: { gte: 5 },
      generate: true,
    });
    expect(c.meta).toMatchObject({ level: 'high', file: FILE, line: 1 });
    expect(c.meta.title).toContain('AWS Console Login Without MFA');
    expect(c.meta.id).toMatch(/^postprocessing-[0-9a-f]{24}$/);
  });

  it('loads a correlation entry as temporal of both rules, from { "rules": [...] }', () => {
    const text = `{
  "rules": [
    {
      "type": "correlation",
      "sigmaRuleTitle": "iam access key created",
      "lookFor": "AWS Console Login Without MFA",
      "windowMinutes": "30",
      "severity_adjustment": "Critical",
      "description": "keys, then a console login"
    }
  ]
}`;
    const { correlations, diagnostics } = parsePostProcessing(text, FILE, rules);
    expect(diagnostics).toEqual([]);
    expect(correlations[0].meta.description).toBe('keys, then a console login');
    expect(correlations[0]).toMatchObject({
      type: 'temporal',
      rules: ['r-keys', 'r-login'],
      timespanMs: 30 * 60_000,
      condition: undefined,
    });
    expect(correlations[0].meta.level).toBe('critical');
    expect(correlations[0].meta.line).toBe(3);
  });

  it("without an adjustment, takes TrailAlerts' defaults (threshold medium, correlation high)", () => {
    const text = JSON.stringify([
      { type: 'threshold', sigmaRuleTitle: 'IAM Access Key Created', thresholdCount: 2, windowMinutes: 5 },
      {
        type: 'correlation',
        sigmaRuleTitle: 'IAM Access Key Created',
        lookFor: 'AWS Console Login Without MFA',
        windowMinutes: 5,
      },
    ]);
    const { correlations } = parsePostProcessing(text, FILE, rules);
    expect(correlations.map((c) => c.meta.level)).toEqual(['medium', 'high']);
    expect(new Set(correlations.map((c) => c.meta.id)).size).toBe(2);
  });

  it('names file, line and path of what it cannot read, and still loads the good entries', () => {
    const text = `[
  { "type": "threshold", "sigmaRuleTitle": "Nope", "thresholdCount": 3, "windowMinutes": 10 },
  { "type": "threshold", "sigmaRuleTitle": "IAM Access Key Created", "thresholdCount": "many", "windowMinutes": 10 },
  { "type": "sometimes", "sigmaRuleTitle": "IAM Access Key Created" },
  { "type": "correlation", "sigmaRuleTitle": "IAM Access Key Created", "windowMinutes": -1, "lookFor": "IAM Access Key Created" },
  { "type": "threshold", "sigmaRuleTitle": "IAM Access Key Created", "thresholdCount": 3, "windowMinutes": 10, "adjustSeverity": "urgent", "colour": "red" },
  "just text",
  { "type": "threshold", "sigmaRuleTitle": "IAM Access Key Created", "thresholdCount": 3, "windowMinutes": 10 }
]`;
    const { correlations, diagnostics } = parsePostProcessing(text, FILE, rules);
    expect(correlations).toHaveLength(1);
    expect(correlations[0].meta.line).toBe(8);
    const printed = diagnostics.map(formatDiagnostic);
    expect(printed).toEqual([
      'error: rules/postprocessing.json:2 [0].sigmaRuleTitle => no loaded rule has the title "Nope"',
      'error: rules/postprocessing.json:3 [1].thresholdCount => expected thresholdCount (a count of at least 1) as a positive number, got "many"',
      'error: rules/postprocessing.json:4 [2].type => expected "type": "threshold" or "correlation", got "sometimes"',
      'error: rules/postprocessing.json:5 [3].windowMinutes => expected windowMinutes (minutes) as a positive number, got -1',
      'warning: rules/postprocessing.json:6 [4].colour => unknown key "colour" ignored',
      'error: rules/postprocessing.json:6 [4].adjustSeverity => expected a level (informational, low, medium, high, critical), got "urgent"',
      'error: rules/postprocessing.json:7 [5] => expected an object with "type", "sigmaRuleTitle" and "windowMinutes", got "just text"',
    ]);
  });

  it('reports invalid JSON with its line, and a wrong top-level shape', () => {
    const broken = parsePostProcessing('[\n  { "type": "threshold", }\n]', FILE, rules);
    expect(broken.correlations).toEqual([]);
    expect(broken.diagnostics).toHaveLength(1);
    expect(broken.diagnostics[0]).toMatchObject({ severity: 'error', file: FILE, line: 2 });
    expect(broken.diagnostics[0].message).toMatch(/^not valid JSON/);
    const shape = parsePostProcessing('{"other": 1}', FILE, rules);
    expect(shape.diagnostics[0].message).toMatch(/expected an array of post-processing entries/);
    expect(parsePostProcessing('42', FILE, rules).diagnostics).toHaveLength(1);
  });

  it('accepts a single entry object and a missing key names the expected key', () => {
    const one = parsePostProcessing(
      JSON.stringify({
        type: 'threshold',
        sigmaRuleTitle: 'IAM Access Key Created',
        thresholdCount: 3,
        windowMinutes: 1.5,
      }),
      FILE,
      rules,
    );
    expect(one.correlations[0]).toMatchObject({ timespanMs: 90_000, timespan: '90s' });
    const missing = parsePostProcessing(
      JSON.stringify([{ type: 'correlation', sigmaRuleTitle: 'IAM Access Key Created', windowMinutes: 3 }]),
      FILE,
      rules,
    );
    expect(missing.diagnostics.map((d) => d.path)).toEqual(['[0].lookFor']);
  });
});

describe("TrailAlerts' exact keys", () => {
  const at = (entry: Record<string, unknown>) =>
    parsePostProcessing(JSON.stringify([entry]), FILE, rules).diagnostics.map(formatDiagnostic);
  const threshold = {
    type: 'threshold',
    sigmaRuleTitle: 'IAM Access Key Created',
    thresholdCount: 2,
    windowMinutes: 5,
  };

  it('names a misspelt key with the key it resembles, and never reads it', () => {
    const { correlations, diagnostics } = parsePostProcessing(
      JSON.stringify([{ ...threshold, window_minutes: 60, Severity_Adjustment: 'critical' }]),
      FILE,
      rules,
    );
    expect(diagnostics.map(formatDiagnostic)).toEqual([
      'warning: rules/postprocessing.json:1 [0].window_minutes => unknown key "window_minutes" ignored (did you mean "windowMinutes"?)',
      'warning: rules/postprocessing.json:1 [0].Severity_Adjustment => unknown key "Severity_Adjustment" ignored (did you mean "severity_adjustment"?)',
    ]);
    expect(correlations[0]).toMatchObject({ timespanMs: 5 * 60_000 });
    expect(correlations[0].meta.level).toBe('medium');
  });

  it('an exact type only, and keys of the other entry type are named', () => {
    expect(at({ ...threshold, type: 'Threshold' })).toEqual([
      'error: rules/postprocessing.json:1 [0].type => expected "type": "threshold" or "correlation", got "Threshold"',
    ]);
    expect(at({ ...threshold, lookFor: 'AWS Console Login Without MFA' })).toEqual([
      'warning: rules/postprocessing.json:1 [0].lookFor => "lookFor" is not read on a threshold entry; ignored',
    ]);
  });

  it('honours adjustSeverity and severity_adjustment; with both, severity_adjustment (what the processor reads)', () => {
    const level = (entry: Record<string, unknown>) =>
      parsePostProcessing(JSON.stringify([entry]), FILE, rules).correlations[0].meta.level;
    expect(level({ ...threshold, adjustSeverity: 'low' })).toBe('low');
    expect(level({ ...threshold, severity_adjustment: 'critical' })).toBe('critical');
    expect(level({ ...threshold, severity_adjustment: 'critical', adjustSeverity: 'low' })).toBe('critical');
    expect(level({ ...threshold, adjustSeverity: 'low', severity_adjustment: 'critical' })).toBe('critical');
    expect(at({ ...threshold, adjustSeverity: 'low', severity_adjustment: 'critical' })).toEqual([
      'warning: rules/postprocessing.json:1 [0].severity_adjustment => "severity_adjustment" repeats "adjustSeverity"; "severity_adjustment" is used',
    ]);
  });

  it('says that cooldownMinutes is not applied', () => {
    expect(at({ ...threshold, cooldownMinutes: 30 })).toEqual([
      "notice: rules/postprocessing.json:1 [0].cooldownMinutes => cooldownMinutes is not applied: repeats are grouped by the OU's cooldownMinutes in accounts.yaml",
    ]);
  });
});

describe('post-processing correlations in the engine', () => {
  it('a threshold fires per actor and account, and the rule keeps its own alerts', async () => {
    const text = JSON.stringify([
      {
        type: 'threshold',
        sigmaRuleTitle: 'IAM Access Key Created',
        thresholdCount: 3,
        windowMinutes: 10,
        adjustSeverity: 'high',
      },
    ]);
    const { correlations } = parsePostProcessing(text, FILE, rules);
    const engine = new CorrelationEngine(correlations, new MemoryStateStore());
    expect(engine.generates(keys)).toBe(true);
    const otherAccount = { recipientAccountId: '444455556666' };
    const fired: number[] = [];
    const seq = [event(0), event(1, otherAccount), event(2, otherAccount), event(3)];
    for (const [i, record] of seq.entries()) {
      const hits = await engine.observe({ rule: keys, record, accountId: String(record.recipientAccountId) });
      if (hits.length) fired.push(i);
    }
    expect(fired).toEqual([]);
    const hits = await engine.observe({ rule: keys, record: event(4), accountId: '111122223333' });
    expect(hits).toHaveLength(1);
    expect(hits[0].groupBy).toEqual({
      'userIdentity.arn': 'arn:aws:iam::111122223333:user/alice',
      recipientAccountId: '111122223333',
    });
    expect(hits[0].correlation.meta.level).toBe('high');
  });
});
