/** `trailalerts migrate`: a TrailAlerts rules folder rewritten in this project's dialect. */
export { migrateRepository } from './migrate';
export type { SourceFile } from './model';
