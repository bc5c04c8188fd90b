/**
 * The one time format of every notification a person reads: `2026-11-20 10:07:02 UTC` (ISO order,
 * so it sorts and never reads as month/day, in UTC like CloudTrail, with the zone named). A value
 * that is not an ISO 8601 date-time is shown as it came, escaped; the JSON webhook keeps ISO.
 */
import { cleanLine } from './sanitize';

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?$/i;

/** `2026-11-20 10:07:02 UTC` from an ISO date-time (UTC when it names no zone), else the value escaped. */
export function displayTime(value: unknown): string {
  if (typeof value !== 'string' || !ISO_DATE_TIME.test(value.trim())) return cleanLine(value, 64);
  const text = value.trim();
  // Date reads a zoneless date-time as local time: CloudTrail means UTC.
  const date = new Date(/(?:Z|[+-]\d{2}:?\d{2})$/i.test(text) ? text : `${text}Z`);
  if (Number.isNaN(date.getTime())) return cleanLine(value, 64);
  const iso = date.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

/** A parseable time as ISO 8601 UTC (`2026-11-20T10:07:02.000Z`), else undefined. */
export function isoTime(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 64) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
