/**
 * Rewrites the detection items TrailAlerts' matcher reads outside the Sigma specification
 * (lambda_code/cloudtrail_analyzer/sigma_matcher.py) into standard Sigma, or says why it cannot:
 *   - a dotted value in `contains` is read there as a field reference: `|fieldref|contains`;
 *   - `userIdentity.arn|fieldref` compares the user name inside the ARN: `userIdentity.userName`;
 *   - a list of maps matches any array element holding those keys: a dotted path per leaf;
 *   - `|re` patterns: a leading or trailing `.*` dropped, constructs RE2 cannot run named.
 */
import { isMap, isScalar, isSeq, type Node, type Pair } from 'yaml';
import { compileRegex, trimDotStars } from '../regex';
import type { Change } from './model';
import { columnAt, lineAt, wholeLines, yamlScalar, type TextEdit } from './text-edits';
import { isProblem } from '../core';

export interface ItemContext {
  text: string;
  file: string;
  edits: TextEdit[];
  changes: Change[];
}

// Top-level CloudTrail fields that hold objects: a dotted value starting with one reads as a path.
const OBJECT_FIELDS = new Set([
  'userIdentity',
  'requestParameters',
  'responseElements',
  'additionalEventData',
  'serviceEventDetails',
  'tlsDetails',
  'resources',
  'edgeDeviceDetails',
  'insightDetails',
]);

/** A dotted value that names a CloudTrail field, as opposed to text with dots in it (`amazonaws.com`). */
export function looksLikeFieldPath(value: string): boolean {
  return (
    /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(value) &&
    OBJECT_FIELDS.has(value.split('.')[0])
  );
}

/** Every search identifier's items of a detection map. */
export function rewriteDetection(detection: Node | null | undefined, ctx: ItemContext): void {
  if (!isMap(detection)) return;
  for (const entry of detection.items) {
    const name = isScalar(entry.key) ? String(entry.key.value) : '';
    if (name === 'condition' || name === 'timeframe') continue;
    const maps = isMap(entry.value)
      ? [entry.value]
      : isSeq(entry.value)
        ? entry.value.items.filter(isMap)
        : [];
    for (const map of maps) for (const item of map.items) rewriteItem(item as Pair<Node, Node>, ctx);
  }
}

function rewriteItem(item: Pair<Node, Node>, ctx: ItemContext): void {
  if (!isScalar(item.key) || !item.key.range) return;
  const key = String(item.key.value);
  const [field, ...modifiers] = key.split('|');
  const line = lineAt(ctx.text, item.key.range[0]);
  const change = (kind: Change['kind'], message: string) =>
    ctx.changes.push({ kind, file: ctx.file, line, message });
  const setKey = (newKey: string) =>
    ctx.edits.push({ start: item.key.range![0], end: item.key.range![1], text: yamlScalar(newKey) });
  const value = item.value;
  const single = isScalar(value) && typeof value.value === 'string' ? value.value : undefined;

  if (modifiers.includes('re')) {
    rewritePatterns(key, value, modifiers, ctx);
    return;
  }
  if (modifiers.includes('contains') && !modifiers.includes('fieldref') && single?.includes('.')) {
    if (looksLikeFieldPath(single)) {
      const at = modifiers.indexOf('contains');
      const newKey = [field, ...modifiers.slice(0, at), 'fieldref', ...modifiers.slice(at)].join('|');
      setKey(newKey);
      change(
        'changed',
        `${key}: ${single} → ${newKey}: ${single} (TrailAlerts reads a dotted value in contains as a field reference; Sigma says so with |fieldref)`,
      );
    } else {
      change(
        'note',
        `${key}: ${single} is matched as text, as Sigma reads it; TrailAlerts looked for a field named "${single}" and, finding none, never matched this item`,
      );
    }
    return;
  }
  if (modifiers.length === 1 && modifiers[0] === 'fieldref' && single !== undefined && /arn$/i.test(field)) {
    if (field === 'userIdentity.arn' && /(^|\.)userName$/i.test(single)) {
      const newKey = ['userIdentity.userName', ...modifiers].join('|');
      setKey(newKey);
      change(
        'changed',
        `${key}: ${single} → ${newKey}: ${single} (TrailAlerts compares the user name inside the ARN; userIdentity.userName is that name for IAM users, and absent for roles, as the ARN then holds no user/)`,
      );
    } else {
      change(
        'untranslated',
        `${key}: ${single}: TrailAlerts compares the user name inside the ARN (after user/); Sigma has no form for part of a field, so this compares the whole values`,
      );
    }
    return;
  }
  if (isSeq(value) && value.items.length > 0 && value.items.every(isMap))
    rewriteListOfMaps(item, field, line, ctx);
}

/** `|re` values: simplified, or named as untranslatable (kept as written; the loader refuses them). */
function rewritePatterns(key: string, value: Node | null, modifiers: string[], ctx: ItemContext): void {
  const flags = ['i', 'm', 's'].filter((f) => modifiers.includes(f)).join('');
  const scalars = isScalar(value) ? [value] : isSeq(value) ? value.items.filter(isScalar) : [];
  for (const scalar of scalars) {
    if (typeof scalar.value !== 'string' || !scalar.range) continue;
    const at = lineAt(ctx.text, scalar.range[0]);
    const compiled = compileRegex(scalar.value, flags);
    if (isProblem(compiled)) {
      ctx.changes.push({
        kind: 'untranslated',
        file: ctx.file,
        line: at,
        message: `${key}: ${compiled.problem}`,
      });
      continue;
    }
    const simplified = trimDotStars(scalar.value);
    if (simplified.changed) {
      ctx.edits.push({ start: scalar.range[0], end: scalar.range[1], text: yamlScalar(simplified.source) });
      ctx.changes.push({
        kind: 'changed',
        file: ctx.file,
        line: at,
        message: `${key}: ${scalar.value} → ${simplified.source} (a leading or trailing .* adds nothing: the pattern is searched anywhere in the value)`,
      });
    }
  }
}

/**
 * TrailAlerts matches `field: [{a: {b: 1}}]` when some element of the array holds a.b = 1. Sigma
 * values are scalars; its dotted path `field.a.b: 1` tests every element, the same for one leaf.
 */
function rewriteListOfMaps(item: Pair<Node, Node>, field: string, line: number, ctx: ItemContext): void {
  const value = item.value!;
  const where = (kind: Change['kind'], message: string) =>
    ctx.changes.push({ kind, file: ctx.file, line, message });
  const range = value.range;
  if (!range || !isSeq(value) || value.items.length !== 1 || !isMap(value.items[0])) {
    where(
      'untranslated',
      `${field}: a list of maps (any array element holding those keys) has no Sigma form`,
    );
    return;
  }
  /** Each leaf: its dotted path and its value as written. */
  const leaves: [string, string][] = [];
  const walk = (node: unknown, path: string): boolean => {
    if (isMap(node))
      return node.items.every((p) => isScalar(p.key) && walk(p.value, `${path}.${String(p.key.value)}`));
    if (isScalar(node) && node.value !== null && typeof node.value !== 'object' && node.range) {
      leaves.push([path, ctx.text.slice(node.range[0], node.range[1])]);
      return true;
    }
    return false;
  };
  const keyStart = item.key!.range![0];
  const lines = wholeLines(ctx.text, keyStart, range[1] - 1);
  // Only an item on lines of its own (not `- field:` in a list of maps) is replaced whole.
  const ownLines = ctx.text.slice(lines.start, keyStart).trim() === '';
  if (!walk(value.items[0], field) || leaves.length === 0 || !ownLines) {
    where('untranslated', `${field}: this list of maps has no Sigma form`);
    return;
  }
  const indent = ' '.repeat(columnAt(ctx.text, keyStart));
  ctx.edits.push({
    start: lines.start,
    end: lines.end,
    text: leaves.map(([path, v]) => `${indent}${yamlScalar(path)}: ${v}\n`).join(''),
  });
  where(
    'changed',
    `${field}: a list holding one map → ${leaves.map(([p, v]) => `${p}: ${v}`).join(', ')} (Sigma values are scalars; a dotted path tests every array element)`,
  );
  if (leaves.length > 1)
    where(
      'note',
      `${field}: TrailAlerts wanted all of ${leaves.map(([p]) => p.slice(field.length + 1)).join(', ')} in one element; the dotted paths may each hold in a different element`,
    );
}
