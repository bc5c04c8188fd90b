/**
 * `trailalerts scan`: replays CloudTrail files (or s3:// prefixes) through the whole pipeline —
 * detect → exceptions → dedupe → correlation → cooldown → enrichment → routing → outbox — with
 * the same Analyzer and AlertProcessor as the Lambdas, and returns every outcome for the report.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { readEvents, recordsFromStream } from '../cloudtrail/read';
import { parseTrailKey } from '../cloudtrail/keys';
import type { SourcedRecord } from '../cloudtrail/types';
import type { AlertOutcome } from '../alerts/alert';
import type { Diagnostic } from '../sigma/model';
import { Analyzer } from './analyze';
import type { AlertProcessor } from './process';
import { listLogKeys, openObject, parseS3Url } from './s3-objects';

export interface ScanOptions {
  inputs: string[];
  analyzer: Analyzer;
  processor: AlertProcessor;
  /** Only events with since <= eventTime <= until (ISO strings compare in time order). */
  since?: string;
  until?: string;
  onProblem: (p: Diagnostic) => void;
  onOutcome?: (o: AlertOutcome) => void;
  onProgress?: (p: ScanProgress) => void;
  s3?: S3Client;
}

export interface ScanProgress {
  records: number;
  files: number;
  current: string;
}

export interface ScanResult {
  records: number;
  matched: number;
  outOfRange: number;
  outcomes: AlertOutcome[];
  /** Matches whose processing failed (a notifier error, …): kept, counted, reported. */
  failures: { source: string; error: string }[];
}

export async function scan(options: ScanOptions): Promise<ScanResult> {
  const result: ScanResult = { records: 0, matched: 0, outOfRange: 0, outcomes: [], failures: [] };
  const progress: ScanProgress = { records: 0, files: 0, current: '' };
  let lastFile = '';
  let keyAccount: string | undefined;
  for await (const item of sourcedRecords(options)) {
    if (item.source.file !== lastFile) {
      // Once per file: the account in the organization key layout, and the progress line.
      lastFile = item.source.file;
      keyAccount = parseTrailKey(lastFile)?.accountId;
      progress.files++;
      progress.current = lastFile;
    }
    result.records++;
    progress.records = result.records;
    if (result.records % 500 === 0) options.onProgress?.(progress);
    const time = typeof item.record.eventTime === 'string' ? item.record.eventTime : undefined;
    if (
      (options.since && (!time || time < options.since)) ||
      (options.until && (!time || time > options.until))
    ) {
      result.outOfRange++;
      continue;
    }
    const matches = await options.analyzer.analyze(item, keyAccount);
    for (const match of matches) {
      result.matched++;
      try {
        for (const outcome of await options.processor.process(match)) {
          result.outcomes.push(outcome);
          options.onOutcome?.(outcome);
        }
      } catch (err) {
        result.failures.push({
          source: `${item.source.file}#${item.source.index}`,
          error: err instanceof Error ? err.message : String(err),
        });
      }
    }
  }
  options.onProgress?.(progress);
  return result;
}

/** Local files and directories through readEvents; s3:// prefixes object by object. */
async function* sourcedRecords(options: ScanOptions): AsyncGenerator<SourcedRecord> {
  const local = options.inputs.filter((i) => !i.startsWith('s3://'));
  if (local.length > 0) yield* readEvents(local, options.onProblem);
  for (const input of options.inputs.filter((i) => i.startsWith('s3://'))) {
    const location = parseS3Url(input);
    if (!location) {
      options.onProblem({ severity: 'error', file: input, message: 'expected s3://bucket/prefix' });
      continue;
    }
    const s3 = options.s3 ?? new S3Client({});
    for await (const key of listLogKeys(s3, location)) {
      const name = `s3://${location.bucket}/${key}`;
      try {
        yield* recordsFromStream(await openObject(s3, location.bucket, key), name, options.onProblem);
      } catch (err) {
        options.onProblem({
          severity: 'error',
          file: name,
          message: err instanceof Error ? err.message : String(err),
        });
      }
    }
  }
}
