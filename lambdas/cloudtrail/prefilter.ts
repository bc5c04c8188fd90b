/**
 * Raw-text prefilter: decides from a record's JSON text, before JSON.parse, whether any loaded
 * rule could match it. Rules that dispatch on eventName (else eventSource) are checked on the
 * raw eventName/eventSource values (DispatchKeys); other rules by the texts their detection
 * requires (RequiredLiterals, e.g. `:assumed-role/aws:`). A record is skipped unparsed only
 * when no rule's requirement is met.
 *
 * It only ever errs towards keeping a record: when a rule has neither kind of requirement the
 * prefilter is off; a record with a backslash anywhere (JSON escapes could spell any text), a
 * backslash in an eventName or eventSource value, or a non-string eventName/eventSource value is
 * kept; case-insensitive texts are only ruled out in pure-ASCII records. Skipped records are not
 * validated (the reader's "not a CloudTrail record" problem is not reported for them).
 */
import type { CompiledRule } from '../sigma/model';
import { requiredLiteralsOf } from '../sigma/dispatch';
import { compilePattern, parseSigmaString } from '../sigma/sigma-string';

interface FieldFilter {
  /** `"eventName"` including the quotes, as it appears in raw JSON. */
  key: string;
  exact: Set<string>;
  patterns: Array<(text: string) => boolean>;
}

export interface Prefilter {
  /** False only when no loaded rule can match the record whose JSON text this is. */
  mayMatch(text: string): boolean;
  /** False when some rule has no dispatch constraint (then every record is kept). */
  readonly active: boolean;
  /** One line for people: what the prefilter keys on. */
  describe(): string;
}

const isSpace = (c: number): boolean => c === 32 || c === 10 || c === 13 || c === 9;

/**
 * Whether some occurrence of `field.key` as an object key has a value that passes the filter.
 * 'keep' when the value is not a plain string, or uses escapes: the caller must not skip.
 */
function fieldVerdict(text: string, field: FieldFilter): 'pass' | 'fail' | 'keep' {
  let from = 0;
  for (;;) {
    const at = text.indexOf(field.key, from);
    if (at < 0) return 'fail';
    from = at + field.key.length;
    let i = from;
    while (i < text.length && isSpace(text.charCodeAt(i))) i++;
    if (text.charCodeAt(i) !== 58 /* : */) continue; // a string value that happens to equal the key
    i++;
    while (i < text.length && isSpace(text.charCodeAt(i))) i++;
    if (text.charCodeAt(i) !== 34 /* " */) return 'keep'; // array, object, number … : let the engine decide
    const start = i + 1;
    const end = text.indexOf('"', start);
    if (end < 0) return 'keep';
    const raw = text.slice(start, end);
    if (raw.includes('\\')) return 'keep';
    const value = raw.toLowerCase();
    if (field.exact.has(value) || field.patterns.some((m) => m(value))) return 'pass';
  }
}

/** Builds the prefilter for a rule set (mirrors RuleIndex's dispatch: eventName first, else eventSource). */
export function buildPrefilter(rules: readonly CompiledRule[]): Prefilter {
  const name: FieldFilter = { key: '"eventName"', exact: new Set(), patterns: [] };
  const source: FieldFilter = { key: '"eventSource"', exact: new Set(), patterns: [] };
  const lower = new Set<string>();
  const exact = new Set<string>();
  let byLiterals = 0;
  let unconstrained = 0;
  for (const rule of rules) {
    const d = rule.dispatch;
    const target = d.eventName ? name : d.eventSource ? source : undefined;
    if (!target) {
      const literals = requiredLiteralsOf(d);
      if (!literals) {
        unconstrained++;
        continue;
      }
      byLiterals++;
      for (const t of literals.lower) lower.add(t);
      for (const t of literals.exact) exact.add(t);
      continue;
    }
    const values = (target === name ? d.eventName : d.eventSource) ?? [];
    const patterns = (target === name ? d.eventNamePatterns : d.eventSourcePatterns) ?? [];
    for (const v of values) target.exact.add(v.toLowerCase());
    for (const p of patterns) target.patterns.push(compilePattern(parseSigmaString(p.toLowerCase()), true));
  }
  const active = unconstrained === 0;
  const useSource = source.exact.size > 0 || source.patterns.length > 0;
  const lowerTexts = [...lower];
  const exactTexts = [...exact];
  // Texts with non-ASCII characters can only occur in non-ASCII records, which are kept anyway.
  const asciiLower = lowerTexts.filter((t) => !NON_ASCII.test(t));
  const anyLower =
    asciiLower.length > 0 ? new RegExp(asciiLower.map(escapeRegExp).join('|'), 'i') : undefined;
  const literalVerdict = (text: string): boolean => {
    for (const t of exactTexts) if (text.includes(t)) return true;
    if (lowerTexts.length === 0) return false;
    // On ASCII text a case-insensitive search equals searching the lower-cased values; other
    // text (where toLowerCase maps e.g. U+212A KELVIN SIGN to "k") is kept.
    if (NON_ASCII.test(text)) return true;
    return anyLower !== undefined && anyLower.test(text);
  };
  const hasLiterals = lowerTexts.length + exactTexts.length > 0;
  return {
    active,
    describe: () =>
      active
        ? `on (${name.exact.size} eventName values, ${name.patterns.length} patterns; ${source.exact.size} eventSource values, ${source.patterns.length} patterns; ` +
          `${byLiterals} rule${byLiterals === 1 ? '' : 's'} by ${lowerTexts.length + exactTexts.length} required texts)`
        : `off (${unconstrained} rule${unconstrained === 1 ? '' : 's'} without an eventName/eventSource constraint or a required text)`,
    mayMatch(text: string): boolean {
      if (!active) return true;
      const byName = fieldVerdict(text, name);
      if (byName !== 'fail') return true;
      // Not CloudTrail-shaped (no eventName key): parse it, so that the reader reports it clearly.
      if (!text.includes('"eventName"')) return true;
      if (useSource) {
        const bySource = fieldVerdict(text, source);
        if (bySource !== 'fail') return true;
      }
      // About to skip: a \u escape could spell a key we did not find; any escape could spell a required text.
      if (!hasLiterals) return text.includes('\\u');
      if (text.includes('\\')) return true;
      return literalVerdict(text);
    },
  };
}

const NON_ASCII = /[\u0080-\uffff]/;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
