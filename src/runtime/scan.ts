/**
 * `trailalerts scan`: replays CloudTrail files (or s3:// prefixes) through the whole pipeline —
 * detect → exceptions → dedupe → correlation → grouping → enrichment → routing → outbox — with
 * the same Analyzer and AlertProcessor as the Lambdas, and returns every outcome for the report.
 * At the end every digest still open goes out, as the scheduled flush would send it once its
 * window closed: a scan leaves nothing folded and unsent.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { eventFileEntries, openEventInput, parseTrailKey } from '../cloudtrail';
import type { AlertOutcome } from '../alerts';
import type { Diagnostic } from '../core';
import { guardDutyFromText } from '../guardduty';
import { Analyzer, type RawOutcome, type TimeWindow } from './analyze';
import { analyzeStream } from './analyze-stream';
import type { AlertProcessor } from './process';

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
  /** Input bytes read so far, as stored (compressed for .gz); local files only. */
  bytes: number;
}

export interface ScanResult {
  records: number;
  matched: number;
  outOfRange: number;
  outcomes: AlertOutcome[];
  /** Matches whose processing failed (a notifier error, …): kept, counted, reported. */
  failures: { source: string; error: string }[];
  /** Input bytes read, as stored (local files only). */
  bytes: number;
}

export async function scan(options: ScanOptions): Promise<ScanResult> {
  const result: ScanResult = { records: 0, matched: 0, outOfRange: 0, outcomes: [], failures: [], bytes: 0 };
  const progress: ScanProgress = { records: 0, files: 0, current: '', bytes: 0 };
  const window: TimeWindow | undefined =
    options.since || options.until ? { since: options.since, until: options.until } : undefined;
  let reported = 0;
  for await (const { name, open } of eventSources(options)) {
    progress.files++;
    progress.current = name;
    let stream: Readable | Buffer;
    try {
      stream = await open();
    } catch (err) {
      options.onProblem({
        severity: 'error',
        file: name,
        message: err instanceof Error ? err.message : String(err),
      });
      continue;
    }
    const before = progress.bytes;
    // fs read streams count what they read, a small file is read whole; S3 bodies are not counted.
    const bytesRead = () =>
      Buffer.isBuffer(stream) ? stream.length : (stream as { bytesRead?: unknown }).bytesRead;
    const batches = analyzeStream(stream, name, withGuardDuty(options.analyzer), options.onProblem, {
      keyAccountId: parseTrailKey(name)?.accountId,
      ...(window ? { window } : {}),
    });
    for await (const batch of batches) {
      result.records += batch.records;
      result.outOfRange += batch.outOfRange;
      progress.records = result.records;
      if (result.records - reported >= 500) {
        reported = result.records;
        const read = bytesRead();
        if (typeof read === 'number') progress.bytes = before + read;
        options.onProgress?.(progress);
      }
      for (const match of batch.matches) {
        result.matched++;
        const at = `${match.source.file}#${match.source.index}`;
        try {
          void match.record; // the whole record, parsed here for the first time: it must be valid JSON
        } catch (err) {
          options.onProblem({
            severity: 'error',
            file: match.source.file,
            path: `record ${match.source.index}`,
            message: `record is not valid JSON (${(err as Error).message})`,
          });
          result.failures.push({ source: at, error: 'record is not valid JSON' });
          continue;
        }
        try {
          for (const outcome of await options.processor.process(match)) {
            result.outcomes.push(outcome);
            options.onOutcome?.(outcome);
          }
        } catch (err) {
          result.failures.push({ source: at, error: err instanceof Error ? err.message : String(err) });
        }
      }
    }
    const read = bytesRead();
    if (typeof read === 'number') progress.bytes = before + read;
  }
  // A scan that matched nothing opened no digest.
  if (result.matched > 0) {
    const flushed = await options.processor.flushDigests({ all: true });
    for (const outcome of flushed.outcomes) {
      result.outcomes.push(outcome);
      options.onOutcome?.(outcome);
    }
    for (const f of flushed.failures) result.failures.push({ source: `digest ${f.digest}`, error: f.error });
  }
  options.onProgress?.(progress);
  result.bytes = progress.bytes;
  return result;
}

/** Local files and directories (recursive, sorted); s3:// prefixes object by object. */
async function* eventSources(
  options: ScanOptions,
): AsyncGenerator<{ name: string; open: () => Promise<Readable | Buffer> }> {
  const local = options.inputs.filter((i) => !i.startsWith('s3://'));
  if (local.length > 0)
    for (const entry of eventFileEntries(local, options.onProblem))
      yield { name: entry.file, open: async () => openEventInput(entry) };
  const remote = options.inputs.filter((i) => i.startsWith('s3://'));
  if (remote.length === 0) return;
  // The AWS SDK loads only for s3:// inputs: a local scan starts without it.
  const { listLogKeys, openObject, parseS3Url } = await import('./s3-objects');
  for (const input of remote) {
    const location = parseS3Url(input);
    if (!location) {
      options.onProblem({ severity: 'error', file: input, message: 'expected s3://bucket/prefix' });
      continue;
    }
    const s3 = options.s3 ?? new (await import('@aws-sdk/client-s3')).S3Client({});
    for await (const key of listLogKeys(s3, location))
      yield { name: `s3://${location.bucket}/${key}`, open: () => openObject(s3, location.bucket, key) };
  }
}

/**
 * The analyzer, reading GuardDuty findings too: a record without eventName or eventSource that is
 * a GuardDuty EventBridge event, a bare finding or `get-findings` output becomes the finding's
 * matches (src/guardduty/), or a problem naming the field when it cannot be used. Everything
 * else goes to the analyzer as before.
 */
function withGuardDuty(analyzer: Analyzer): Analyzer {
  const analyzeRaw: Analyzer['analyzeRaw'] = (view, file, keyAccountId, window) => {
    let header: ReturnType<typeof view.header>;
    try {
      header = view.header();
    } catch {
      header = undefined;
    }
    if (header && (typeof header.eventName === 'string' || typeof header.eventSource === 'string'))
      return analyzer.analyzeRaw(view, file, keyAccountId, window);
    const found = guardDutyFromText(view.text, { file, index: view.index });
    if (found.kind === 'none') return analyzer.analyzeRaw(view, file, keyAccountId, window);
    if (found.kind === 'problem') return { kind: 'problem', message: found.message };
    const inRange = found.matches.filter((m) => inWindow(m.record.eventTime, window));
    return inRange.length === 0 && found.matches.length > 0
      ? ({ kind: 'out-of-range' } satisfies RawOutcome)
      : { kind: 'record', matches: inRange };
  };
  // Only these two are called by analyzeStream; the analyzer keeps its own state.
  return Object.assign(Object.create(analyzer) as Analyzer, {
    analyzeRaw,
    expireAccounts: () => analyzer.expireAccounts(),
  });
}

function inWindow(time: unknown, window: TimeWindow | undefined): boolean {
  if (!window) return true;
  const t = typeof time === 'string' ? time : '';
  return (
    (window.since === undefined || t >= window.since) && (window.until === undefined || t <= window.until)
  );
}
