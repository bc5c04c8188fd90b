/**
 * Output plumbing shared by the CLI commands: where text goes (so tests can run commands
 * in-process), how diagnostics print, and how attacker-controlled text is made safe for a terminal.
 */
import { cleanLine } from '../../src/notify';
import { formatDiagnostic, type Diagnostic } from '../../src/core';

export interface CliIO {
  out: { write(text: string): unknown };
  err: { write(text: string): unknown };
}

export const processIO: CliIO = { out: process.stdout, err: process.stderr };

/** Shortens text to at most `max` characters, marking the cut with a plain `…`. */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - 1);
  // Never split a surrogate pair: half a character prints as garbage.
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

/** Event text for a terminal: control, bidi and invisible characters escaped, shortened with `…`. */
export function clean(value: unknown, max = 80): string {
  return cut(cleanLine(value, Number.MAX_SAFE_INTEGER), max);
}

/** Wraps text at spaces into lines of at most `width` characters, each indented; nothing is dropped. */
export function wrap(text: string, width: number, indent: number): string {
  const pad = ' '.repeat(indent);
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    let rest = word;
    // A word longer than a line (a URL, an ARN) is split rather than cut.
    while (rest.length > width) {
      if (line) lines.push(line);
      lines.push(rest.slice(0, width));
      rest = rest.slice(width);
      line = '';
    }
    if (line && line.length + 1 + rest.length > width) {
      lines.push(line);
      line = rest;
    } else line = line ? `${line} ${rest}` : rest;
  }
  if (line || lines.length === 0) lines.push(line);
  return lines.map((l) => `${pad}${l}`).join('\n');
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
