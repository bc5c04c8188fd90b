export type Severity = 'error' | 'warning' | 'notice';

/** One problem found while loading rules or configuration: `file:line path => message`. */
export interface Diagnostic {
  severity: Severity;
  file: string;
  line?: number;
  /** Path inside the document, e.g. `detection.selection.eventName|contains`. */
  path?: string;
  message: string;
  ruleTitle?: string;
  ruleId?: string;
}

/** Formats a diagnostic the way every command prints it. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line !== undefined ? `${d.file}:${d.line}` : d.file;
  const path = d.path ? ` ${d.path}` : '';
  return `${d.severity}: ${where}${path} => ${d.message}`;
}
