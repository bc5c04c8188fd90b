/**
 * `trailalerts detect`: runs Sigma rules over CloudTrail files and prints one result per
 * (event, rule) match, as a table or as NDJSON. Invalid rules are reported and the valid ones run.
 */
import { stat } from 'node:fs/promises';
import { Command, Option } from 'commander';
import type { TextRecordMatch as TextRecordMatchType } from '../../lambdas/pipeline/text-match';
import type { CloudTrailRecord, Diagnostic } from '../../lambdas/core';
import type { CompiledRule } from '../../lambdas/sigma/model';
import type { RecordSource } from '../../lambdas/cloudtrail/types';
import { EXIT_INPUT, EXIT_RULES, exitHelp, worstExit } from './exit-codes';
import { collect, printDiagnostics, processIO, type CliIO } from './io';
import { DetectLines, type FormattedMatches } from './detect-lines';
import type { DetectPool as DetectPoolType, WrittenBatch } from './detect-threads';
import { parseThreads, workerCount } from './detect-threads-options';
import { LineOutput } from './line-output';

export interface DetectOptions {
  rules: string[];
  format: 'table' | 'ndjson';
  /** `--threads`: "auto" (default) or the number of threads, 1 for no worker (detect-threads.ts). */
  threads?: string | number;
}

/** As analyze-stream.ts reports them. */
const MAX_PROBLEMS_PER_FILE = 20;

async function fileBytes(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}

/** Whether one of the inputs is a file of at least `bytes` (directories are looked at file by file). */
async function someLarge(inputs: string[], bytes: number): Promise<boolean> {
  for (const input of inputs) if ((await fileBytes(input)) >= bytes) return true;
  return false;
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
  // Loaded here, not at the top: `--help` and the other commands start without them.
  const [
    { eventFiles, openEventFile, FileProblems },
    { applyFilters, loadRules },
    { skippedSummary },
    { Analyzer },
    { analyzeStream },
    { RecordSource: RawRecordSource },
    { TextRecordMatch },
  ] = await Promise.all([
    import('../../lambdas/cloudtrail/read'),
    import('../../lambdas/sigma/index'),
    import('../../lambdas/sigma/logsource-notices'),
    import('../../lambdas/pipeline/analyze'),
    import('../../lambdas/pipeline/analyze-stream'),
    import('../../lambdas/cloudtrail/raw'),
    import('../../lambdas/pipeline/text-match'),
  ]);
  const workers = workerCount(options.threads);
  const threads = workers > 0 ? await import('./detect-threads') : undefined;
  const setup = { rules: options.rules, format: options.format };
  let pool: DetectPoolType | undefined;
  let ruleIds = (): string[] => [];
  // With "auto", only files of THREADED_FILE_BYTES or more go to workers; with a number, every file.
  const minBytes = options.threads === undefined || options.threads === 'auto' ? undefined : 0;
  // Workers start before the main thread loads the rules when a file named on the command line is
  // large (they load them too, at the same time); otherwise at the first large file met.
  if (threads && (await someLarge(inputs, minBytes ?? threads.THREADED_FILE_BYTES)))
    pool = new threads.DetectPool(
      workers,
      setup,
      (b) => writeBatch(b),
      () => ruleIds(),
    );
  const bundle = loadRules(options.rules);
  printDiagnostics(io, bundle.diagnostics);
  const skipped = skippedSummary(bundle.diagnostics);
  if (skipped) io.err.write(`${skipped}\n`);
  const invalid = bundle.diagnostics.some((d) => d.severity === 'error');
  // The analyzer's own path, as the Lambda runs it: only what the rules read is parsed.
  const rules = applyFilters(bundle.rules, bundle.filters);
  const analyzer = new Analyzer({ rules });
  ruleIds = () => rules.map((r) => r.meta.id);
  let unreadable = 0;
  const onProblem = (p: Diagnostic) => {
    if (p.severity === 'error') unreadable++;
    printDiagnostics(io, [p]);
  };
  let events = 0;
  let matches = 0;
  const ndjson = options.format === 'ndjson';
  const output = new LineOutput(io.out);
  const lines = new DetectLines(ndjson);
  const rows: string[][] = [];
  const writeLines = (formatted: FormattedMatches): Promise<void> | undefined => {
    matches += formatted.matches;
    for (const row of formatted.rows) rows.push(row);
    return formatted.text ? output.append(formatted.text) : undefined;
  };
  // A worker's batch, in input order, as analyze-stream.ts and the loop below would have handled
  // it: per batch of the record source, its records' problems, then its lines.
  async function writeBatch({ result, file, views, cuts, problems }: WrittenBatch): Promise<void> {
    events += result.records;
    const { hits, notEvaluated } = result;
    let h = 0;
    let n = 0;
    let end = 0;
    for (const count of cuts) {
      end += count;
      for (; n < notEvaluated.length && notEvaluated[n].view < end; n++)
        problems.notEvaluated(notEvaluated[n].outcome, views[notEvaluated[n].view].index);
      const batchMatches: TextRecordMatchType[] = [];
      for (; h < hits.length && hits[h] < end; h += 2) {
        const view = views[hits[h]];
        const rule = rules[hits[h + 1]];
        if (!rule) throw new Error(`a detect worker named rule ${hits[h + 1]} of ${rules.length}`);
        const source = { file, index: view.index };
        batchMatches.push(new TextRecordMatch(rule.meta, view.text, source, '', undefined, view));
      }
      const waiting = writeLines(lines.format(batchMatches, onProblem));
      if (waiting) await waiting;
    }
  }
  try {
    for await (const file of eventFiles(inputs, onProblem)) {
      if (threads && (pool || (await fileBytes(file)) >= (minBytes ?? threads.THREADED_FILE_BYTES))) {
        pool ??= new threads.DetectPool(workers, setup, writeBatch, ruleIds);
        await pool.analyzeFile(
          file,
          new FileProblems(onProblem, file, MAX_PROBLEMS_PER_FILE),
          (report) => new RawRecordSource(openEventFile(file), file, report),
        );
        continue;
      }
      for await (const batch of analyzeStream(openEventFile(file), file, analyzer, onProblem)) {
        events += batch.records;
        const waiting = writeLines(lines.format(batch.matches as TextRecordMatchType[], onProblem));
        if (waiting) await waiting;
      }
    }
    await pool?.writeReady(true);
  } finally {
    await pool?.close();
  }
  await output.flush();
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
    .addOption(
      new Option('--threads <n>', 'threads for large inputs: auto (every core), or n (1: no worker thread)')
        .argParser(parseThreads)
        .default('auto'),
    )
    .addHelpText('after', exitHelp([EXIT_RULES, EXIT_INPUT]))
    .action(async (inputs: string[], opts: DetectOptions) => {
      process.exitCode = await runDetect(inputs, opts, io);
    });
}
