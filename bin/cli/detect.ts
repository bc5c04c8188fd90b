/**
 * `trailalerts detect`: runs Sigma rules over CloudTrail files and prints one result per
 * (event, rule) match, as a table or as NDJSON. Invalid rules are reported and the valid ones run.
 */
import { Command, Option } from 'commander';
import { readEvents } from '../../lambdas/cloudtrail/read';
import { applyFilters, loadRules, RuleIndex } from '../../lambdas/sigma/index';
import { skippedSummary } from '../../lambdas/sigma/logsource-notices';
import type { CloudTrailRecord, CompiledRule, Diagnostic } from '../../lambdas/sigma/model';
import type { RecordSource } from '../../lambdas/cloudtrail/types';
import { EXIT_INPUT, EXIT_RULES, exitHelp, worstExit } from './exit-codes';
import { clean, collect, printDiagnostics, processIO, type CliIO } from './io';

export interface DetectOptions {
  rules: string[];
  format: 'table' | 'ndjson';
}

/** One line of `detect --format ndjson`. */
export interface DetectResult {
  rule: { id: string; title: string; level: string; tags: string[]; file: string };
  event: {
    eventID?: unknown;
    eventName?: unknown;
    eventSource?: unknown;
    eventTime?: unknown;
    awsRegion?: unknown;
    recipientAccountId?: unknown;
    sourceIPAddress?: unknown;
  };
  source: RecordSource;
}

export function detectResult(
  rule: CompiledRule,
  record: CloudTrailRecord,
  source: RecordSource,
): DetectResult {
  const m = rule.meta;
  return {
    rule: { id: m.id, title: m.title, level: m.level, tags: m.tags, file: m.file },
    event: {
      eventID: record.eventID,
      eventName: record.eventName,
      eventSource: record.eventSource,
      eventTime: record.eventTime,
      awsRegion: record.awsRegion,
      recipientAccountId: record.recipientAccountId,
      sourceIPAddress: record.sourceIPAddress,
    },
    source,
  };
}

export async function runDetect(
  inputs: string[],
  options: DetectOptions,
  io: CliIO = processIO,
): Promise<number> {
  const bundle = loadRules(options.rules);
  printDiagnostics(io, bundle.diagnostics);
  const skipped = skippedSummary(bundle.diagnostics);
  if (skipped) io.err.write(`${skipped}\n`);
  const invalid = bundle.diagnostics.some((d) => d.severity === 'error');
  const index = new RuleIndex(applyFilters(bundle.rules, bundle.filters));
  let unreadable = 0;
  const onProblem = (p: Diagnostic) => {
    if (p.severity === 'error') unreadable++;
    printDiagnostics(io, [p]);
  };
  let events = 0;
  let matches = 0;
  const rows: string[][] = [];
  for await (const { record, source } of readEvents(inputs, onProblem)) {
    events++;
    for (const rule of index.match(record)) {
      matches++;
      if (options.format === 'ndjson')
        io.out.write(`${JSON.stringify(detectResult(rule, record, source))}\n`);
      else
        rows.push([
          clean(record.eventTime, 24),
          rule.meta.level,
          clean(rule.meta.title, 60),
          clean(record.eventName, 40),
          clean(record.recipientAccountId, 14),
          clean(`${source.file}:${source.index}`, 80),
        ]);
    }
  }
  if (options.format === 'table')
    io.out.write(renderTable(['time', 'level', 'rule', 'eventName', 'account', 'source'], rows));
  io.err.write(
    `${bundle.rules.length} rules, ${events} events, ${matches} matches${invalid ? ' (some rules are invalid)' : ''}` +
      `${unreadable ? `; ${unreadable} input problems (the good records were read)` : ''}\n`,
  );
  return worstExit(invalid ? EXIT_RULES : 0, unreadable ? EXIT_INPUT : 0);
}

export function renderTable(header: string[], rows: string[][]): string {
  if (rows.length === 0) return 'No matches.\n';
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n') + '\n';
}

export function detectCommand(io: CliIO = processIO): Command {
  return new Command('detect')
    .description('run Sigma rules over CloudTrail files or directories; one result per (event, rule) match')
    .argument(
      '<inputs...>',
      'CloudTrail files ({"Records":[…]} plain or gzip, JSON arrays, JSON lines) or directories',
    )
    .requiredOption('--rules <path>', 'rule file or directory (repeatable)', collect)
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'ndjson']).default('table'))
    .addHelpText('after', exitHelp([EXIT_RULES, EXIT_INPUT]))
    .action(async (inputs: string[], opts: DetectOptions) => {
      process.exitCode = await runDetect(inputs, opts, io);
    });
}
