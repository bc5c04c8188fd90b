/**
 * A match that keeps its record as the JSON text it was read from. The analyzer evaluates rules
 * on a partial parse, so the whole record is only parsed when someone reads `record` (the
 * processor in `scan`); the matches queue embeds the text as it is, so the analyzer Lambda never
 * parses or re-serializes whole records.
 */
import type { Match } from '../alerts';
import type { RecordView } from '../cloudtrail/raw';
import type { CloudTrailRecord } from '../core';
import type { RuleMeta } from '../sigma';

export class TextRecordMatch implements Match {
  private parsed: CloudTrailRecord | undefined;

  constructor(
    readonly rule: RuleMeta,
    /** The record's JSON text: one object, as the splitter found it. */
    readonly recordText: string,
    readonly source: { file: string; index: number },
    readonly accountId: string,
    parsed?: CloudTrailRecord,
    /** The record's view (cloudtrail/raw), when the analyzer read it partially. */
    private readonly view?: RecordView,
  ) {
    this.parsed = parsed;
  }

  /** The whole record, parsed on first use. Throws a SyntaxError when the text is not valid JSON. */
  get record(): CloudTrailRecord {
    return (this.parsed ??= JSON.parse(this.recordText) as CloudTrailRecord);
  }

  /** A top-level field, parsing only its value when the view can. Throws on invalid JSON. */
  field(key: string): unknown {
    return this.parsed || !this.view ? this.record[key] : this.view.value(key);
  }

  /** The record's text is known to be ASCII only (its UTF-8 bytes are its characters). */
  get asciiText(): boolean {
    return this.view !== undefined && this.view.ascii;
  }

  /** A top-level field as JSON.stringify writes it (undefined when absent). Throws on invalid JSON. */
  fieldJson(key: string): string | undefined {
    if (!this.parsed && this.view) return this.view.json(key);
    const value = this.record[key];
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
