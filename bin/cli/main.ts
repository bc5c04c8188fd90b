/**
 * What `trailalerts` runs: the program on process.argv, with the rule cache of a built CLI,
 * ending quietly when the reader of its output goes away. The entry point of the CLI bundle
 * (scripts/build-cli.ts) and of bin/trailalerts.ts.
 */
import { version } from '../../package.json';
import { useDocumentCache } from '../../src/sigma';
import { exitQuietlyOnBrokenPipe } from './pipes';
import { buildProgram } from './program';
import { processRuleCache } from './rule-cache';

export async function main(argv: string[] = process.argv): Promise<void> {
  exitQuietlyOnBrokenPipe();
  useDocumentCache(processRuleCache(version));
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    process.stderr.write(`trailalerts: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
