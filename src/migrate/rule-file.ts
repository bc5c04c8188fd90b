/**
 * Rewrites one TrailAlerts rule file into standard Sigma by editing its text in place: the
 * logsource (`product: aws` with any service → `service: cloudtrail`), a new id where the pack
 * repeats one, and the detection items (detection-items.ts). Everything else stays as written.
 */
import { isMap, isScalar, parseAllDocuments, type Node, type YAMLMap } from 'yaml';
import type { Change } from './model';
import { rewriteDetection } from './detection-items';
import { applyEdits, columnAt, lineAt, wholeLines, yamlScalar, type TextEdit } from './text-edits';

export interface RuleDocument {
  index: number;
  id?: string;
  title?: string;
  /** A correlation document already (left as it is). */
  correlation: boolean;
}

// CloudTrail's own event categories: as a logsource category they still mean CloudTrail.
const CLOUDTRAIL_CATEGORIES = new Set(['management', 'data', 'insight', 'networkactivity']);

/** The documents of a rule file with their id and title (undefined for a file that does not parse). */
export function ruleDocuments(text: string): RuleDocument[] | undefined {
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs) || docs.some((d) => d.errors.length > 0)) return undefined;
  return docs.map((doc, index) => {
    const root = doc.contents;
    const scalar = (key: string) => {
      const value = isMap(root) ? root.get(key) : undefined;
      return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
    };
    return {
      index,
      id: scalar('id'),
      title: scalar('title'),
      correlation: isMap(root) && root.has('correlation'),
    };
  });
}

/** The rewritten text and what changed; `newIds` gives a document (by index) a new id. */
export function rewriteRuleFile(
  text: string,
  file: string,
  newIds: ReadonlyMap<number, string> = new Map(),
): { text: string; changes: Change[] } {
  const changes: Change[] = [];
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs) || docs.some((d) => d.errors.length > 0)) {
    changes.push({ kind: 'untranslated', file, message: 'not valid YAML; copied unchanged' });
    return { text, changes };
  }
  const edits: TextEdit[] = [];
  docs.forEach((doc, index) => {
    const root = doc.contents;
    if (!isMap(root) || root.has('correlation')) return;
    const entry = (key: string) => root.items.find((p) => isScalar(p.key) && p.key.value === key);
    const newId = newIds.get(index);
    const idValue = entry('id')?.value as Node | undefined;
    if (newId && isScalar(idValue) && idValue.range) {
      edits.push({ start: idValue.range[0], end: idValue.range[1], text: newId });
      changes.push({
        kind: 'changed',
        file,
        line: lineAt(text, idValue.range[0]),
        message: `id ${String(idValue.value)} → ${newId} (another rule has that id; correlations and alert ids need one rule per id)`,
      });
    }
    rewriteLogsource(entry('logsource')?.value as Node | undefined, text, file, edits, changes);
    rewriteDetection(entry('detection')?.value as Node | undefined, { text, file, edits, changes });
  });
  return { text: applyEdits(text, edits), changes };
}

function rewriteLogsource(
  logsource: Node | undefined,
  text: string,
  file: string,
  edits: TextEdit[],
  changes: Change[],
): void {
  if (!isMap(logsource)) return;
  const map = logsource as YAMLMap<Node, Node>;
  const pair = (key: string) => map.items.find((p) => isScalar(p.key) && p.key.value === key);
  const lower = (key: string) => {
    const v = pair(key)?.value;
    return isScalar(v) && v.value !== null ? String(v.value).trim().toLowerCase() : undefined;
  };
  const line = logsource.range ? lineAt(text, logsource.range[0]) - 1 : undefined;
  const product = lower('product');
  if (product !== 'aws') {
    changes.push({
      kind: 'note',
      file,
      line,
      message: `logsource product ${product ?? '(none)'} is not AWS: copied unchanged; the loader skips it, as it cannot match a CloudTrail record`,
    });
    return;
  }
  const service = lower('service');
  const servicePair = pair('service');
  if (service !== 'cloudtrail') {
    if (isScalar(servicePair?.value) && servicePair.value.range) {
      const range = servicePair.value.range;
      edits.push({ start: range[0], end: range[1], text: 'cloudtrail' });
      changes.push({
        kind: 'changed',
        file,
        line: lineAt(text, range[0]),
        message: `logsource service: ${service} → cloudtrail (TrailAlerts reads every product: aws rule as CloudTrail; cloudtrail is the standard spelling)`,
      });
    } else {
      const productKey = pair('product')?.key as Node | undefined;
      if (!productKey?.range || logsource.flow) {
        changes.push({
          kind: 'untranslated',
          file,
          line,
          message: 'logsource: add service: cloudtrail by hand',
        });
        return;
      }
      const at = wholeLines(text, productKey.range[0], productKey.range[0]).start;
      const indent = ' '.repeat(columnAt(text, productKey.range[0]));
      edits.push({ start: at, end: at, text: `${indent}service: cloudtrail\n` });
      changes.push({
        kind: 'changed',
        file,
        line: lineAt(text, productKey.range[0]),
        message:
          'logsource: service: cloudtrail added (TrailAlerts reads every product: aws rule as CloudTrail)',
      });
    }
  }
  const categoryPair = pair('category');
  const category = lower('category');
  if (category === undefined || !categoryPair) return;
  const keyNode = categoryPair.key as Node;
  const valueNode = categoryPair.value as Node | null;
  if (CLOUDTRAIL_CATEGORIES.has(category) && keyNode.range && valueNode?.range && !logsource.flow) {
    const lines = wholeLines(text, keyNode.range[0], valueNode.range[1]);
    edits.push({ start: lines.start, end: lines.end, text: '' });
    changes.push({
      kind: 'changed',
      file,
      line: lineAt(text, keyNode.range[0]),
      message: `logsource category: ${category} removed (a CloudTrail event category; with a category the loader reads the rule as another log source)`,
    });
  } else {
    changes.push({
      kind: 'note',
      file,
      line: keyNode.range ? lineAt(text, keyNode.range[0]) : line,
      message: `logsource category: ${yamlScalar(category)} kept: the loader skips the rule as not CloudTrail`,
    });
  }
}
