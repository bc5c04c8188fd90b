/**
 * A match that keeps its record as the JSON text it was read from. The analyzer evaluates rules
 * on a partial parse, so the whole record is only parsed when someone reads `record` (the
 * processor in `scan`); the matches queue embeds the text as it is, so the analyzer Lambda never
 * parses or re-serializes whole records.
 */
import type { Match } from '../alerts/alert';
import { findKey, topLevelValue, type KeyTable } from '../cloudtrail/record-view';
import type { CloudTrailRecord, RuleMeta } from '../sigma/model';

/** What JSON.stringify escapes in a string (a backslash in the text is an escape of its own). */
// eslint-disable-next-line no-control-regex -- control characters are what must be found
const NEEDS_ESCAPE = /[\\\u0000-\u001f]/;

export class TextRecordMatch implements Match {
  private parsed: CloudTrailRecord | undefined;

  constructor(
    readonly rule: RuleMeta,
    /** The record's JSON text: one object, as the splitter found it. */
    readonly recordText: string,
    readonly source: { file: string; index: number },
    readonly accountId: string,
    parsed?: CloudTrailRecord,
    /** The record's top-level key table (record-view.ts), when the splitter made one. */
    private readonly keys?: KeyTable,
  ) {
    this.parsed = parsed;
  }

  /** The whole record, parsed on first use. Throws a SyntaxError when the text is not valid JSON. */
  get record(): CloudTrailRecord {
    return (this.parsed ??= JSON.parse(this.recordText) as CloudTrailRecord);
  }

  /** A top-level field, parsing only its value when the key table is known. Throws on invalid JSON. */
  field(key: string): unknown {
    if (this.parsed || !this.keys) return this.record[key];
    return topLevelValue(this.recordText, this.keys, key);
  }

  /**
   * A top-level field as JSON.stringify writes it (undefined when absent): a string without
   * escapes is its text in the record as it is, anything else is parsed and written again.
   */
  fieldJson(key: string): string | undefined {
    if (!this.parsed && this.keys) {
      const t = findKey(this.recordText, this.keys, key);
      if (t < 0) return undefined;
      const raw = this.recordText.slice(this.keys[t + 2], this.keys[t + 3]).trim();
      if (
        raw.length >= 2 &&
        raw.indexOf('"', 1) === raw.length - 1 &&
        raw[0] === '"' &&
        !NEEDS_ESCAPE.test(raw)
      )
        return raw;
    }
    const value = this.field(key);
    return value === undefined ? undefined : JSON.stringify(value);
  }

  toJSON(): Match {
    return { rule: this.rule, record: this.record, source: this.source, accountId: this.accountId };
  }
}

const ruleJson = new WeakMap<RuleMeta, string>();

/** The rule's JSON, serialized once per rule (matches of one rule share its meta object). */
export function ruleMetaJson(rule: RuleMeta): string {
  let json = ruleJson.get(rule);
  if (json === undefined) {
    json = JSON.stringify(rule);
    ruleJson.set(rule, json);
  }
  return json;
}
