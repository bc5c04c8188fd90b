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

type ReaderFactory = (hasOwn: (this: unknown, key: PropertyKey) => boolean) => FieldReader;

/** Generated readers by field name (a rule set repeats the same fields many times). */
const factories = new Map<string, ReaderFactory>();

/**
 * Each path is compiled into small functions of its own (generated source; keys only as JSON
 * string literals) instead of being walked by one shared loop: every property load then has its
 * own inline cache, which sees the few shapes JSON.parse gives the records of one kind. A shared
 * walker's loads see every shape of every path and take V8's slow generic lookup, which was the
 * evaluator's main cost (most loads are of absent keys: the literal dotted alternatives).
 *
 * For `a.b.c` the function for position 0 tries `a.b.c` (then visit), `a.b` (continue at c) and
 * `a` (continue at b), the first present one only; arrays are descended element by element.
 */
function readerFactory(parts: readonly string[]): ReaderFactory {
  const lines = ['"use strict";', ...readerSource(parts, 'w')];
  lines.push('return (record, visit) => w0(record, visit, 0);');
  // Generated code (the Function constructor): keys enter only as JSON string literals.
  return new Function('hasOwn', lines.join('\n')) as ReaderFactory;
}

/**
 * The source of a reader for the path `parts`: functions `${name}0` … (`name` is chosen by the
 * caller, never taken from a rule), entered as `${name}0(record, visit, 0)`. With `visitor` (the
 * name of a function in the generated scope) the visitor is fixed: the functions take
 * `(node, depth, plain)` and call it directly (rule-code.ts), so that call is monomorphic too;
 * `plain` true skips the literal dotted keys, for records known to have no key holding a dot
 * (RecordView.projectedDotFree), where those loads can only miss. Needs `hasOwn` in scope.
 */
export function readerSource(parts: readonly string[], name: string, visitor?: string): string[] {
  const end = parts.length;
  const lines: string[] = [];
  const params = visitor === undefined ? 'node, visit, depth' : 'node, depth, plain';
  const call = (fn: string, arg: string) =>
    visitor === undefined ? `${fn}(${arg}, visit, depth + 1)` : `${fn}(${arg}, depth + 1, plain)`;
  for (let at = 0; at < end; at++) {
    // One segment (most fields): the depth bound applies to nested arrays only, as it always has.
    const objectDepthCheck = end === 1 ? '' : `depth > ${MAX_DEPTH} || `;
    lines.push(
      `function ${name}${at}(${params}) {`,
      `  if (${objectDepthCheck}node === null || typeof node !== 'object') return false;`,
      '  if (Array.isArray(node)) {',
      `    if (depth > ${MAX_DEPTH}) return false;`,
      `    for (let i = 0; i < node.length; i++) if (${call(`${name}${at}`, 'node[i]')}) return true;`,
      '    return false;',
      '  }',
      '  let value;',
    );
    const skipDotted = visitor !== undefined && end - at > 1;
    if (skipDotted) lines.push('  if (!plain) {');
    for (let j = end; j > at; j--) {
      const keyText = parts.slice(at, j).join('.');
      const key = JSON.stringify(keyText);
      const next = j === end ? `${visitor ?? 'visit'}(value)` : call(`${name}${j}`, 'value');
      // A plain load first (fast for absent keys; JSON never holds undefined). Own-ness is checked
      // on a hit only for names Object.prototype has: a record is a plain object (JSON.parse, or
      // projection's object literal), so any other name it answers is its own.
      const own = keyText in Object.prototype ? ` && hasOwn.call(node, ${key})` : '';
      lines.push(`  value = node[${key}];`, `  if (value !== undefined${own}) return ${next};`);
      if (skipDotted && j === at + 2) lines.push('  }');
    }
    lines.push('  return false;', '}');
  }
  return lines;
}

export function compileFieldPath(field: string): FieldReader {
  let factory = factories.get(field);
  if (!factory) {
    factory = readerFactory(field.split('.'));
    factories.set(field, factory);
  }
  return factory(hasOwn);
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
