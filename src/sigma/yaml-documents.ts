/**
 * Splits a rule file into YAML documents and converts each into a plain tree that keeps the
 * line of every node and the source text of plain scalars (so `012345678901` stays a string of
 * digits instead of becoming the number 12345678901). Rule parsing works on this tree only.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments, Scalar } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import { documentCache } from './document-cache';
import type { Diagnostic } from '../core';
import type { ScalarValue, SourceDocument, SourceEntry, SourceNode, YamlDocuments } from './yaml-source';

export type { ScalarValue, SourceDocument, SourceEntry, SourceNode, YamlDocuments };

/** Upper bound on nodes produced from one document, so alias bombs cannot exhaust memory. */
const MAX_NODES = 50_000;

export function readYamlDocuments(text: string, file: string): YamlDocuments {
  const cache = documentCache();
  if (!cache) return parseYamlDocuments(text, file);
  const hit = cache.get(text);
  if (hit) return { documents: hit.documents, diagnostics: hit.diagnostics.map((d) => ({ ...d, file })) };
  const parsed = parseYamlDocuments(text, file);
  cache.set(text, {
    documents: parsed.documents,
    diagnostics: parsed.diagnostics.map((d) => ({ ...d, file: '' })),
  });
  return parsed;
}

function parseYamlDocuments(text: string, file: string): YamlDocuments {
  const lineCounter = new LineCounter();
  const diagnostics: Diagnostic[] = [];
  const documents: SourceDocument[] = [];
  const parsed = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const docs = Array.isArray(parsed) ? parsed : [parsed];
  docs.forEach((doc, index) => {
    const lineAt = (offset: number | undefined): number =>
      offset === undefined ? 1 : lineCounter.linePos(offset).line;
    const docLine = lineAt(doc.contents?.range?.[0] ?? doc.range?.[0]);
    if (doc.errors.length > 0) {
      for (const error of doc.errors) {
        diagnostics.push({
          severity: 'error',
          file,
          line: lineAt(error.pos[0]),
          message: `invalid YAML: ${error.message.split('\n')[0]}`,
        });
      }
      return;
    }
    if (doc.contents === null || doc.contents === undefined) return; // empty document (e.g. trailing ---)
    const budget = { nodes: 0 };
    try {
      const root = convert(doc as Document, doc.contents as YamlNode, text, lineAt, budget, 0);
      documents.push({ index, line: docLine, root });
    } catch (error) {
      diagnostics.push({ severity: 'error', file, line: docLine, message: (error as Error).message });
    }
  });
  return { documents, diagnostics };
}

function convert(
  doc: Document,
  node: unknown,
  text: string,
  lineAt: (offset: number | undefined) => number,
  budget: { nodes: number },
  depth: number,
): SourceNode {
  if (++budget.nodes > MAX_NODES) throw new Error(`document too large (over ${MAX_NODES} YAML nodes)`);
  if (depth > 64) throw new Error('document nested too deeply (over 64 levels)');
  if (isAlias(node)) {
    const target = node.resolve(doc);
    if (!target) throw new Error(`unknown YAML alias *${node.source}`);
    return convert(doc, target, text, lineAt, budget, depth + 1);
  }
  const range = (node as { range?: [number, number, number] } | null)?.range;
  const line = lineAt(range?.[0]);
  if (isMap(node)) {
    const entries: SourceEntry[] = [];
    for (const pair of node.items) {
      const keyNode = pair.key as unknown;
      let key: string;
      if (isScalar(keyNode)) key = keyNode.value === null ? '' : String(keyNode.value);
      else if (keyNode === null || keyNode === undefined) key = '';
      else throw new Error(`line ${line}: map keys must be plain text`);
      const keyLine = isScalar(keyNode) ? lineAt(keyNode.range?.[0]) : line;
      const value =
        pair.value === null || pair.value === undefined
          ? ({ kind: 'scalar', value: null, isNumber: false, line: keyLine } as SourceNode)
          : convert(doc, pair.value, text, lineAt, budget, depth + 1);
      entries.push({ key, keyLine, value });
    }
    return { kind: 'map', entries, line };
  }
  if (isSeq(node)) {
    return {
      kind: 'seq',
      items: node.items.map((item) =>
        item === null || item === undefined
          ? ({ kind: 'scalar', value: null, isNumber: false, line } as SourceNode)
          : convert(doc, item, text, lineAt, budget, depth + 1),
      ),
      line,
    };
  }
  if (isScalar(node)) return convertScalar(node, text, line);
  throw new Error(`line ${line}: unsupported YAML node`);
}

function convertScalar(node: Scalar, text: string, line: number): SourceNode {
  const value = node.value;
  if (value === null || value === undefined) return { kind: 'scalar', value: null, isNumber: false, line };
  if (typeof value === 'boolean') return { kind: 'scalar', value, isNumber: false, line };
  if (typeof value === 'number' || typeof value === 'bigint') {
    // Keep the source text of plain numbers: `012345678901` must stay an account id.
    const source =
      node.range && node.type === Scalar.PLAIN ? text.slice(node.range[0], node.range[1]).trim() : '';
    return { kind: 'scalar', value: source !== '' ? source : String(value), isNumber: true, line };
  }
  return { kind: 'scalar', value: String(value), isNumber: false, line };
}

/** Looks up a key in a map node. */
export function entryOf(node: SourceNode | undefined, key: string): SourceEntry | undefined {
  if (!node || node.kind !== 'map') return undefined;
  return node.entries.find((e) => e.key === key);
}

/** Renders a node as plain JavaScript (for metadata fields that are not matched against events). */
export function toPlain(node: SourceNode): unknown {
  if (node.kind === 'scalar') return node.value;
  if (node.kind === 'seq') return node.items.map(toPlain);
  const out: Record<string, unknown> = {};
  for (const e of node.entries) out[e.key] = toPlain(e.value);
  return out;
}
