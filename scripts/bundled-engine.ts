/**
 * The analyzer's code for the benchmarks, bundled by esbuild into one file the way the Lambdas
 * are (stacks: NodejsFunction). Run under tsx, every module is loaded on its own and calls
 * between them go through module objects; the analyzer measured about 15% slower that way than
 * as the bundle it is in production.
 */
import { buildSync } from 'esbuild';
import { join } from 'node:path';

export type Engine = typeof import('./bench-engine');

let engine: Engine | undefined;

/** Builds .bench/engine.js from scripts/bench-engine.ts (once per process) and loads it. */
export function bundledEngine(): Engine {
  if (!engine) {
    const outfile = join(__dirname, '..', '.bench', 'engine.js');
    buildSync({
      entryPoints: [join(__dirname, 'bench-engine.ts')],
      bundle: true,
      platform: 'node',
      target: 'node20',
      outfile,
      logLevel: 'error',
    });
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a file built just now
    engine = require(outfile) as Engine;
  }
  return engine;
}

/** Where the bundle is, for the benchmark's first line. */
export const BUNDLED_ENGINE_FILE = '.bench/engine.js';
