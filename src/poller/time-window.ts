/**
 * The poll window [now − lookback, now] in the trail's key layout: the UTC day folders it touches
 * (two around midnight) and the ListObjectsV2 StartAfter that skips a day folder's older files.
 * CloudTrail names files `<account>_CloudTrail_<region>_<YYYYMMDDTHHmm>Z_<unique>.json.gz`, so
 * within one account and region folder the key order is the time order.
 */

export interface PollWindow {
  /** now − lookback, in ms. */
  startMs: number;
  /** `YYYY/MM/DD` of every UTC day from the window's start to now, oldest first. */
  days: string[];
  /** `YYYYMMDDTHHmm` of the window's start: the file-name stamp listing starts after. */
  startStamp: string;
}

const DAY_MS = 86_400_000;

export function pollWindow(nowMs: number, lookbackMinutes: number): PollWindow {
  const startMs = nowMs - lookbackMinutes * 60_000;
  const days: string[] = [];
  for (let day = Math.floor(startMs / DAY_MS); day <= Math.floor(nowMs / DAY_MS); day++)
    days.push(new Date(day * DAY_MS).toISOString().slice(0, 10).replace(/-/g, '/'));
  const iso = new Date(startMs).toISOString();
  const startStamp = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}`;
  return { startMs, days, startStamp };
}

/** `<root><account>/CloudTrail/<region>/YYYY/MM/DD/`: one listing of the poll. */
export function dayPrefix(root: string, account: string, region: string, day: string): string {
  return `${root}${account}/CloudTrail/${region}/${day}/`;
}

/**
 * The key to list a day folder after: every file stamped in or after the window's start minute
 * sorts above it (`…_<stamp>Z_<unique>` is longer than `…_<stamp>Z`), every earlier one below.
 */
export function startAfterKey(prefix: string, account: string, region: string, startStamp: string): string {
  return `${prefix}${account}_CloudTrail_${region}_${startStamp}Z`;
}
