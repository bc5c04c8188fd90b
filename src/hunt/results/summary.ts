/** The summary of a hunt execution (summarize.ts builds it; bin/cli/hunt-output.ts prints it). */
import type { HuntMatchSummary, ObjectProblems } from '../index';
import type { HuntRun } from './execution';

export interface FailedBatch {
  /** The child execution's name (or its index in the result file). */
  name: string;
  status: string;
  error?: string;
  cause?: string;
  /** Its day prefixes, when its input was recorded. */
  prefixes: string[];
}

export interface HuntTotals {
  /** Prefixes read whole; the other totals (but unreadableObjects and truncatedMatches) are theirs. */
  prefixes: number;
  objects: number;
  records: number;
  outOfRange: number;
  matches: number;
  damagedObjects: number;
  skippedObjects: number;
  outsideWindowObjects: number;
  /** Objects (or prefix listings) that could not be read: retryable, their prefixes are hunted again. */
  unreadableObjects: number;
  truncatedMatches: number;
}

export interface HuntSummary {
  executionArn: string;
  status: string;
  /** Why the execution failed (FAILED, TIMED_OUT, ABORTED). */
  error?: string;
  cause?: string;
  startDate?: string;
  stopDate?: string;
  stateMachineArn?: string;
  hunt?: HuntRun;
  /** Why the hunt parameters are unknown (then no re-run command is given). */
  huntProblem?: string;
  results?: { bucket: string; manifestKey: string; files: number; mapRunArn?: string };
  /** Why no results could be read. */
  resultsProblem?: string;
  batches: { succeeded: number; failed: number; pending: number; malformed: number };
  totals: HuntTotals;
  /** Matches per rule, most first. */
  byRule: { ruleId: string; title: string; count: number }[];
  /** The earliest listed matches (by event time), at most `listedLimit`. */
  listed: HuntMatchSummary[];
  listedLimit: number;
  /** Listed by the workers in all (each lists at most its first 100). */
  listedAvailable: number;
  /** Damaged objects (at most 200, by key); totals.damagedObjects counts all. */
  damaged: ObjectProblems[];
  /** Unreadable objects (at most 200, by key); totals.unreadableObjects counts all. */
  unreadable: ObjectProblems[];
  /** Failed or never-run batches (at most 200, by name); batches.failed/pending count all. */
  failedBatches: FailedBatch[];
  /** Prefixes a worker had no time for. */
  unfinished: string[];
  /** Prefixes left out of the totals because some of their objects could not be read. */
  unreadablePrefixes: string[];
  unknownRules: string[];
  /** Malformed or unreadable result files and entries (at most 100); problemCount counts all. */
  problems: string[];
  problemCount: number;
  /** What to hunt again: unfinished and unreadable prefixes, and those of failed, pending or malformed batches. */
  rerun: {
    prefixes: string[];
    /** Batches whose prefixes are unknown (input not recorded or unreadable). */
    unknownBatches: number;
    command?: string;
    /** The file the command reads with --prefixes-from (when the prefixes do not fit inline). */
    prefixesFile?: string;
  };
  /**
   * For a failed, timed-out or aborted execution: RedriveExecution resumes it, running again only
   * the batches that did not succeed (what succeeded is not read again). `reason` says why not.
   */
  redrive?: { offered: boolean; command?: string; reason?: string };
  /** True when every object of every planned prefix was read and every result was readable. */
  complete: boolean;
}
