/**
 * One log object through the analyzer: stream → records → per-account rule set → matches → sink.
 * Records before a corruption are still evaluated and their matches sent; the corruption is then
 * raised so the queue message is retried and, after its retries, kept in the DLQ for replay.
 */
import type { Readable } from 'node:stream';
import { isCloudTrailLogKey, parseTrailKey } from '../cloudtrail';
import type { Match } from '../alerts';
import { formatDiagnostic, type Diagnostic, TrailAlertsError } from '../core';
import type { Analyzer } from './analyze';
import { analyzeStream } from './analyze-stream';
import type { MatchSink } from './match-queue';
import type { ObjectRef } from './object-events';

export interface ObjectAnalysis {
  skipped: boolean;
  records: number;
  matches: number;
  problems: Diagnostic[];
}

/** Raised after the good records of a damaged object were analyzed. */
export class DamagedObjectError extends TrailAlertsError {
  constructor(
    readonly ref: ObjectRef,
    readonly problems: Diagnostic[],
  ) {
    super(`s3://${ref.bucket}/${ref.key}: ${problems.map(formatDiagnostic).join('; ')}`);
  }
}

const FLUSH_EVERY = 50;

export async function analyzeObject(
  ref: ObjectRef,
  deps: { open: (ref: ObjectRef) => Promise<Readable>; analyzer: Analyzer; sink: MatchSink },
): Promise<ObjectAnalysis> {
  const result: ObjectAnalysis = { skipped: false, records: 0, matches: 0, problems: [] };
  if (!isCloudTrailLogKey(ref.key)) {
    result.skipped = true;
    return result;
  }
  const name = `s3://${ref.bucket}/${ref.key}`;
  const keyAccount = parseTrailKey(ref.key)?.accountId;
  let pending: Match[] = [];
  const stream = await deps.open(ref);
  const batches = analyzeStream(stream, name, deps.analyzer, (p) => result.problems.push(p), {
    keyAccountId: keyAccount,
  });
  for await (const batch of batches) {
    result.records += batch.records;
    if (batch.matches.length === 0) continue;
    result.matches += batch.matches.length;
    for (const m of batch.matches) pending.push(m);
    if (pending.length >= FLUSH_EVERY) {
      await deps.sink.send(pending);
      pending = [];
    }
  }
  if (pending.length > 0) await deps.sink.send(pending);
  const errors = result.problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) throw new DamagedObjectError(ref, errors);
  return result;
}
