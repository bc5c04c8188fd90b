/**
 * The hunt's window as the worker applies it: to the log objects, by the delivery time in their
 * key, before any is fetched; and to the events, through the analyzer.
 *
 * CloudTrail names each log object `<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<unique>.json.gz`,
 * the time being the minute "when the log file was delivered", and "a log file delivered at a
 * specific time can contain records written at any point before that time"
 * (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-examples.html).
 * So an object delivered before `since` holds nothing of the window. After `until`, delivery is
 * "typically ... within an average of about 5 minutes of an API call. This time is not guaranteed"
 * (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/get-and-view-cloudtrail-log-files.html):
 * objects delivered up to LATE_MARGIN_MS after it are still read.
 */
import type { TimeWindow } from '../runtime';

/** Before `since`: the key's minute, and clocks, are not exact. */
export const EARLY_MARGIN_MS = 15 * 60_000;
/** After `until`: late deliveries; generous, because an event delivered later is not seen. */
export const LATE_MARGIN_MS = 60 * 60_000;

const MINUTE_MS = 60_000;

/** Delivery times (ms) of the objects that may hold events of the window. */
export interface KeyWindow {
  from: number;
  to: number;
}

export function keyWindow(since: string, until: string): KeyWindow {
  return { from: Date.parse(since) - EARLY_MARGIN_MS, to: Date.parse(until) + LATE_MARGIN_MS };
}

const LOG_NAME = /(?:^|\/)\d{12}_CloudTrail_[a-z0-9-]+_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z_[^/]*$/;

/** The delivery minute (ms) in a CloudTrail log object's name; undefined for any other name. */
export function keyDeliveryTime(key: string): number | undefined {
  const m = LOG_NAME.exec(key);
  if (!m) return undefined;
  const [y, mo, d, h, mi] = m.slice(1).map(Number);
  const t = Date.UTC(y, mo - 1, d, h, mi);
  // A name whose date does not exist (2026-02-30) is read, not skipped.
  return new Date(t).getUTCMonth() === mo - 1 && h < 24 && mi < 60 ? t : undefined;
}

/** False only for an object whose key says it was delivered outside the window; a name without a time is read. */
export function mayHoldWindow(key: string, w: KeyWindow): boolean {
  const t = keyDeliveryTime(key);
  // Delivered within the minute after t, so it holds only records written before t + 1 minute.
  return t === undefined || (t + MINUTE_MS > w.from && t <= w.to);
}

const DAY_FOLDER = /(\d{12})\/CloudTrail\/([a-z0-9-]+)\/\d{4}\/\d{2}\/\d{2}\/$/;

/**
 * ListObjectsV2 `StartAfter` for a day prefix: keys sort by delivery minute within the folder, so
 * listing starts at the minute before the window's first; undefined when the prefix is not a day folder.
 */
export function listStartAfter(prefix: string, w: KeyWindow): string | undefined {
  const m = DAY_FOLDER.exec(prefix);
  if (!m || !Number.isFinite(w.from)) return undefined;
  const first = new Date(Math.floor(w.from / MINUTE_MS) * MINUTE_MS - MINUTE_MS).toISOString();
  const stamp = `${first.slice(0, 4)}${first.slice(5, 7)}${first.slice(8, 10)}T${first.slice(11, 13)}${first.slice(14, 16)}`;
  return `${prefix}${m[1]}_CloudTrail_${m[2]}_${stamp}`;
}

/**
 * The window as the analyzer compares it: with eventTime, as text (src/runtime/analyze.ts).
 * CloudTrail writes eventTime to the second (`…23:59:59Z`), which sorts after `…23:59:59.999Z`, so
 * the bounds' own ISO text would drop the last second of a date-only --until. Written to the
 * second as CloudTrail writes times, the bounds order eventTime texts as their instants.
 */
export function eventWindow(since: string, until: string): TimeWindow {
  const second = (ms: number) => new Date(ms).toISOString().slice(0, 19);
  return {
    // `.000Z` sorts before both `…00Z` and `…00.5Z`, so the whole first second is in.
    since: `${second(Math.ceil(Date.parse(since) / 1000) * 1000)}.000Z`,
    // `…59Z` sorts after `…59.5Z`, so the whole last second is in.
    until: `${second(Math.floor(Date.parse(until) / 1000) * 1000)}Z`,
  };
}
