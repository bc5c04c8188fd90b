/**
 * The rules a command reads when none are named: ./rules when it exists (the layout of a rules
 * repository and of this checkout), else the pack that ships in the installed package, so that
 * `npx trailalerts scan <logs>` in any folder runs the shipped detections instead of none.
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The folder a command reads when it is given no rule paths. */
export const LOCAL_RULES = 'rules';

const PACKAGE_NAME = 'trailalerts-org';

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The rules folder of the package the running command belongs to, found from its entry script
 * (bin/trailalerts.js, reached through node_modules/.bin's link): undefined when the script is not
 * this package's (a test runner, an embedding program).
 */
export function shippedRulesDir(script: string | undefined = process.argv[1]): string | undefined {
  if (!script) return undefined;
  try {
    const root = dirname(dirname(realpathSync(script)));
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name?: unknown };
    if (manifest.name !== PACKAGE_NAME) return undefined;
    const rules = join(root, LOCAL_RULES);
    return isDirectory(rules) ? rules : undefined;
  } catch {
    return undefined;
  }
}

export interface DefaultRules {
  paths: string[];
  /** Set when the shipped pack stands in for a missing ./rules: the line that says so. */
  notice?: string;
}

/** The rule paths of a command given none; `local` and `shipped` are parameters for the tests. */
export function defaultRules(local = LOCAL_RULES, shipped = shippedRulesDir()): DefaultRules {
  if (existsSync(local) || shipped === undefined) return { paths: [local] };
  return {
    paths: [shipped],
    notice: `rules: there is no ./${LOCAL_RULES} here, so the rules that ship with trailalerts run (${shipped}); --rules names others`,
  };
}

/** The rule paths given, or the default ones, with the default's notice written to `err`. */
export function givenOrDefaultRules(
  given: string[] | undefined,
  err: { write(text: string): unknown },
): string[] {
  if (given !== undefined) return given;
  const fallback = defaultRules();
  if (fallback.notice) err.write(`${fallback.notice}\n`);
  return fallback.paths;
}

/**
 * The paths a command that checks the user's own rules (validate, test) reads: those given, else
 * ./rules, with a hint written to `err` when that is missing.
 */
export function givenOrLocalRules(
  given: string[],
  command: string,
  err: { write(text: string): unknown },
): string[] {
  if (given.length > 0) return given;
  if (!existsSync(LOCAL_RULES)) err.write(`${missingLocalRulesHint(command)}\n`);
  return [`${LOCAL_RULES}/`];
}

/**
 * What a command that checks the user's own rules says when it was given none and ./rules is
 * missing: where it looked, and what to name instead.
 */
export function missingLocalRulesHint(command: string, shipped = shippedRulesDir()): string {
  return (
    `${command}: no paths given and there is no ./${LOCAL_RULES} folder here: name rule files or folders` +
    (shipped ? ` (the rules that ship with trailalerts are in ${shipped})` : '')
  );
}
