/**
 * Builds the `trailalerts` commander program: one sub-command per file in bin/cli/.
 * Add a command by writing bin/cli/<name>.ts exporting `<name>Command()` and adding it here.
 */
import { Command } from 'commander';
import { detectCommand } from './detect';
import { explainCommand } from './explain';
import { huntCommand, huntResultsCommand } from './hunt';
import { replayCommand } from './replay';
import { scanCommand } from './scan';
import { correlationSequenceTester } from './correlation-tester';
import { testCommand } from './test';
import { validateCommand } from './validate';

export function buildProgram(): Command {
  const program = new Command('trailalerts')
    .description('TrailAlerts for AWS Organizations: Sigma detections over organization CloudTrail')
    .showHelpAfterError();
  program.addCommand(scanCommand());
  program.addCommand(detectCommand());
  program.addCommand(testCommand({ sequenceTester: correlationSequenceTester }));
  program.addCommand(validateCommand());
  program.addCommand(explainCommand());
  program.addCommand(replayCommand());
  program.addCommand(huntCommand());
  program.addCommand(huntResultsCommand());
  return program;
}
