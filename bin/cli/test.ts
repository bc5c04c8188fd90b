/**
 * `trailalerts test`: runs the TrailAlerts-format tests beside the rules (`<rule>_tests.json`)
 * and names, for each failure, the rule, the case and which selection or field did not match.
 */
import { Command } from 'commander';
import { existsSync } from 'node:fs';
import type { SequenceTester } from '../../src/sigma';
import { EXIT_FAILED, EXIT_INPUT, EXIT_RULES, exitHelp, worstExit } from './exit-codes';
import { clean, printDiagnostics, processIO, type CliIO } from './io';
import { givenOrLocalRules } from './default-rules';

export interface TestCommandOptions {
  /** Correlation engine hook for sequence tests; without it those cases are skipped. */
  sequenceTester?: SequenceTester;
  verbose?: boolean;
}

export async function runTest(
  paths: string[],
  options: TestCommandOptions = {},
  io: CliIO = processIO,
): Promise<number> {
  const given = givenOrLocalRules(paths, 'test', io.err);
  // Reported by the runner as a failed "(file)" case; the status says unreadable input.
  const missing = given.filter((p) => !existsSync(p));
  const { runRuleTests } = await import('../../src/sigma/rule-tests');
  const report = await runRuleTests(given, { sequenceTester: options.sequenceTester });
  printDiagnostics(
    io,
    report.diagnostics.filter((d) => !missing.includes(d.file)),
    ['error'],
  );
  for (const r of report.results) {
    const event = r.eventName ? ` (${clean(r.eventName, 60)})` : '';
    const what = `${r.ruleTitle ? `${clean(r.ruleTitle, 100)} ` : ''}[${r.testFile}] ${r.name}${event}`;
    if (r.outcome === 'passed') {
      if (options.verbose) io.out.write(`ok    ${what}\n`);
      continue;
    }
    io.out.write(`${r.outcome === 'failed' ? 'FAIL ' : 'SKIP '} ${what}\n`);
    for (const reason of r.reasons) io.out.write(`        ${clean(reason, 400)}\n`);
  }
  if (report.skipped > 0)
    io.out.write(`${report.skipped} skipped (correlation tests need the correlation engine)\n`);
  io.out.write(`${report.passed} passed, ${report.failed} failed\n`);
  // A test file that is not JSON is unreadable input, not a rule that misbehaves.
  const unreadableTests = report.results.some((r) =>
    r.reasons.some((reason) => reason.startsWith('cannot read test file')),
  );
  const ruleErrors = report.diagnostics.some((d) => d.severity === 'error' && !missing.includes(d.file));
  return worstExit(
    ruleErrors ? EXIT_RULES : 0,
    missing.length > 0 || unreadableTests ? EXIT_INPUT : 0,
    report.failed > 0 ? EXIT_FAILED : 0,
  );
}

export function testCommand(options: TestCommandOptions = {}, io: CliIO = processIO): Command {
  return new Command('test')
    .description('run the rule tests (<rule>_tests.json beside <rule>.yml: should_match / should_not_match)')
    .argument('[paths...]', 'rule directories, rule files or test files (default: ./rules)')
    .option('-v, --verbose', 'also list passing cases')
    .addHelpText(
      'after',
      exitHelp([EXIT_RULES, EXIT_INPUT, EXIT_FAILED], {
        [EXIT_INPUT]: 'a missing path or a test file that is not JSON',
        [EXIT_FAILED]: 'a test case failed',
      }),
    )
    .action(async (paths: string[], opts: { verbose?: boolean }) => {
      process.exitCode = await runTest(paths, { ...options, verbose: opts.verbose }, io);
    });
}
