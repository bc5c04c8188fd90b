/**
 * `trailalerts migrate <TrailAlerts rules dir> --out <dir>`: writes the folder as a repository this
 * project runs natively (standard Sigma rules, Sigma correlations, an accounts.yaml exceptions
 * block) and MIGRATION.md, the report of each change and of what could not be translated.
 */
import { Command } from 'commander';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import type { SourceFile } from '../../src/migrate';
import { EXIT_FAILED, EXIT_INPUT, exitHelp } from './exit-codes';
import { clean, processIO, type CliIO } from './io';

export interface MigrateOptions {
  out: string;
  /** Write into an output folder that already holds files (same names are overwritten). */
  force?: boolean;
}

function readTree(root: string): SourceFile[] {
  const files: SourceFile[] = [];
  const walk = (dir: string, depth: number): void => {
    for (const name of readdirSync(dir).sort()) {
      if (name.startsWith('.') || name === 'node_modules') continue;
      const path = join(dir, name);
      const stat = statSync(path);
      if (stat.isDirectory() && depth < 16) walk(path, depth + 1);
      else if (stat.isFile())
        files.push({ path: relative(root, path).split(sep).join('/'), text: readFileSync(path, 'utf8') });
    }
  };
  walk(root, 0);
  return files;
}

export async function runMigrate(
  source: string,
  opts: MigrateOptions,
  io: CliIO = processIO,
): Promise<number> {
  if (!existsSync(source) || !statSync(source).isDirectory()) {
    io.err.write(`error: ${source}: not a directory (expected TrailAlerts' rules/ folder)\n`);
    return EXIT_INPUT;
  }
  if (existsSync(opts.out) && readdirSync(opts.out).length > 0 && !opts.force) {
    io.err.write(`error: ${opts.out} is not empty (pass --force to write into it)\n`);
    return EXIT_FAILED;
  }
  const { migrateRepository } = await import('../../src/migrate/migrate');
  const result = migrateRepository(readTree(source));
  for (const file of result.files) {
    const path = join(opts.out, ...file.path.split('/'));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.text);
  }
  for (const c of result.changes.filter((x) => x.kind === 'untranslated'))
    io.err.write(
      `${clean(`not translated: ${join(source, c.file)}${c.line !== undefined ? `:${c.line}` : ''} => ${c.message}`, 2000)}\n`,
    );
  const { counts } = result;
  const count = (kind: string) => result.changes.filter((c) => c.kind === kind).length;
  io.out.write(
    `migrated ${source} to ${opts.out}: ${counts.rules} rule files, ${counts.tests} test files, ` +
      `${counts.correlations} correlation rules, ${counts.exceptions} exceptions\n` +
      `${count('changed')} changes, ${count('note')} differences, ${count('untranslated')} not translated: ` +
      `see ${join(opts.out, 'MIGRATION.md')}\n`,
  );
  return 0;
}

export function migrateCommand(io: CliIO = processIO): Command {
  return new Command('migrate')
    .description(
      'rewrite a TrailAlerts rules folder as standard Sigma rules, Sigma correlations and an accounts.yaml exceptions block, with a report (MIGRATION.md)',
    )
    .argument('<dir>', "TrailAlerts' rules folder (sigma_rules/, postprocessing_rules/, exceptions.json)")
    .requiredOption('--out <dir>', 'where to write rules/, accounts-exceptions.yaml and MIGRATION.md')
    .option('--force', 'write into an output folder that is not empty')
    .addHelpText(
      'after',
      exitHelp([EXIT_INPUT, EXIT_FAILED], {
        [EXIT_INPUT]: 'the rules folder does not exist',
        [EXIT_FAILED]: 'the output folder is not empty (without --force)',
      }),
    )
    .action(async (dir: string, opts: MigrateOptions) => {
      process.exitCode = await runMigrate(dir, opts, io);
    });
}
