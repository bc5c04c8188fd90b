/**
 * Validates and compiles the rule bundle at synth time, so a broken rule fails `cdk synth` (and
 * so the pipeline) with the loader's diagnostics instead of reaching production. The rule loader
 * is src/sigma's `loadRules`; tests may inject another.
 */
import { formatDiagnostic } from '../src/core';
import { type RuleBundle } from '../src/sigma';

export type RuleLoader = (paths: string[]) => RuleBundle | Promise<RuleBundle>;

export interface RuleBundleSummary {
  rules: number;
  correlations: number;
  filters: number;
  /** Formatted warnings and notices (printed by the app, not fatal). */
  notes: string[];
}

/** The production loader: `loadRules` from src/sigma/index.ts. */
export function sigmaRuleLoader(): RuleLoader {
  let mod: { loadRules?: unknown };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require('../src/sigma') as { loadRules?: unknown };
  } catch (err) {
    throw new Error(`cannot load the rule compiler src/sigma/index.ts: ${(err as Error).message}`);
  }
  if (typeof mod.loadRules !== 'function')
    throw new Error('src/sigma/index.ts does not export loadRules(paths)');
  return mod.loadRules as RuleLoader;
}

/** Loads every rule under `rulesDir`; throws one error listing every error diagnostic. */
export async function checkRuleBundle(
  rulesDir: string,
  loader: RuleLoader = sigmaRuleLoader(),
): Promise<RuleBundleSummary> {
  const bundle = await loader([rulesDir]);
  const errors = bundle.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) {
    throw new Error(
      `rule bundle ${rulesDir} has ${errors.length} error(s); fix them before deploying:\n${errors.map(formatDiagnostic).join('\n')}`,
    );
  }
  return {
    rules: bundle.rules.length,
    correlations: bundle.correlations.length,
    filters: bundle.filters.length,
    notes: bundle.diagnostics.filter((d) => d.severity !== 'error').map(formatDiagnostic),
  };
}
