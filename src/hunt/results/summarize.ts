/**
 * Retro-hunt results: finds what the Distributed Map's ResultWriter wrote to the hunt bucket
 * (`manifest.json`, then the `SUCCEEDED_…`, `FAILED_…` and `PENDING_…` files it lists, JSON
 * Lines read as they stream, or JSON arrays from state machines without WriterConfig) and folds the per-batch worker results into one summary: totals, matches per rule, the
 * first matches, damaged and unreadable objects, failed batches with their error and cause, and
 * the prefixes to hunt again with the command that does it.
 *
 * Everything read from the result files is untrusted: shapes are validated, and a malformed file
 * or entry is reported by its S3 key and JSON path, never thrown.
 */
import { isProblem } from '../../core';
import { safeText } from '../../notify';
import { Aggregator, byText, foldResultLines, foldResultText } from './aggregate';
import { splitLines } from './lines';
import { parseHuntRun } from './execution';
import { locateResults } from './locate';
import { parseManifest } from './manifest';
import type { ExecutionDescription, HuntResultsPort } from './port';
import { INLINE_RERUN_PREFIXES, rerunCommand } from './rerun';
import { errorText } from './shapes';
import type { HuntSummary } from './summary';

/** Result files read at once. */
const READ_CONCURRENCY = 4;
const MAX_LISTED_LIMIT = 10_000;
/** A JSON-array result file (no WriterConfig) is read whole up to this many characters. */
const MAX_ARRAY_CHARS = 256 * 1024 * 1024;

export interface SummarizeOptions {
  /** Bucket to look in when the execution output does not name one (a failed hunt). */
  huntBucket: string;
  /** How many matches to keep in `listed` (default 20). */
  listed?: number;
  /** File named in the re-run command when the prefixes do not fit on the command line. */
  prefixesFile?: string;
}

/** Reads the results of an ended execution and folds them into one summary. Never throws on bad files. */
export async function summarizeHunt(
  port: HuntResultsPort,
  execution: ExecutionDescription,
  options: SummarizeOptions,
): Promise<HuntSummary> {
  const listedLimit = Math.max(0, Math.min(options.listed ?? 20, MAX_LISTED_LIMIT));
  const agg = new Aggregator(listedLimit);
  const parsedRun = parseHuntRun(execution.input);
  const run = isProblem(parsedRun) ? undefined : parsedRun;
  let results: HuntSummary['results'];
  let resultsProblem: string | undefined;

  const located = await locateResults(port, execution, options.huntBucket);
  if (!located.location) resultsProblem = located.problem;
  else {
    const { bucket, key } = located.location;
    let manifestText = located.manifestText;
    if (manifestText === undefined) {
      try {
        manifestText = await port.getObject(bucket, key);
      } catch (err) {
        resultsProblem = `reading s3://${bucket}/${key} failed: ${errorText(err)}`;
      }
    }
    if (manifestText !== undefined) {
      const manifest = parseManifest(manifestText, located.location);
      manifest.problems.forEach((p) => agg.problem(p));
      results = {
        bucket,
        manifestKey: key,
        files: manifest.files.length,
        ...(located.mapRunArn ? { mapRunArn: located.mapRunArn } : {}),
      };
      await forEachLimited(manifest.files, READ_CONCURRENCY, async (file) => {
        const failed = (err: unknown) =>
          agg.unusableFile(
            `reading s3://${bucket}/${file.key} failed: ${errorText(err)}; its batches are not counted`,
          );
        if (port.streamObject) {
          // Line by line as it streams: memory holds one entry, whatever the file's size.
          try {
            const chunks = await port.streamObject(bucket, file.key);
            await foldResultLines(agg, splitLines(chunks), file, bucket, run?.huntId, MAX_ARRAY_CHARS);
          } catch (err) {
            agg.unusableFile(
              `reading s3://${bucket}/${file.key} failed: ${errorText(err)}; its batches from there on are not counted`,
            );
          }
          return;
        }
        let body: string;
        try {
          body = await port.getObject(bucket, file.key);
        } catch (err) {
          failed(err);
          return;
        }
        foldResultText(agg, body, file, bucket, run?.huntId);
      });
    }
  }

  const rerunPrefixes = [...agg.rerun].sort();
  const complete =
    execution.status === 'SUCCEEDED' &&
    results !== undefined &&
    rerunPrefixes.length === 0 &&
    agg.totals.unreadableObjects === 0 &&
    agg.unknownBatches === 0 &&
    agg.problemCount === 0;
  const rerun: HuntSummary['rerun'] = { prefixes: rerunPrefixes, unknownBatches: agg.unknownBatches };
  if (run && rerunPrefixes.length > 0 && execution.stateMachineArn) {
    const file =
      rerunPrefixes.length > INLINE_RERUN_PREFIXES
        ? (options.prefixesFile ?? `${run.huntId}-rerun.txt`)
        : undefined;
    rerun.command = rerunCommand(run, execution.stateMachineArn, rerunPrefixes, file);
    if (file) rerun.prefixesFile = file;
  }
  const redrive = redriveOffer(execution);
  return {
    executionArn: execution.executionArn,
    status: execution.status,
    ...(redrive ? { redrive } : {}),
    ...(execution.error !== undefined ? { error: safeText(execution.error, 500) } : {}),
    ...(execution.cause !== undefined ? { cause: safeText(execution.cause, 4000) } : {}),
    ...(execution.startDate ? { startDate: execution.startDate.toISOString() } : {}),
    ...(execution.stopDate ? { stopDate: execution.stopDate.toISOString() } : {}),
    ...(execution.stateMachineArn ? { stateMachineArn: execution.stateMachineArn } : {}),
    ...(run ? { hunt: run } : { huntProblem: isProblem(parsedRun) ? parsedRun.problem : undefined }),
    ...(results ? { results } : {}),
    ...(resultsProblem ? { resultsProblem } : {}),
    batches: agg.batches,
    totals: agg.totals,
    byRule: [...agg.byRule.entries()]
      .map(([ruleId, v]) => ({ ruleId, title: v.title, count: v.count }))
      .sort((a, b) => b.count - a.count || byText(a.title, b.title) || byText(a.ruleId, b.ruleId)),
    listed: agg.listed.values(),
    listedLimit,
    listedAvailable: agg.listedAvailable,
    damaged: agg.damaged.values(),
    unreadable: agg.unreadable.values(),
    failedBatches: agg.failed.values(),
    unfinished: [...agg.unfinished].sort(),
    unreadablePrefixes: [...agg.unreadablePrefixes].sort(),
    unknownRules: [...agg.unknownRules].sort(),
    problems: agg.problems.values(),
    problemCount: agg.problemCount,
    rerun,
    complete,
  };
}

const REDRIVABLE_END = new Set(['FAILED', 'TIMED_OUT', 'ABORTED']);

/**
 * Redrive for an execution that ended without succeeding, unless Step Functions says it cannot be
 * redriven (https://docs.aws.amazon.com/step-functions/latest/dg/redrive-map-run.html).
 */
export function redriveOffer(execution: ExecutionDescription): HuntSummary['redrive'] {
  if (!REDRIVABLE_END.has(execution.status)) return undefined;
  if (execution.redriveStatus === 'NOT_REDRIVABLE')
    return {
      offered: false,
      reason: safeText(execution.redriveStatusReason ?? 'Step Functions says it cannot be redriven', 300),
    };
  return {
    offered: true,
    command: `trailalerts hunt-results --execution ${execution.executionArn} --redrive --wait`,
  };
}

async function forEachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  });
  await Promise.all(workers);
}
