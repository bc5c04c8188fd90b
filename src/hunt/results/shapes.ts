/**
 * Shape checks for what the results reader takes from S3 and Step Functions: every value is
 * untrusted, so each check names the JSON path of what was wrong (ShapeError) and never prints
 * more than a short, cleaned excerpt of the value.
 */
import { safeText } from '../../notify';
import { TrailAlertsError } from '../../core';

/** The longest text a result field may hold, unless a check says otherwise. */
export const MAX_TEXT = 2000;

/** A value of the wrong shape; the message starts with its path. */
export class ShapeError extends TrailAlertsError {}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A short description of a value for a message: its kind, or a cleaned excerpt. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `"${safeText(v, 60)}"`;
  if (typeof v === 'object') return 'an object';
  return safeText(String(v), 60);
}

/** An error's message, cleaned and capped. */
export function errorText(err: unknown): string {
  return safeText(err instanceof Error ? err.message : String(err), 300);
}

export function count(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
    throw new ShapeError(`${path}: expected a non-negative integer, got ${describeValue(v)}`);
  return v;
}

/** A count added after the first workers wrote results: absent reads as 0. */
export function laterCount(v: unknown, path: string): number {
  return v === undefined ? 0 : count(v, path);
}

export function text(v: unknown, path: string, max = MAX_TEXT): string {
  if (typeof v !== 'string') throw new ShapeError(`${path}: expected a string, got ${describeValue(v)}`);
  if (v.length > max) throw new ShapeError(`${path}: longer than ${max} characters`);
  return v;
}

export function array(v: unknown, path: string, max: number): unknown[] {
  if (!Array.isArray(v)) throw new ShapeError(`${path}: expected an array, got ${describeValue(v)}`);
  if (v.length > max) throw new ShapeError(`${path}: more than ${max} entries`);
  return v;
}

const DAY_PREFIX =
  /^(?:[^/]{1,255}\/){0,20}AWSLogs\/(?:o-[a-z0-9]{10,32}\/)?\d{12}\/CloudTrail\/[a-z]{2}(?:-[a-z]+)+-\d\/\d{4}\/\d{2}\/\d{2}\/$/;

export function dayPrefix(v: unknown, path: string): string {
  const s = text(v, path, 1024);
  if (!DAY_PREFIX.test(s))
    throw new ShapeError(
      `${path}: expected a day prefix …/AWSLogs/…/<account>/CloudTrail/<region>/YYYY/MM/DD/, got "${safeText(s, 200)}"`,
    );
  return s;
}

export function parseJson(textValue: string, path: string): unknown {
  try {
    return JSON.parse(textValue);
  } catch (err) {
    throw new ShapeError(`${path}: not valid JSON (${errorText(err)})`);
  }
}
