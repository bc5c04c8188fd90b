/**
 * `detect --threads`: its values and the number of worker threads they give, apart from the
 * workers' code (detect-threads.ts) so that defining the command loads none of it.
 */
import os from 'node:os';
import { InvalidArgumentError } from 'commander';

/**
 * The number of worker threads for `--threads <value>`: "auto" (default) uses every core but the
 * main thread's (at least one worker on two cores or more), 1 none, n ≥ 2 n - 1.
 */
export function workerCount(value: string | number | undefined, cores = os.availableParallelism()): number {
  if (value === undefined || value === 'auto') return cores >= 2 ? cores - 1 : 0;
  const n = typeof value === 'number' ? value : Number(value);
  return Math.max(0, n - 1);
}

/** `--threads` values: "auto" or a whole number from 1 to 64. */
export function parseThreads(value: string): string | number {
  if (value === 'auto') return value;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64)
    throw new InvalidArgumentError('expected "auto" or a whole number from 1 to 64');
  return n;
}
