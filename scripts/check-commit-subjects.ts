/**
 * Fails when a commit subject is over 72 characters (CONTRIBUTING.md), for every commit since the
 * one that wrote that rule down. Older history is left as it is. Outside a git checkout, or in a
 * shallow clone without that commit, it says so and checks nothing.
 *
 *   npx tsx scripts/check-commit-subjects.ts
 */
import { execFileSync } from 'node:child_process';

const MAX_SUBJECT = 72;

function git(args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
}

/** The commit that added CONTRIBUTING.md, where the rule starts; undefined when not in this history. */
function ruleCommit(): string | undefined {
  const added = git(['log', '--diff-filter=A', '--format=%H', '--', 'CONTRIBUTING.md']);
  return added?.trim().split('\n').filter(Boolean).pop();
}

/** `hash subject` of each commit since `base` whose subject is too long. */
function longSubjects(base: string): string[] {
  const log = git(['log', '--format=%h%x09%s', `${base}..HEAD`]) ?? '';
  return log
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split('\t'))
    .filter(([, subject]) => [...subject].length > MAX_SUBJECT)
    .map(([hash, subject]) => `${hash} (${[...subject].length} characters): ${subject}`);
}

function main(): void {
  const base = ruleCommit();
  if (!base) {
    console.log('commit subjects: not checked (no git history with CONTRIBUTING.md here)');
    return;
  }
  const long = longSubjects(base);
  if (long.length > 0) {
    console.error(`commit subjects over ${MAX_SUBJECT} characters (CONTRIBUTING.md, "Commits"):`);
    for (const line of long) console.error(`  ${line}`);
    process.exitCode = 1;
    return;
  }
  console.log(`commit subjects: all within ${MAX_SUBJECT} characters since ${base.slice(0, 7)}`);
}

main();
