/**
 * One stream (an S3 object body or a local file) through the analyzer's raw path: gunzip →
 * splitter (records with their key tables) → Analyzer.analyzeRaw, one batch of results per
 * decoded chunk, so the per-record work has no asynchronous step. Shared by the analyzer
 * Lambda, the hunt worker, `trailalerts scan` and the benchmark.
 *
 * Problems (truncation, corrupt gzip, records that are not valid JSON or not CloudTrail) go to
 * `onProblem` naming the file and record; the records before and around them are still analyzed.
 */
import type { Readable } from 'node:stream';
import { FileProblems, itemBatchesFromStream, type ReadOptions } from '../cloudtrail/read';
import { splitProblemDiagnostic } from '../cloudtrail/split';
import type { Match } from '../alerts/alert';
import type { Diagnostic } from '../sigma/model';
import type { Analyzer, TimeWindow } from './analyze';

export interface StreamBatch {
  /** Records read (events in and out of the time window; not digests, Insights or broken records). */
  records: number;
  /** Of those, events outside the time window (not evaluated). */
  outOfRange: number;
  matches: Match[];
}

export interface AnalyzeStreamOptions extends Pick<
  ReadOptions,
  'maxProblemsPerFile' | 'maxRecordBytes' | 'maxRecordChars' | 'smallGzipBytes'
> {
  /** The account in the object key or path, used when a record has no recipientAccountId. */
  keyAccountId?: string;
  window?: TimeWindow;
}

export async function* analyzeStream(
  stream: Readable,
  name: string,
  analyzer: Analyzer,
  onProblem: (p: Diagnostic) => void,
  options: AnalyzeStreamOptions = {},
): AsyncGenerator<StreamBatch> {
  const problems = new FileProblems(onProblem, name, options.maxProblemsPerFile ?? 20);
  const { keyAccountId, window } = options;
  // Once per object: accounts whose rule set came from a directory fallback are asked again.
  analyzer.expireAccounts();
  try {
    for await (const items of itemBatchesFromStream(stream, name, problems.report, options)) {
      const batch: StreamBatch = { records: 0, outOfRange: 0, matches: [] };
      for (const item of items) {
        if (item.kind === 'problem') {
          problems.report(splitProblemDiagnostic(name, item));
          continue;
        }
        let outcome = analyzer.analyzeRaw(item, name, keyAccountId, window);
        if (outcome instanceof Promise) outcome = await outcome;
        switch (outcome.kind) {
          case 'record':
            batch.records++;
            for (const m of outcome.matches) batch.matches.push(m);
            break;
          case 'out-of-range':
            batch.records++;
            batch.outOfRange++;
            break;
          default:
            problems.notEvaluated(outcome, item.index);
        }
      }
      yield batch;
    }
  } finally {
    problems.finish();
  }
}
