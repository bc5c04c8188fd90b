/**
 * What the benchmark measures, as one entry point: scripts/bundled-engine.ts bundles it with
 * esbuild (as the Lambdas are bundled) so that the figures are those of the deployed code.
 * Only lambdas/ code here: nothing with a command-line entry of its own.
 */
export { RecordSource } from '../lambdas/cloudtrail/raw';
export { Analyzer } from '../lambdas/pipeline/analyze';
export { analyzeStream } from '../lambdas/pipeline/analyze-stream';
export { loadRules, RuleIndex } from '../lambdas/sigma';
