/**
 * Maps a path inside a parsed YAML document (`['accounts', '444455556666', 'ou']`) to the line of
 * its node, so configuration diagnostics can say `accounts.yaml:LINE path => message`.
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

export type PathSegment = string | number;

/** Renders a path the way diagnostics print it: `organizationalUnits./Sandbox.routes[0].to`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}

/** Text of a map key node (scalar keys only; complex keys render as their YAML). */
export function keyText(key: unknown): string {
  if (isScalar(key)) return String(key.value);
  return String(key);
}

export class YamlLocator {
  constructor(
    private readonly doc: Document,
    private readonly lineCounter: LineCounter,
  ) {}

  /** Line (1-based) of an offset in the source. */
  lineAt(offset: number): number {
    return this.lineCounter.linePos(offset).line;
  }

  /**
   * Line of the node at `path`: for a map entry the line of its key, for a list item the line of
   * the item. When the path does not exist fully, the line of the deepest node that does.
   */
  line(path: readonly PathSegment[]): number | undefined {
    let node: unknown = this.doc.contents;
    let line = this.nodeLine(node);
    for (const seg of path) {
      node = this.resolve(node);
      if (isMap(node)) {
        const pair = node.items.find((p) => keyText(p.key) === String(seg));
        if (!pair) return line;
        line = this.nodeLine(pair.key) ?? this.nodeLine(pair.value) ?? line;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg];
        if (item === undefined) return line;
        line = this.nodeLine(item) ?? line;
        node = item;
      } else {
        return line;
      }
    }
    return line;
  }

  private resolve(node: unknown): unknown {
    let current = node;
    // Alias chains are short; the bound guards against a cycle in a malformed document.
    for (let i = 0; i < 16 && isAlias(current); i++) current = current.resolve(this.doc);
    return current;
  }

  private nodeLine(node: unknown): number | undefined {
    const range = (node as Node | null | undefined)?.range;
    return Array.isArray(range) ? this.lineAt(range[0]) : undefined;
  }
}
