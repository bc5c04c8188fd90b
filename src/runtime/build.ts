/**
 * Builds the pipeline's parts from accounts.yaml and the rule paths — the one place where the
 * CLI (`scan`) and the Lambdas agree on how rules, exceptions, correlations and policy are put
 * together. Adapters (state store, directory, sender) are passed in by each side.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  loadTrailAlertsExceptions,
  type CompiledException,
  loadAccountsConfig,
  type AccountsConfig,
  OrgPolicy,
  validateAccountsConfig,
} from '../org';
import { parsePostProcessing } from '../alerts';
import { postProcessingFiles } from './postprocessing-files';
import { loadRules, type CorrelationRuleModel, type RuleBundle } from '../sigma';
import type { Diagnostic } from '../core';

export interface DetectionContent {
  bundle: RuleBundle;
  correlations: CorrelationRuleModel[];
  /** Org-wide exceptions imported from TrailAlerts' exceptions.json files in the rule paths. */
  importedExceptions: CompiledException[];
  diagnostics: Diagnostic[];
}

/** Loads rules, correlations (Sigma and TrailAlerts post-processing JSON) and exceptions.json. */
export function loadDetectionContent(rulePaths: string[], config?: AccountsConfig): DetectionContent {
  const placeholders = config?.placeholders;
  const bundle = loadRules(rulePaths, placeholders ? { placeholders } : {});
  const diagnostics = [...bundle.diagnostics];
  const correlations = [...bundle.correlations];
  const importedExceptions: CompiledException[] = [];
  for (const root of rulePaths) {
    const dir = existsSync(root) && statSync(root).isDirectory() ? root : undefined;
    if (!dir) continue;
    const exceptionsFile = join(dir, 'exceptions.json');
    if (existsSync(exceptionsFile)) {
      const loaded = loadTrailAlertsExceptions(readFileSync(exceptionsFile, 'utf8'), exceptionsFile);
      importedExceptions.push(...loaded.exceptions);
      diagnostics.push(...loaded.diagnostics);
    }
    for (const file of postProcessingFiles(dir)) {
      const parsed = parsePostProcessing(
        readFileSync(file, 'utf8'),
        file,
        bundle.rules.map((r) => r.meta),
      );
      correlations.push(...parsed.correlations);
      diagnostics.push(...parsed.diagnostics);
    }
  }
  return { bundle, correlations, importedExceptions, diagnostics };
}

export interface LoadedConfig {
  config?: AccountsConfig;
  diagnostics: Diagnostic[];
}

/** Loads accounts.yaml and runs the semantic validator against the loaded rules. */
export function loadConfig(file: string, content?: DetectionContent, rulesRoot?: string): LoadedConfig {
  const loaded = loadAccountsConfig(file);
  const diagnostics = [...loaded.diagnostics];
  if (loaded.config && content) {
    const metas = [...content.bundle.rules.map((r) => r.meta), ...content.correlations.map((c) => c.meta)];
    diagnostics.push(...validateAccountsConfig(loaded.config, { rules: metas, file, rulesRoot }));
  }
  return { config: loaded.config, diagnostics };
}

/** The org policy for a config and content (rule sets over rules and correlations alike). */
export function buildPolicy(
  config: AccountsConfig,
  content: DetectionContent,
  rulesRoot?: string,
): OrgPolicy {
  const metas = [...content.bundle.rules.map((r) => r.meta), ...content.correlations.map((c) => c.meta)];
  return new OrgPolicy(config, metas, rulesRoot, content.importedExceptions);
}
