/**
 * One stream (an S3 object body or a local file, or the bytes of a small file read ahead)
 * through the analyzer's raw path: the record source (cloudtrail/raw: gunzip, splitter, record
 * views) → Analyzer.analyzeRaw, one batch of results per batch of views, so the per-record work
 * has no asynchronous step. Shared by the analyzer Lambda, the hunt worker, `trailalerts scan`
 * and the benchmark.
 *
 * Problems (truncation, corrupt gzip, records that are not valid JSON or not CloudTrail) go to
 * `onProblem` naming the file and record; the records before and around them are still analyzed.
 */
import type { Readable } from 'node:stream';
import { RecordSource } from '../cloudtrail/raw';
import { FileProblems, skippedFile, type ReadOptions } from '../cloudtrail';
import type { Match } from '../alerts';
import type { Diagnostic } from '../core';
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
  stream: Readable | Uint8Array,
  name: string,
  analyzer: Analyzer,
  onProblem: (p: Diagnostic) => void,
  options: AnalyzeStreamOptions = {},
): AsyncGenerator<StreamBatch> {
  if (!(stream instanceof Uint8Array) && skippedFile(stream, name, onProblem)) return;
  const problems = new FileProblems(onProblem, name, options.maxProblemsPerFile ?? 20);
  const { keyAccountId, window } = options;
  // Once per object: accounts whose rule set came from a directory fallback are asked again.
  analyzer.expireAccounts();
  try {
    for await (const views of new RecordSource(stream, name, problems.report, options)) {
      const batch: StreamBatch = { records: 0, outOfRange: 0, matches: [] };
      for (const view of views) {
        let outcome = analyzer.analyzeRaw(view, name, keyAccountId, window);
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
            problems.notEvaluated(outcome, view.index);
        }
      }
      yield batch;
    }
  } finally {
    problems.finish();
  }
}
