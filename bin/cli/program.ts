/**
 * Builds the `trailalerts` commander program: one sub-command per file in bin/cli/.
 * Add a command by writing bin/cli/<name>.ts exporting `<name>Command()` and adding it here.
 * Start-up: this file and the command files import only commander and light helpers at the top;
 * each command loads what it runs (rules engine, pipeline, AWS SDK) inside its action, with
 * `await import(…)`, so `--help` loads none of it (test/cli/startup.test.ts checks).
 */
import { Command } from 'commander';
import { version } from '../../package.json';
import type { SequenceTester } from '../../src/sigma';
import { detectCommand } from './detect';
import { explainCommand } from './explain';
import { huntCommand, huntResultsCommand } from './hunt';
import { migrateCommand } from './migrate';
import { replayCommand } from './replay';
import { scanCommand } from './scan';
import { testCommand } from './test';
import { validateCommand } from './validate';

/** The correlation engine, loaded when a sequence test runs. */
const sequenceTester: SequenceTester = async (...args) =>
  (await import('./correlation-tester')).correlationSequenceTester(...args);

export function buildProgram(): Command {
  const program = new Command('trailalerts')
    .description('TrailAlerts for AWS Organizations: Sigma detections over organization CloudTrail')
    .version(version)
    .showHelpAfterError();
  program.addCommand(scanCommand());
  program.addCommand(detectCommand());
  program.addCommand(testCommand({ sequenceTester }));
  program.addCommand(validateCommand());
  program.addCommand(explainCommand());
  program.addCommand(replayCommand());
  program.addCommand(huntCommand());
  program.addCommand(huntResultsCommand());
  program.addCommand(migrateCommand());
  return program;
}
