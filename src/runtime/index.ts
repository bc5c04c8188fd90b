/**
 * Assembly and orchestration: what the handlers, the CLI and the scripts use of runtime/. scan() and
 * replayQueue() are not here: only the CLI loads them, lazily, and a Lambda bundle that imports this
 * file would otherwise carry scan.ts's own lazy import machinery.
 */
export { analyzeObject, DamagedObjectError } from './analyze-object';
export { analyzeStream } from './analyze-stream';
export { Analyzer, type AnalyzerOptions, type TimeWindow } from './analyze';
export { assembleProcessor, findingsAccountOf } from './assemble';
export { buildPolicy, loadConfig, loadDetectionContent } from './build';
export { ColdStartError, lazyRetrying } from './lazy-retrying';
export { decodeMatch, SqsMatchSink, type MatchSink } from './match-queue';
export { encodeCloudTrailNotification, objectRefsFromMessage } from './object-events';
export { isPostProcessingPath } from './postprocessing-files';
export { emptyCounters, type AlertProcessor } from './process';
export { StoredFindingTimes, FINDING_TIMES_TTL_DAYS } from './finding-times';
export type { ProcessorCounters } from './processor-counters';
export { loadRuntime, requireEnv, type Runtime } from './runtime';
export { listLogKeys, openObject, s3ErrorHint } from './s3-objects';
export type { ScanProgress } from './scan';
export { UNLIMITED, type TimeBudget } from './send-budget';
export { sqsBatchHandler } from './sqs-batch';
export type { TextRecordMatch } from './text-match';
export { trailS3ClientFromEnv } from './trail-s3-client';
