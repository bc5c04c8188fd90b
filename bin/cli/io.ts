/**
 * Output plumbing shared by the CLI commands: where text goes (so tests can run commands
 * in-process), how diagnostics print, and how attacker-controlled text is made safe for a terminal.
 */
import { formatDiagnostic, type Diagnostic } from '../../lambdas/sigma/model';

export interface CliIO {
  out: { write(text: string): unknown };
  err: { write(text: string): unknown };
}

export const processIO: CliIO = { out: process.stdout, err: process.stderr };

/** Exit status when any rule (or configuration) is invalid. */
export const EXIT_INVALID_RULES = 3;

/** Removes control characters and terminal escapes from event text and shortens it. */
export function clean(value: unknown, max = 80): string {
  const text =
    value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  // eslint-disable-next-line no-control-regex
  const safe = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, '?');
  return safe.length > max ? `${safe.slice(0, max - 1)}…` : safe;
}

export function printDiagnostics(
  io: CliIO,
  diagnostics: Diagnostic[],
  severities: Diagnostic['severity'][] = ['error', 'warning'],
): void {
  for (const d of diagnostics)
    if (severities.includes(d.severity)) io.err.write(`${clean(formatDiagnostic(d), 2000)}\n`);
}

/** Collects repeated `--rules` options. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
