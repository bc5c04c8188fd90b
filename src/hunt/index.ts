/**
 * Retro-hunts: names shared with the stacks, the plan and its estimate, starting a hunt, the
 * worker's batch. The Lambda entry (handler.ts) is not exported; results/ has its own index.
 */
export {
  CPU_OBJECTS_PER_SECOND,
  describeEstimate,
  estimateHunt,
  estimatePlanObjects,
  OBJECTS_PER_DAY,
  WORKER_MEMORY_MB,
  workerRate,
} from './estimate';
export type { HuntItem } from './input';
export {
  DEFAULT_DEPLOYMENT_NAME,
  deploymentOfStateMachine,
  HUNT_RESULTS_PREFIX,
  huntBucketName,
  huntStateMachineName,
} from './names';
export { INLINE_PREFIX_LIMIT, parsePrefixList, planHunt, type HuntMode, type HuntPlan } from './plan';
export { startHuntParts, type StartedHunt } from './start';
export type { HuntBatchResult, HuntMatchSummary, ObjectProblems } from './tally';
export { huntBatch, type HuntWorkerDeps } from './worker';
