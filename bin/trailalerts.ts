/**
 * The `trailalerts` command line entry point (run through bin/trailalerts.js or `npx tsx`).
 * The program itself is built in bin/cli/program.ts so tests can use it in-process.
 */
import { exitQuietlyOnBrokenPipe } from './cli/pipes';
import { buildProgram } from './cli/program';

export { buildProgram };

if (require.main === module || require.main?.filename.endsWith('trailalerts.js')) {
  exitQuietlyOnBrokenPipe();
  buildProgram()
    .parseAsync(process.argv)
    .catch((error: unknown) => {
      process.stderr.write(`trailalerts: ${(error as Error).message}\n`);
      process.exitCode = 1;
    });
}
