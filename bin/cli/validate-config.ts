/**
 * The accounts.yaml step of `trailalerts validate`: the loader's schema problems and the semantic
 * validator's (unknown names, OU paths, rule references that match no rule, unsafe regexes, …).
 */
import { existsSync } from 'node:fs';
import { EXIT_CONFIG } from './exit-codes';
import type { ValidationStep } from './validation-step';

export function accountsValidation(configFile: string, rulePaths: string[]): ValidationStep {
  return {
    name: configFile,
    exitCode: EXIT_CONFIG,
    run: async () => {
      if (!existsSync(configFile)) {
        return {
          diagnostics: [
            { severity: 'error', file: configFile, message: 'no such file (pass --config <accounts.yaml>)' },
          ],
          summary: 'not found',
        };
      }
      const { loadConfig, loadDetectionContent } = await import('../../src/runtime/build');
      const first = loadConfig(configFile);
      if (!first.config) return { diagnostics: first.diagnostics, summary: 'does not load' };
      const content = loadDetectionContent(rulePaths, first.config);
      const checked = loadConfig(configFile, content, rulePaths[0]);
      const c = first.config;
      return {
        diagnostics: checked.diagnostics,
        summary: `${Object.keys(c.accounts ?? {}).length} accounts, ${Object.keys(c.organizationalUnits ?? {}).length} OUs, ${Object.keys(c.destinations ?? {}).length} destinations`,
      };
    },
  };
}
