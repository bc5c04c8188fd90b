/**
 * What readYamlDocuments (yaml-documents.ts) makes of a rule file: documents as plain nodes with
 * their lines, which the parser reads and the document cache (document-cache.ts) keeps.
 */
import type { Diagnostic } from '../core';

/** A YAML scalar as a rule sees it: `null`, a boolean, or text (numbers keep their source text). */
export type ScalarValue = string | boolean | null;

export type SourceNode =
  | { kind: 'scalar'; value: ScalarValue; isNumber: boolean; line: number }
  | { kind: 'seq'; items: SourceNode[]; line: number }
  | { kind: 'map'; entries: SourceEntry[]; line: number };

export interface SourceEntry {
  key: string;
  keyLine: number;
  value: SourceNode;
}

export interface SourceDocument {
  /** 0-based index of the document in its file. */
  index: number;
  /** 1-based line where the document's content starts. */
  line: number;
  root: SourceNode | undefined;
}

export interface YamlDocuments {
  documents: SourceDocument[];
  diagnostics: Diagnostic[];
}
