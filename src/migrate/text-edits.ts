/**
 * Edits of a YAML text by offsets, so a migrated rule keeps its comments, order and layout and
 * differs from the original only where something was rewritten.
 */

export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

/** Applies non-overlapping edits (in any order). */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start))
    out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

/** The 1-based line of an offset. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** The whole lines from the one holding `start` to the one holding `end`, with its newline. */
export function wholeLines(text: string, start: number, end: number): { start: number; end: number } {
  const from = text.lastIndexOf('\n', start - 1) + 1;
  const newline = text.indexOf('\n', end);
  return { start: from, end: newline < 0 ? text.length : newline + 1 };
}

/** The column (0-based) of an offset. */
export function columnAt(text: string, offset: number): number {
  return offset - (text.lastIndexOf('\n', offset - 1) + 1);
}

/** A YAML scalar for `value`: plain when that reads back as the same string, else single-quoted. */
export function yamlScalar(value: string): string {
  const plain =
    /^[A-Za-z0-9_./-][A-Za-z0-9_./|: -]*$/.test(value) &&
    !/: |:$| #|^(true|false|null|yes|no|on|off|~|[-+]?[0-9.]+([eE][-+]?[0-9]+)?)$/i.test(value) &&
    value.trim() === value;
  return plain ? value : `'${value.replace(/'/g, "''")}'`;
}
