/**
 * Runs TrailAlerts-format rule tests: `<rule>_tests.json` beside `<rule>.yml` with
 * `should_match` / `should_not_match` arrays of CloudTrail records. Correlation rules' tests
 * are sequences (arrays of arrays of records) and go to a pluggable SequenceTester; without
 * one they are reported as skipped, never as passed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { explainRule, mismatchReasons } from './explain';
import { isTestFile, listTestFiles } from './rule-test-files';
import { loadRules } from './load';
import type { CloudTrailRecord, Diagnostic } from '../core';
import type { CorrelationRuleModel, LoadOptions, RuleBundle } from './model';

/** Decides whether a correlation fires on a sequence of records (plugged in by the correlation engine). */
export type SequenceTester = (
  correlation: CorrelationRuleModel,
  bundle: RuleBundle,
  sequence: CloudTrailRecord[],
) => boolean | Promise<boolean>;

export type CaseOutcome = 'passed' | 'failed' | 'skipped';

export interface CaseResult {
  testFile: string;
  ruleFile?: string;
  ruleTitle?: string;
  /** `should_match[2]` or `(file)` for problems with the whole test file. */
  name: string;
  eventName?: string;
  outcome: CaseOutcome;
  /** Why it failed or was skipped. */
  reasons: string[];
}

export interface RuleTestReport {
  results: CaseResult[];
  passed: number;
  failed: number;
  skipped: number;
  /** Problems loading the rules (all severities). */
  diagnostics: Diagnostic[];
}

const KINDS = ['should_match', 'should_not_match'] as const;

/** The rule file a test file belongs to: `x_tests.json` → `x.yml` or `x.yaml`. */
export function ruleFileFor(testFile: string): string | undefined {
  const base = testFile.replace(/_tests\.json$/i, '');
  return ['.yml', '.yaml'].map((ext) => base + ext).find((f) => existsSync(f));
}

export async function runRuleTests(
  paths: string[],
  options: { sequenceTester?: SequenceTester; loadOptions?: LoadOptions } = {},
): Promise<RuleTestReport> {
  // A test file named directly loads its rule; a rule file named directly brings its tests.
  const rulePaths = paths.flatMap((p) => (isTestFile(p) ? (ruleFileFor(p) ?? []) : [p]));
  const testPaths = paths.flatMap((p) => {
    if (!/\.ya?ml$/i.test(p)) return [p];
    const tests = p.replace(/\.ya?ml$/i, '_tests.json');
    return existsSync(tests) ? [tests] : [];
  });
  const bundle = loadRules(rulePaths, options.loadOptions);
  const results: CaseResult[] = [];
  const listProblems: Diagnostic[] = [];
  for (const testFile of listTestFiles(testPaths, listProblems)) {
    results.push(...(await runTestFile(testFile, bundle, options.sequenceTester)));
  }
  for (const p of listProblems)
    results.push({ testFile: p.file, name: '(file)', outcome: 'failed', reasons: [p.message] });
  const count = (o: CaseOutcome) => results.filter((r) => r.outcome === o).length;
  return {
    results,
    passed: count('passed'),
    failed: count('failed'),
    skipped: count('skipped'),
    diagnostics: bundle.diagnostics,
  };
}

async function runTestFile(
  testFile: string,
  bundle: RuleBundle,
  sequenceTester?: SequenceTester,
): Promise<CaseResult[]> {
  const fileFailure = (reason: string, ruleFile?: string): CaseResult[] => [
    { testFile, ruleFile, name: '(file)', outcome: 'failed', reasons: [reason] },
  ];
  const ruleFile = ruleFileFor(testFile);
  if (!ruleFile)
    return fileFailure(`no rule beside it (expected ${testFile.replace(/_tests\.json$/i, '.yml')})`);
  const target = resolve(ruleFile);
  const sameFile = (f: string) => resolve(f) === target;
  const rules = bundle.rules.filter((r) => sameFile(r.meta.file));
  const correlations = bundle.correlations.filter((c) => sameFile(c.meta.file));
  const errors = bundle.diagnostics.filter((d) => d.severity === 'error' && sameFile(d.file));
  if (errors.length > 0)
    return fileFailure(
      `rule file is invalid: ${errors.map((e) => `${e.line ?? ''} ${e.path ?? ''} => ${e.message}`.trim()).join('; ')}`,
      ruleFile,
    );
  if (rules.length === 0 && correlations.length === 0) {
    const notice = bundle.diagnostics.find((d) => sameFile(d.file) && d.severity === 'notice');
    return fileFailure(
      notice ? `rule not loaded: ${notice.message}` : 'rule file holds no detection or correlation rule',
      ruleFile,
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(testFile, 'utf8'));
  } catch (error) {
    return fileFailure(`cannot read test file: ${(error as Error).message}`, ruleFile);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data))
    return fileFailure('expected an object with should_match and should_not_match arrays', ruleFile);
  const cases = data as Record<string, unknown>;
  if (!KINDS.some((k) => k in cases))
    return fileFailure('expected should_match and/or should_not_match arrays', ruleFile);
  const results: CaseResult[] = [];
  const isCorrelation = correlations.length > 0;
  const title = (isCorrelation ? correlations[0].meta : rules[0].meta).title;
  for (const kind of KINDS) {
    const list = cases[kind];
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      results.push(...fileFailure(`${kind} must be an array`, ruleFile));
      continue;
    }
    for (let i = 0; i < list.length; i++) {
      const item = list[i];
      const base = { testFile, ruleFile, ruleTitle: title, name: `${kind}[${i}]` };
      const wantMatch = kind === 'should_match';
      if (isCorrelation) {
        const sequence = Array.isArray(item) ? item : undefined;
        if (!sequence || !sequence.every(isRecord)) {
          results.push({
            ...base,
            outcome: 'failed',
            reasons: ['a correlation test case must be an array of CloudTrail records'],
          });
          continue;
        }
        if (!sequenceTester) {
          results.push({
            ...base,
            outcome: 'skipped',
            reasons: ['correlation tests need the correlation engine, which is not plugged in'],
          });
          continue;
        }
        const fired = await sequenceTester(correlations[0], bundle, sequence);
        results.push({
          ...base,
          outcome: fired === wantMatch ? 'passed' : 'failed',
          reasons:
            fired === wantMatch
              ? []
              : [
                  wantMatch
                    ? 'the correlation did not fire on the sequence'
                    : 'the correlation fired on the sequence',
                ],
        });
        continue;
      }
      if (!isRecord(item)) {
        results.push({
          ...base,
          outcome: 'failed',
          reasons: ['expected a CloudTrail record (a JSON object)'],
        });
        continue;
      }
      const eventName = typeof item.eventName === 'string' ? item.eventName : undefined;
      const matching = rules.filter((r) => r.match(item));
      if (matching.length > 0 === wantMatch) {
        results.push({ ...base, eventName, outcome: 'passed', reasons: [] });
      } else if (wantMatch) {
        const reasons = rules.flatMap((r) => [
          `${r.meta.title}: did not match`,
          ...mismatchReasons(explainRule(r, item)).map((t) => `  ${t}`),
        ]);
        results.push({ ...base, eventName, outcome: 'failed', reasons });
      } else {
        const reasons = matching.flatMap((r) => [
          `${r.meta.title}: matched but should not`,
          ...mismatchReasons(explainRule(r, item)).map((t) => `  ${t}`),
        ]);
        results.push({ ...base, eventName, outcome: 'failed', reasons });
      }
    }
  }
  if (results.length === 0)
    return fileFailure('no test cases (should_match and should_not_match are empty)', ruleFile);
  return results;
}

function isRecord(value: unknown): value is CloudTrailRecord {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
