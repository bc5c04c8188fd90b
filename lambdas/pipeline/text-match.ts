/**
 * A match that keeps its record as the JSON text it was read from. The analyzer evaluates rules
 * on a partial parse, so the whole record is only parsed when someone reads `record` (the
 * processor in `scan`); the matches queue embeds the text as it is, so the analyzer Lambda never
 * parses or re-serializes whole records.
 */
import type { Match } from '../alerts/alert';
import type { CloudTrailRecord, RuleMeta } from '../sigma/model';

export class TextRecordMatch implements Match {
  private parsed: CloudTrailRecord | undefined;

  constructor(
    readonly rule: RuleMeta,
    /** The record's JSON text: one object, as the splitter found it. */
    readonly recordText: string,
    readonly source: { file: string; index: number },
    readonly accountId: string,
    parsed?: CloudTrailRecord,
  ) {
    this.parsed = parsed;
  }

  /** The whole record, parsed on first use. Throws a SyntaxError when the text is not valid JSON. */
  get record(): CloudTrailRecord {
    return (this.parsed ??= JSON.parse(this.recordText) as CloudTrailRecord);
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
