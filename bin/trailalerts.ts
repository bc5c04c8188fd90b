/**
 * The `trailalerts` command line from source (`npx tsx bin/trailalerts.ts`, `npm run trailalerts`);
 * `npx trailalerts` runs the bundle built from bin/cli/main.ts instead (bin/trailalerts.js).
 * The program itself is built in bin/cli/program.ts so tests can use it in-process.
 */
import { main } from './cli/main';
import { buildProgram } from './cli/program';

export { buildProgram };

if (require.main === module || require.main?.filename.endsWith('trailalerts.js')) void main();
