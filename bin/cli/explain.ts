/**
 * `trailalerts explain`: shows, for each rule in a rule file and each record in an event file,
 * every selection and field (matched or not, with the event's actual value) and the condition.
 */
import { Command, Option } from 'commander';
import type { Diagnostic } from '../../src/core';
import { EXIT_FAILED, EXIT_INPUT, EXIT_RULES, exitHelp, worstExit } from './exit-codes';
import { clean, printDiagnostics, processIO, type CliIO } from './io';

export interface ExplainOptions {
  rule: string;
  event: string;
  format: 'text' | 'json';
  /** Most records explained (default 20). */
  limit?: number;
}

export async function runExplain(options: ExplainOptions, io: CliIO = processIO): Promise<number> {
  const [{ readEvents }, { explainRule, formatExplanation, loadRules }] = await Promise.all([
    import('../../src/cloudtrail/read'),
    import('../../src/sigma'),
  ]);
  const bundle = loadRules([options.rule]);
  printDiagnostics(io, bundle.diagnostics, ['error', 'warning', 'notice']);
  if (bundle.rules.length === 0) {
    io.err.write(`no detection rule loaded from ${options.rule}\n`);
    return EXIT_RULES;
  }
  const problems: Diagnostic[] = [];
  let count = 0;
  const limit = options.limit ?? 20;
  for await (const { record, source } of readEvents([options.event], (p) => problems.push(p))) {
    if (count++ >= limit) {
      io.err.write(`only the first ${limit} records are explained\n`);
      break;
    }
    for (const rule of bundle.rules) {
      const explanation = explainRule(rule, record, bundle.filters);
      if (options.format === 'json') io.out.write(`${JSON.stringify({ source, ...explanation })}\n`);
      else
        io.out.write(
          `record ${source.file}:${source.index} (${clean(record.eventName, 60)})\n${formatExplanation(explanation)}\n\n`,
        );
    }
  }
  printDiagnostics(io, problems, ['error', 'warning']);
  const unreadable = problems.some((p) => p.severity === 'error');
  if (count === 0) io.err.write(`no CloudTrail record read from ${options.event}\n`);
  return worstExit(
    bundle.diagnostics.some((d) => d.severity === 'error') ? EXIT_RULES : 0,
    unreadable ? EXIT_INPUT : 0,
    count === 0 ? EXIT_FAILED : 0,
  );
}

export function explainCommand(io: CliIO = processIO): Command {
  return new Command('explain')
    .description(
      'show why a rule did or did not match an event: each selection, each field with the event value, the condition',
    )
    .requiredOption('--rule <file>', 'rule file')
    .requiredOption('--event <file>', 'event file (a record, {"Records":[…]}, a JSON array or JSON lines)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--limit <n>', 'most records to explain', (v) => Number.parseInt(v, 10), 20)
    .addHelpText('after', exitHelp([EXIT_RULES, EXIT_INPUT, EXIT_FAILED]))
    .action(async (opts: ExplainOptions) => {
      process.exitCode = await runExplain(opts, io);
    });
}
