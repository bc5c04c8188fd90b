/**
 * The lines `detect` writes for one batch of matches (NDJSON text or table cells), shared by the
 * single-threaded path (detect.ts) and the workers of `--threads` (detect-worker.ts), so both
 * write the same bytes.
 */
import type { TextRecordMatch } from '../../lambdas/pipeline/text-match';
import type { Diagnostic } from '../../lambdas/core';
import type { RuleMeta } from '../../lambdas/sigma/model';
import { clean } from './io';

/** The event fields of a result, in the order DetectResult lists them. */
const EVENT_FIELDS = [
  'eventID',
  'eventName',
  'eventSource',
  'eventTime',
  'awsRegion',
  'recipientAccountId',
  'sourceIPAddress',
] as const;

/**
 * The JSON of a result's rule and event parts, byte for byte what JSON.stringify(detectResult(…))
 * writes: the rule's once per rule, the event's from the record's text without parsing it.
 */
const ruleParts = new WeakMap<RuleMeta, string>();
function ruleJson(meta: RuleMeta): string {
  let json = ruleParts.get(meta);
  if (json === undefined) {
    json = JSON.stringify({
      id: meta.id,
      title: meta.title,
      level: meta.level,
      tags: meta.tags,
      file: meta.file,
    });
    ruleParts.set(meta, json);
  }
  return json;
}

/** Throws on invalid JSON. */
function eventJson(match: TextRecordMatch): string {
  let json = '';
  for (const key of EVENT_FIELDS) {
    const value = match.fieldJson(key);
    if (value !== undefined) json += `${json ? ',' : '{'}"${key}":${value}`;
  }
  return json ? `${json}}` : '{}';
}

export interface FormattedMatches {
  /** NDJSON lines (format ndjson). */
  text: string;
  /** Table rows (format table). */
  rows: string[][];
  /** Matches written (those of records that are not valid JSON are reported instead). */
  matches: number;
}

export class DetectLines {
  private sourceFile: string | undefined;
  private sourcePrefix = '';

  constructor(private readonly ndjson: boolean) {}

  /** The lines of one batch's matches; a record that is not valid JSON goes to `onProblem`. */
  format(matches: readonly TextRecordMatch[], onProblem: (p: Diagnostic) => void): FormattedMatches {
    const ndjson = this.ndjson;
    const out: FormattedMatches = { text: '', rows: [], matches: 0 };
    let last: TextRecordMatch | undefined;
    // The record's part of each line: its event JSON, or its table cells.
    let event = '';
    let cells: string[] = [];
    let invalidRecord = false;
    for (const match of matches) {
      // A record's matches are consecutive: its fields are read (and a bad record reported) once.
      if (!last || last.recordText !== match.recordText) {
        last = match;
        invalidRecord = false;
        try {
          if (ndjson) event = eventJson(match);
          else
            cells = [
              clean(match.field('eventTime'), 24),
              clean(match.field('eventName'), 40),
              clean(match.field('recipientAccountId'), 14),
            ];
        } catch (err) {
          onProblem({
            severity: 'error',
            file: match.source.file,
            path: `record ${match.source.index}`,
            message: `record is not valid JSON (${(err as Error).message})`,
          });
          invalidRecord = true;
        }
      }
      if (invalidRecord) continue;
      out.matches++;
      const { rule, source } = match;
      if (ndjson) {
        if (source.file !== this.sourceFile) {
          this.sourceFile = source.file;
          this.sourcePrefix = `,"source":{"file":${JSON.stringify(source.file)},"index":`;
        }
        out.text += `{"rule":${ruleJson(rule)},"event":${event}${this.sourcePrefix}${source.index}}}\n`;
      } else
        out.rows.push([
          cells[0],
          rule.level,
          clean(rule.title, 60),
          cells[1],
          cells[2],
          clean(`${source.file}:${source.index}`, 80),
        ]);
    }
    return out;
  }
}
