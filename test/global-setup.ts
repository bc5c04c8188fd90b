/**
 * Before the tests: the CLI bundle that bin/trailalerts.js runs (tests start it as a process),
 * built when bin/, src/ or package*.json changed since the last build, so tests never run a
 * stale bundle; and a rule cache of the run's own, so they never touch the user's.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { buildCli } from '../scripts/build-cli';

export default async function globalSetup(): Promise<void> {
  await buildCli({ ifStale: true });
  process.env.TRAILALERTS_CACHE_DIR = mkdtempSync(join(os.tmpdir(), 'trailalerts-test-cache-'));
}
