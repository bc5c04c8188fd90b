/**
 * What the benchmark measures, as one entry point: scripts/bundled-engine.ts bundles it with
 * esbuild (as the Lambdas are bundled) so that the figures are those of the deployed code.
 * Only src/ code here: nothing with a command-line entry of its own.
 */
export { RecordSource } from '../src/cloudtrail/raw';
export { Analyzer } from '../src/runtime';
export { analyzeStream } from '../src/runtime';
export { loadRules, RuleIndex } from '../src/sigma';
