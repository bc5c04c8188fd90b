/**
 * `trailalerts detect`: runs Sigma rules over CloudTrail files and prints one result per
 * (event, rule) match, as a table or as NDJSON. Invalid rules are reported and the valid ones run.
 */
import { Command, Option } from 'commander';
import type { TextRecordMatch } from '../../src/runtime';
import type { CloudTrailRecord, Diagnostic } from '../../src/core';
import type { CompiledRule, RuleMeta } from '../../src/sigma';
import type { RecordSource } from '../../src/cloudtrail';
import { EXIT_INPUT, EXIT_RULES, exitHelp, worstExit } from './exit-codes';
import { clean, collect, printDiagnostics, processIO, type CliIO } from './io';
import { LineOutput } from './line-output';
import { givenOrDefaultRules } from './default-rules';

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

/** The event fields of a result, in the order DetectResult lists them. */
const EVENT_FIELDS = [
  'eventID',
  'eventName',
  'eventSource',
  'eventTime',
  'awsRegion',
  'recipientAccountId',
  'sourceIPAddress',
] as const;

/**
 * The JSON of a result's rule and event parts, byte for byte what JSON.stringify(detectResult(…))
 * writes: the rule's once per rule, as the UTF-8 bytes that open its lines; the event's from the
 * record's text without parsing it.
 */
const ruleParts = new WeakMap<RuleMeta, { json: string; lineStart: Buffer }>();
function ruleJson(meta: RuleMeta): { json: string; lineStart: Buffer } {
  let part = ruleParts.get(meta);
  if (part === undefined) {
    const json = JSON.stringify({
      id: meta.id,
      title: meta.title,
      level: meta.level,
      tags: meta.tags,
      file: meta.file,
    });
    part = { json, lineStart: Buffer.from(`{"rule":${json},"event":`) };
    ruleParts.set(meta, part);
  }
  return part;
}

/** The end of a line after the source's index. */
const LINE_END = Buffer.from('}}\n');
/** Room for a source index's digits. */
const INDEX_DIGITS = 16;

/** Throws on invalid JSON. */
function eventJson(match: TextRecordMatch): string {
  let json = '';
  for (const key of EVENT_FIELDS) {
    const value = match.fieldJson(key);
    if (value !== undefined) json += `${json ? ',' : '{'}"${key}":${value}`;
  }
  return json ? `${json}}` : '{}';
}

export async function runDetect(
  inputs: string[],
  options: DetectOptions,
  io: CliIO = processIO,
): Promise<number> {
  // Loaded here, not at the top: `--help` and the other commands start without them.
  const [
    { eventFileEntries, openEventInput },
    { applyFilters, loadRules },
    { skippedSummary },
    { Analyzer },
    { analyzeStream },
  ] = await Promise.all([
    import('../../src/cloudtrail/read'),
    import('../../src/sigma'),
    import('../../src/sigma/logsource-notices'),
    import('../../src/runtime/analyze'),
    import('../../src/runtime/analyze-stream'),
  ]);
  const bundle = loadRules(options.rules);
  printDiagnostics(io, bundle.diagnostics);
  const skipped = skippedSummary(bundle.diagnostics);
  if (skipped) io.err.write(`${skipped}\n`);
  const invalid = bundle.diagnostics.some((d) => d.severity === 'error');
  // The analyzer's own path, as the Lambda runs it: only what the rules read is parsed.
  const analyzer = new Analyzer({ rules: applyFilters(bundle.rules, bundle.filters) });
  let unreadable = 0;
  const onProblem = (p: Diagnostic) => {
    if (p.severity === 'error') unreadable++;
    printDiagnostics(io, [p]);
  };
  let events = 0;
  let matches = 0;
  const ndjson = options.format === 'ndjson';
  const output = new LineOutput(io.out);
  let sourceFile: string | undefined;
  let sourcePrefix = '';
  let sourceBytes = Buffer.alloc(0);
  const rows: string[][] = [];
  for (const entry of eventFileEntries(inputs, onProblem)) {
    const file = entry.file;
    for await (const batch of analyzeStream(openEventInput(entry), file, analyzer, onProblem)) {
      events += batch.records;
      let last: TextRecordMatch | undefined;
      // The record's part of each line: its event JSON, or its table cells.
      let event = '';
      let cells: string[] = [];
      let invalidRecord = false;
      for (const match of batch.matches as TextRecordMatch[]) {
        // A record's matches are consecutive: its fields are read (and a bad record reported) once.
        if (!last || last.recordText !== match.recordText) {
          last = match;
          invalidRecord = false;
          try {
            if (ndjson) event = eventJson(match);
            else
              cells = [
                clean(match.field('eventTime'), 24),
                clean(match.field('eventName'), 40),
                clean(match.field('recipientAccountId'), 14),
              ];
          } catch (err) {
            onProblem({
              severity: 'error',
              file: match.source.file,
              path: `record ${match.source.index}`,
              message: `record is not valid JSON (${(err as Error).message})`,
            });
            invalidRecord = true;
          }
        }
        if (invalidRecord) continue;
        matches++;
        const { rule, source } = match;
        if (ndjson) {
          if (source.file !== sourceFile) {
            sourceFile = source.file;
            sourcePrefix = `,"source":{"file":${JSON.stringify(sourceFile)},"index":`;
            sourceBytes = Buffer.from(sourcePrefix);
          }
          const part = ruleJson(rule);
          // The line goes into the output in pieces, with no string of its own: the rule's and the
          // source's bytes are copied, and an ASCII record's event text is not encoded character by character.
          const ascii = last!.asciiText;
          const bytes =
            part.lineStart.length +
            event.length * (ascii ? 1 : 3) +
            sourceBytes.length +
            INDEX_DIGITS +
            LINE_END.length;
          if (bytes <= output.size) {
            const waiting = output.reserve(bytes);
            if (waiting) await waiting;
            output.putBytes(part.lineStart);
            output.putText(event, ascii);
            output.putBytes(sourceBytes);
            output.putIndex(source.index);
            output.putBytes(LINE_END);
          } else {
            const waiting = output.append(
              `{"rule":${part.json},"event":${event}${sourcePrefix}${source.index}}}\n`,
            );
            if (waiting) await waiting;
          }
        } else
          rows.push([
            cells[0],
            rule.level,
            clean(rule.title, 60),
            cells[1],
            cells[2],
            clean(`${source.file}:${source.index}`, 80),
          ]);
      }
    }
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
    .option(
      '--rules <path>',
      'rule file or directory (repeatable; default ./rules, else the rules that ship with trailalerts)',
      collect,
    )
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'ndjson']).default('table'))
    .addHelpText('after', exitHelp([EXIT_RULES, EXIT_INPUT]))
    .action(async (inputs: string[], opts: Omit<DetectOptions, 'rules'> & { rules?: string[] }) => {
      const rules = givenOrDefaultRules(opts.rules, io.err);
      process.exitCode = await runDetect(inputs, { ...opts, rules }, io);
    });
}
