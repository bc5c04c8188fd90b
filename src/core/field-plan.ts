/**
 * Which top-level keys of a record a set of rules can read, so that a record can be parsed
 * partially (src/cloudtrail/raw/view.ts) and still give every rule exactly the values a
 * full JSON.parse would.
 *
 * It mirrors compileFieldPath (field-path.ts): for `a.b.c` the walker tries the literal keys
 * `a.b.c`, `a.b` and `a` at the top level (and descends into the first one present), so all
 * three are wanted; each wanted key's value is parsed whole, which is always exact.
 */

export interface FieldPlan {
  /** The record is read without a field (keyword search): nothing short of the full record will do. */
  readonly whole: boolean;
  /** Top-level keys whose values the rules may read. */
  readonly keys: ReadonlySet<string>;
}

/** What one rule reads: field paths, and whether it searches the whole record. */
export interface FieldReads {
  paths: readonly string[];
  whole: boolean;
}

/** The plan for rules reading `reads` (their union). */
export function buildFieldPlan(reads: readonly FieldReads[]): FieldPlan {
  const keys = new Set<string>();
  let whole = false;
  for (const r of reads) {
    if (r.whole) whole = true;
    for (const path of r.paths) {
      const parts = path.split('.');
      for (let j = 1; j <= parts.length; j++) keys.add(parts.slice(0, j).join('.'));
    }
  }
  return { whole, keys };
}
