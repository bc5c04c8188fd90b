/** Test helpers: compile a one-rule YAML text and match records against it. */
import { parseRules } from '../../src/sigma/index';
import type { CompiledRule, LoadOptions, RuleBundle } from '../../src/sigma/model';

/** Builds a CloudTrail rule document around a detection block (given as YAML lines). */
export function ruleText(detection: string, extra = ''): string {
  const body = detection
    .trim()
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
  return `title: Test rule\nid: 0f4c2a55-9b1e-4c3e-8a77-5d6f0e1b2c3d\n${extra}logsource:\n  product: aws\n  service: cloudtrail\ndetection:\n${body}\nlevel: high\n`;
}

export function bundleOf(detection: string, options?: LoadOptions): RuleBundle {
  return parseRules(ruleText(detection), 'test.yml', options);
}

/** Compiles a rule and fails loudly if it is invalid. */
export function ruleOf(detection: string, options?: LoadOptions): CompiledRule {
  const bundle = bundleOf(detection, options);
  const errors = bundle.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0 || bundle.rules.length !== 1)
    throw new Error(`rule did not compile: ${JSON.stringify(bundle.diagnostics)}`);
  return bundle.rules[0];
}

/** Errors of a rule that should not compile. */
export function errorsOf(detection: string, options?: LoadOptions): string[] {
  const bundle = bundleOf(detection, options);
  return bundle.diagnostics
    .filter((d) => d.severity === 'error')
    .map((d) => `${d.path ?? ''} => ${d.message}`);
}
