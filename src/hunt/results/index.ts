/**
 * Reading a retro-hunt's results: wait for the execution (wait.ts), find and read what the
 * Distributed Map's ResultWriter wrote (locate.ts, manifest.ts, batch-result.ts), fold it into one
 * summary (aggregate.ts, summarize.ts) with the command that hunts again what was not read
 * (rerun.ts). Pure functions over a small port (port.ts); the SDK adapter is aws-port.ts, imported
 * on its own so that nothing here loads the SDK. bin/cli/hunt-output.ts prints the summary.
 */
export { parseBatchResult } from './batch-result';
export { parseExecutionArn, parseHuntRun, type HuntRun } from './execution';
export { locateResults, resultsFromOutput, type ResultsLocation } from './locate';
export { parseManifest, type ResultFileRef } from './manifest';
export {
  isTerminal,
  type ExecutionDescription,
  type ExecutionStatus,
  type HuntResultsPort,
  type MapRunProgress,
} from './port';
export { INLINE_RERUN_PREFIXES, rerunCommand, shellQuote } from './rerun';
export { redriveOffer, summarizeHunt, type SummarizeOptions } from './summarize';
export type { FailedBatch, HuntSummary, HuntTotals } from './summary';
export { waitForExecution, type WaitOptions, type WaitOutcome, type WaitProgress } from './wait';
