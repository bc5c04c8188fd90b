/** One thing `trailalerts validate` checks (validate.ts runs them, validate-config.ts adds one). */
import type { Diagnostic } from '../../src/core';

/** Returns its diagnostics and a one-line summary. */
export interface ValidationStep {
  name: string;
  /** Exit status when this step finds errors (default 1). */
  exitCode?: number;
  run():
    { diagnostics: Diagnostic[]; summary: string } | Promise<{ diagnostics: Diagnostic[]; summary: string }>;
}
