/** Finds TrailAlerts-format rule test files (`*_tests.json`) under files and directories. */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Diagnostic } from '../core';

const TEST_FILE = /_tests\.json$/i;

export function isTestFile(path: string): boolean {
  return TEST_FILE.test(path);
}

export function listTestFiles(paths: string[], problems: Diagnostic[]): string[] {
  const out: string[] = [];
  const walk = (path: string, depth: number, explicit: boolean) => {
    let stat;
    try {
      stat = statSync(path);
    } catch {
      if (explicit) problems.push({ severity: 'error', file: path, message: 'no such file or directory' });
      return;
    }
    if (stat.isDirectory()) {
      if (depth > 32) return;
      for (const name of readdirSync(path).sort())
        if (!name.startsWith('.') && name !== 'node_modules') walk(join(path, name), depth + 1, false);
    } else if (TEST_FILE.test(path)) {
      out.push(path);
    }
  };
  for (const p of paths) walk(p, 0, true);
  return out;
}
