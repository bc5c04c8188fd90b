/**
 * `trailalerts validate`: reports every problem in the rules (not only the first), one line each
 * as `file:line path => message`. More checks (accounts.yaml) plug in as ValidationSteps.
 * Exit status: 2 when accounts.yaml has errors, 3 when a rule has; with --strict warnings count too.
 */
import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { accountsValidation } from './validate-config';
import type { ValidationStep } from './validation-step';
import { EXIT_CONFIG, EXIT_FAILED, EXIT_RULES, exitHelp, worstExit } from './exit-codes';
import { printDiagnostics, processIO, type CliIO } from './io';
import { givenOrLocalRules } from './default-rules';

export type { ValidationStep };

export function rulesValidation(paths: string[]): ValidationStep {
  return {
    name: 'rules',
    exitCode: EXIT_RULES,
    run: async () => {
      const [{ loadDetectionContent }, { skippedCount }] = await Promise.all([
        import('../../src/runtime/build'),
        import('../../src/sigma/logsource-notices'),
      ]);
      // As scan and the functions load them: with post-processing JSON and exceptions.json.
      const content = loadDetectionContent(paths);
      const { bundle } = content;
      const skipped = skippedCount(content.diagnostics);
      return {
        diagnostics: content.diagnostics,
        summary: `${bundle.rules.length} rules, ${content.correlations.length} correlations, ${bundle.filters.length} filters${skipped ? `, ${skipped} skipped` : ''}`,
      };
    },
  };
}

export async function runValidate(
  steps: ValidationStep[],
  options: { notices?: boolean; strict?: boolean } = {},
  io: CliIO = processIO,
): Promise<number> {
  let errors = 0;
  let warnings = 0;
  let status = 0;
  for (const step of steps) {
    const { diagnostics, summary } = await step.run();
    printDiagnostics(
      io,
      diagnostics,
      options.notices ? ['error', 'warning', 'notice'] : ['error', 'warning'],
    );
    const e = diagnostics.filter((d) => d.severity === 'error').length;
    const w = diagnostics.filter((d) => d.severity === 'warning').length;
    errors += e;
    warnings += w;
    if (e > 0 || (options.strict && w > 0)) status = worstExit(status, step.exitCode ?? EXIT_FAILED);
    io.out.write(`${step.name}: ${summary}; ${e} errors, ${w} warnings\n`);
  }
  const strictly = options.strict && warnings > 0 ? ` (--strict: ${warnings} warnings count as errors)` : '';
  io.out.write(
    `${status !== 0 ? 'invalid' : 'valid'}: ${errors} errors, ${warnings} warnings in total${strictly}\n`,
  );
  return status;
}

export function validateCommand(io: CliIO = processIO): Command {
  return new Command('validate')
    .description('check the rules and accounts.yaml, reporting every problem as file:line path => message')
    .argument('[paths...]', 'rule files or directories (default: ./rules)')
    .option('--notices', 'also list notices (e.g. rules skipped because their logsource is not CloudTrail)')
    .option(
      '--config <file>',
      'accounts.yaml to check against the rules (default: ./accounts.yaml when it exists)',
    )
    .option('--no-config', 'check the rules only')
    .option(
      '--strict',
      'treat warnings as errors (for CI: a typo that switches a detection off fails the build)',
    )
    .addHelpText(
      'after',
      exitHelp([EXIT_CONFIG, EXIT_RULES], {
        [EXIT_CONFIG]: 'accounts.yaml has errors (with --strict, or warnings)',
        [EXIT_RULES]: 'a rule has errors (with --strict, or warnings)',
      }),
    )
    .action(
      async (paths: string[], opts: { notices?: boolean; config?: string | false; strict?: boolean }) => {
        const rulePaths = givenOrLocalRules(paths, 'validate', io.err);
        const configFile =
          opts.config === false
            ? undefined
            : (opts.config ?? (existsSync('accounts.yaml') ? 'accounts.yaml' : undefined));
        const steps = [
          rulesValidation(rulePaths),
          ...(configFile ? [accountsValidation(configFile, rulePaths)] : []),
        ];
        process.exitCode = await runValidate(steps, opts, io);
      },
    );
}
