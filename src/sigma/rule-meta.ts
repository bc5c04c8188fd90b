/**
 * Reads the metadata shared by Sigma rules, correlations and filters (title, id, level, tags …)
 * from a document, with problems as diagnostics.
 */
import { createHash } from 'node:crypto';
import { LEVELS, type Diagnostic, type Level } from '../core';
import { type RuleMeta } from './model';
import { entryOf, toPlain, type SourceNode } from './yaml-documents';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const STATUSES = ['stable', 'test', 'experimental', 'deprecated', 'unsupported'];

export type Report = (d: Omit<Diagnostic, 'file'>) => void;

/** A stable rule id derived from file and title (UUID-shaped, name-based). */
export function derivedRuleId(file: string, title: string): string {
  const h = createHash('sha1')
    .update(`${file.replace(/\\/g, '/')}\n${title}`)
    .digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function text(node: SourceNode | undefined): string | undefined {
  if (!node || node.kind !== 'scalar' || node.value === null) return undefined;
  return String(node.value);
}

function stringList(root: SourceNode, key: string, report: Report): string[] {
  const entry = entryOf(root, key);
  if (!entry || (entry.value.kind === 'scalar' && entry.value.value === null)) return [];
  if (entry.value.kind === 'scalar') return [String(entry.value.value)];
  if (entry.value.kind === 'seq' && entry.value.items.every((i) => i.kind === 'scalar'))
    return entry.value.items.map((i) => String(toPlain(i)));
  report({ severity: 'warning', line: entry.keyLine, path: key, message: 'expected a list of texts' });
  return [];
}

export function readMeta(
  root: SourceNode,
  file: string,
  line: number,
  report: Report,
  defaultLevel: Level = 'medium',
): RuleMeta | undefined {
  const titleEntry = entryOf(root, 'title');
  const title = text(titleEntry?.value)?.trim();
  if (!title) {
    report({
      severity: 'error',
      line: titleEntry?.keyLine ?? line,
      path: 'title',
      message: 'missing title (a text is required)',
    });
    return undefined;
  }
  const idEntry = entryOf(root, 'id');
  let id = text(idEntry?.value)?.trim();
  if (id !== undefined && !UUID.test(id))
    report({ severity: 'warning', line: idEntry?.keyLine, path: 'id', message: `id '${id}' is not a UUID` });
  if (!id) id = derivedRuleId(file, title);
  const levelEntry = entryOf(root, 'level');
  let level: Level = defaultLevel;
  const levelText = text(levelEntry?.value)?.trim().toLowerCase();
  if (levelText !== undefined) {
    if ((LEVELS as readonly string[]).includes(levelText)) level = levelText as Level;
    else
      report({
        severity: 'error',
        line: levelEntry?.keyLine,
        path: 'level',
        message: `level '${levelText}' is not one of ${LEVELS.join(', ')}`,
      });
  }
  const statusEntry = entryOf(root, 'status');
  const status = text(statusEntry?.value)?.trim();
  if (status !== undefined && !STATUSES.includes(status))
    report({
      severity: 'warning',
      line: statusEntry?.keyLine,
      path: 'status',
      message: `status '${status}' is not one of ${STATUSES.join(', ')}`,
    });
  const fields = entryOf(root, 'fields') ? stringList(root, 'fields', report) : undefined;
  return {
    id,
    title,
    level,
    status,
    description: text(entryOf(root, 'description')?.value),
    author: text(entryOf(root, 'author')?.value),
    date: text(entryOf(root, 'date')?.value),
    tags: stringList(root, 'tags', report),
    references: stringList(root, 'references', report),
    falsepositives: stringList(root, 'falsepositives', report),
    name: text(entryOf(root, 'name')?.value)?.trim(),
    file,
    line,
    ...(fields ? { fields } : {}),
  };
}
