/**
 * Where readYamlDocuments (yaml-documents.ts) keeps its results between runs, when a cache is
 * set: the CLI sets its on-disk cache (bin/cli/rule-cache.ts); the Lambdas set none. A module of
 * its own so that setting it loads no YAML parser.
 */
import type { YamlDocuments } from './yaml-source';

export type { YamlDocuments };

/** readYamlDocuments results by file text. Entries hold diagnostics without their file (put back on a hit). */
export interface DocumentCache {
  get(text: string): YamlDocuments | undefined;
  set(text: string, value: YamlDocuments): void;
}

let current: DocumentCache | undefined;

/** Sets (or, with undefined, removes) the cache readYamlDocuments uses. */
export function useDocumentCache(cache: DocumentCache | undefined): void {
  current = cache;
}

export function documentCache(): DocumentCache | undefined {
  return current;
}
