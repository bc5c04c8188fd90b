/** After the tests: the run's rule cache (test/global-setup.ts) goes. */
import { rmSync } from 'node:fs';

export default function globalTeardown(): void {
  const dir = process.env.TRAILALERTS_CACHE_DIR;
  if (dir?.includes('trailalerts-test-cache-')) rmSync(dir, { recursive: true, force: true });
}
