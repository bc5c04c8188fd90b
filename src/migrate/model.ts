/** What `trailalerts migrate` reads, writes and reports (src/migrate/migrate.ts). */

/** A file of the TrailAlerts rules folder, its path relative to that folder (`/` separated). */
export interface SourceFile {
  path: string;
  text: string;
}

/** A file of the migrated repository, its path relative to the output folder. */
export interface OutputFile {
  path: string;
  text: string;
}

/**
 * One entry of the report: `changed` is a rewrite to standard Sigma or to this project's layout;
 * `untranslated` is a construct with no standard form, left as it was or dropped; `note` is a
 * difference in meaning worth knowing.
 */
export interface Change {
  kind: 'changed' | 'untranslated' | 'note';
  /** The source file (relative to the TrailAlerts rules folder) and line. */
  file: string;
  line?: number;
  message: string;
}

export interface MigrationResult {
  files: OutputFile[];
  changes: Change[];
  counts: { rules: number; tests: number; correlations: number; exceptions: number };
}
