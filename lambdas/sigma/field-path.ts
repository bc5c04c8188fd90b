/**
 * Reading values out of (attacker-controlled) CloudTrail records by Sigma field name.
 * A field name is a dotted path; at each level a literal key containing the remaining dots is
 * tried before descending, and a path that meets an array continues into every element.
 * Only own properties are read, nesting depth is bounded, and visitors stop at the first hit.
 */

/** Called for each value found; return true to stop (a hit). */
export type ValueVisitor = (value: unknown) => boolean;

/** A compiled field path: visits the values at the path, returns true when a visitor hit. */
export type FieldReader = (record: unknown, visit: ValueVisitor) => boolean;

const MAX_DEPTH = 64;
const hasOwn = Object.prototype.hasOwnProperty;

export function compileFieldPath(field: string): FieldReader {
  const parts = field.split('.');
  const end = parts.length;
  // For each position, the candidate keys (longest literal join first) and where each leads.
  const keysAt: string[][] = [];
  const nextAt: number[][] = [];
  for (let i = 0; i < end; i++) {
    const keys: string[] = [];
    const nexts: number[] = [];
    for (let j = end; j > i; j--) {
      keys.push(parts.slice(i, j).join('.'));
      nexts.push(j);
    }
    keysAt.push(keys);
    nextAt.push(nexts);
  }
  if (end === 1) {
    // One segment (most Sigma fields): no literal-join alternatives to try.
    const key = parts[0];
    const walkOne = (node: unknown, visit: ValueVisitor, depth: number): boolean => {
      if (node === null || typeof node !== 'object') return false;
      if (Array.isArray(node)) {
        if (depth > MAX_DEPTH) return false;
        for (const element of node) if (walkOne(element, visit, depth + 1)) return true;
        return false;
      }
      // A plain property load first (fast for absent keys); own-ness is checked only on a hit.
      const value = (node as Record<string, unknown>)[key];
      return value !== undefined && hasOwn.call(node, key) ? visit(value) : false;
    };
    return (record, visit) => walkOne(record, visit, 0);
  }
  const walk = (start: unknown, from: number, visit: ValueVisitor, startDepth: number): boolean => {
    let node = start;
    let at = from;
    let depth = startDepth;
    for (;;) {
      if (at === end) return visit(node);
      if (depth > MAX_DEPTH || node === null || typeof node !== 'object') return false;
      if (Array.isArray(node)) {
        for (const element of node) if (walk(element, at, visit, depth + 1)) return true;
        return false;
      }
      const keys = keysAt[at];
      let k = 0;
      let value: unknown;
      // A plain property load first (fast for absent keys); own-ness is checked only on a hit.
      // JSON never holds undefined, so undefined means absent.
      for (; k < keys.length; k++) {
        value = (node as Record<string, unknown>)[keys[k]];
        if (value !== undefined && hasOwn.call(node, keys[k])) break;
      }
      if (k === keys.length) return false;
      node = value;
      at = nextAt[at][k];
      depth++;
    }
  };
  return (record, visit) => walk(record, 0, visit, 0);
}

/** Whether the path resolves to anything (including JSON null). */
export function isPresent(reader: FieldReader, record: unknown): boolean {
  return reader(record, () => true);
}

/**
 * Visits every scalar leaf below a value as text (arrays and objects are descended, JSON null
 * is skipped). Booleans and numbers become their JSON text, so `'true'` matches `true`.
 */
export function visitLeaves(value: unknown, visit: (text: string) => boolean, depth = 0): boolean {
  if (value === null || value === undefined) return false;
  switch (typeof value) {
    case 'string':
      return visit(value);
    case 'number':
    case 'boolean':
    case 'bigint':
      return visit(String(value));
    case 'object':
      if (depth > MAX_DEPTH) return false;
      if (Array.isArray(value)) {
        for (const element of value) if (visitLeaves(element, visit, depth + 1)) return true;
        return false;
      }
      for (const key in value as Record<string, unknown>) {
        if (hasOwn.call(value, key) && visitLeaves((value as Record<string, unknown>)[key], visit, depth + 1))
          return true;
      }
      return false;
    default:
      return false;
  }
}

/** Whether a value is JSON null or an array holding null (as a path through arrays would see it). */
export function isNullish(value: unknown): boolean {
  if (value === null) return true;
  return Array.isArray(value) && value.some((v) => v === null);
}

/** The event's value(s) at a path as short text, for explanations. */
export function describeValues(reader: FieldReader, record: unknown, limit = 200): string | undefined {
  const texts: string[] = [];
  let found = false;
  reader(record, (value) => {
    found = true;
    texts.push(value === null ? 'null' : typeof value === 'object' ? JSON.stringify(value) : String(value));
    return texts.join(', ').length > limit;
  });
  if (!found) return undefined;
  const joined = texts.join(', ');
  return joined.length > limit ? `${joined.slice(0, limit)}…` : joined;
}
