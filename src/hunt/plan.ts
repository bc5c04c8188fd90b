/**
 * Retro-hunt planning (pure, no AWS calls): which day prefixes of the organization trail a hunt
 * reads. Accounts come from accounts.yaml (all listed accounts, or those under the chosen OU
 * paths/ids) or from --account; regions from --regions or trail.regions; days from the day of
 * `since` through the day late deliveries of `until` may land in, because CloudTrail files an
 * object under its delivery date (window.ts). Objects delivered outside the window and events
 * outside [since, until] are left out by the worker.
 * A hunt can also be planned from an explicit list of day prefixes (`--prefix`, `--prefixes-from`):
 * that is how the unfinished or failed prefixes of an earlier hunt are hunted again. Plans of any
 * size are started as several executions when they are large (start.ts).
 */
import { normalizeOuPath, isOuId, ouIdPaths, type AccountsConfig } from '../org';
import { LATE_MARGIN_MS } from './window';
import { TrailAlertsError } from '../core';

/** Up to this many prefixes travel inline (about 10 KB; the execution input limit is 256 KB). */
export const INLINE_PREFIX_LIMIT = 100;

export type HuntMode = 'alert' | 'report';

/** The longest range one hunt may cover; longer hunts are split by the operator. */
export const MAX_HUNT_DAYS = 400;

export interface HuntSelection {
  since: string;
  until: string;
  ous?: string[];
  accounts?: string[];
  regions?: string[];
  rules?: string[];
  mode: HuntMode;
  /** Day prefixes to hunt instead of accounts × regions × days (they replace --ou/--account/--regions). */
  prefixes?: string[];
}

export interface HuntPlan {
  since: string;
  until: string;
  mode: HuntMode;
  rules?: string[];
  accounts: string[];
  regions: string[];
  days: string[];
  /** `[<trail.prefix>/]AWSLogs/<org-id>/<account>/CloudTrail/<region>/YYYY/MM/DD/`, sorted. */
  prefixes: string[];
}

export class HuntPlanError extends TrailAlertsError {
  constructor(message: string) {
    super(message);
  }
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const ACCOUNT_ID = /^\d{12}$/;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d$/;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Parses --since/--until: an ISO date (`2026-08-01`) or date-time. A date alone means the start
 * of that day (UTC) for `since` and its last millisecond for `until`.
 */
export function parseHuntTime(label: string, value: string, end: 'start' | 'end'): string {
  const t = Date.parse(value);
  if (typeof value !== 'string' || Number.isNaN(t) || !/^\d{4}-\d{2}-\d{2}/.test(value)) {
    throw new HuntPlanError(
      `${label}: expected an ISO date or time such as 2026-08-01 or 2026-08-01T10:00:00Z, got "${value}"`,
    );
  }
  if (DATE_ONLY.test(value) && end === 'end') return new Date(t + DAY_MS - 1).toISOString();
  return new Date(t).toISOString();
}

/**
 * `YYYY/MM/DD` folder names (UTC) from the day of `since` through the day of the last delivery
 * the worker reads (`until` plus the late margin: the day after a whole-day `until`).
 */
export function dayFolders(since: string, until: string): string[] {
  const start = Date.parse(since.slice(0, 10));
  const end = Date.parse(until);
  if (end < Date.parse(since)) throw new HuntPlanError(`--until (${until}) is before --since (${since})`);
  const last = Date.parse(new Date(end + LATE_MARGIN_MS).toISOString().slice(0, 10));
  const covered = Math.round((Date.parse(until.slice(0, 10)) - start) / DAY_MS) + 1;
  if (covered > MAX_HUNT_DAYS)
    throw new HuntPlanError(
      `the range ${since} .. ${until} covers ${covered} days; at most ${MAX_HUNT_DAYS} per hunt`,
    );
  const days: string[] = [];
  for (let t = start; t <= last; t += DAY_MS)
    days.push(new Date(t).toISOString().slice(0, 10).replace(/-/g, '/'));
  return days;
}

/** OU path of an account entry (`ou` may be a path or an OU id declared in organizationalUnits). */
function accountOuPath(ou: string, idPaths: Map<string, string>): string | undefined {
  return isOuId(ou) ? idPaths.get(ou) : normalizeOuPath(ou);
}

const isUnder = (path: string, root: string): boolean =>
  root === '/' || path === root || path.startsWith(`${root}/`);

/** The accounts a hunt covers: --account ids, plus accounts.yaml accounts under --ou, or all listed. */
export function selectAccounts(
  config: AccountsConfig,
  ous: string[] = [],
  accounts: string[] = [],
): string[] {
  for (const id of accounts) {
    if (!ACCOUNT_ID.test(id))
      throw new HuntPlanError(`--account: expected a 12-digit account id, got "${id}"`);
  }
  const listed = Object.entries(config.accounts ?? {});
  const idPaths = ouIdPaths(config);
  const selected = new Set(accounts);
  for (const ou of ous) {
    const root = isOuId(ou) ? idPaths.get(ou) : normalizeOuPath(ou);
    if (root === undefined) {
      throw new HuntPlanError(
        isOuId(ou)
          ? `--ou ${ou}: no organizationalUnits entry in accounts.yaml gives this OU id a path`
          : `--ou: expected an OU path such as /Workloads/Production or an OU id, got "${ou}"`,
      );
    }
    const under = listed.filter(([, a]) => {
      const path = accountOuPath(a.ou, idPaths);
      return path !== undefined && isUnder(path, root);
    });
    if (under.length === 0) throw new HuntPlanError(`--ou ${ou}: accounts.yaml lists no account in this OU`);
    under.forEach(([id]) => selected.add(id));
  }
  if (ous.length === 0 && accounts.length === 0) {
    if (listed.length === 0)
      throw new HuntPlanError('accounts.yaml lists no accounts; name them with --account <id>');
    listed.forEach(([id]) => selected.add(id));
  }
  return [...selected].sort();
}

/** Regions from --regions, else trail.regions; CloudTrail's own region list is not guessed. */
export function selectRegions(config: AccountsConfig, regions: string[] = []): string[] {
  const chosen = regions.length > 0 ? regions : (config.trail.regions ?? []);
  if (chosen.length === 0)
    throw new HuntPlanError(
      'accounts.yaml has no trail.regions; name the regions with --regions us-east-1,…',
    );
  for (const r of chosen) {
    if (!REGION.test(r))
      throw new HuntPlanError(`--regions: expected a region such as eu-west-1, got "${r}"`);
  }
  return [...new Set(chosen)].sort();
}

/** `[<prefix>/]AWSLogs/<org-id>/` : the organization trail's log root in the bucket. */
export function trailLogsRoot(config: AccountsConfig): string {
  const prefix = (config.trail.prefix ?? '').replace(/^\/+|\/+$/g, '');
  return `${prefix === '' ? '' : `${prefix}/`}AWSLogs/${config.organization.id}/`;
}

const DAY_PREFIX_TAIL = /^(\d{12})\/CloudTrail\/([a-z]{2}(?:-[a-z]+)+-\d)\/(\d{4})\/(\d{2})\/(\d{2})\/$/;

/** The account, region and `YYYY/MM/DD` of a day prefix below `root`; undefined when it is not one. */
export function parseDayPrefix(
  prefix: string,
  root: string,
): { account: string; region: string; day: string } | undefined {
  if (typeof prefix !== 'string' || prefix.length > 1024 || !prefix.startsWith(root)) return undefined;
  const m = DAY_PREFIX_TAIL.exec(prefix.slice(root.length));
  if (!m) return undefined;
  const [, account, region, year, month, day] = m;
  if (Number(month) < 1 || Number(month) > 12 || Number(day) < 1 || Number(day) > 31) return undefined;
  return { account, region, day: `${year}/${month}/${day}` };
}

/**
 * Reads a prefix list (`--prefixes-from`): a JSON array of strings, or one prefix per line with
 * blank lines and `#` comments ignored. `name` is used in errors.
 */
export function parsePrefixList(text: string, name: string): string[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (err) {
      throw new HuntPlanError(`${name}: not valid JSON (${(err as Error).message})`);
    }
    if (!Array.isArray(parsed)) throw new HuntPlanError(`${name}: expected a JSON array of prefixes`);
    return parsed.map((p, i) => {
      if (typeof p !== 'string') throw new HuntPlanError(`${name}: [${i}]: expected a string`);
      return p.trim();
    });
  }
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

function planFromPrefixes(
  config: AccountsConfig,
  selection: HuntSelection,
  since: string,
  until: string,
): Pick<HuntPlan, 'accounts' | 'regions' | 'days' | 'prefixes'> {
  if ((selection.ous ?? []).length + (selection.accounts ?? []).length + (selection.regions ?? []).length > 0)
    throw new HuntPlanError(
      '--prefix/--prefixes-from name the day folders: leave out --ou, --account and --regions',
    );
  const root = trailLogsRoot(config);
  const raw = selection.prefixes ?? [];
  if (raw.length === 0) throw new HuntPlanError('--prefix: no prefixes given');
  const accounts = new Set<string>();
  const regions = new Set<string>();
  const days = new Set<string>();
  raw.forEach((prefix, i) => {
    const parsed = parseDayPrefix(prefix, root);
    if (!parsed)
      throw new HuntPlanError(
        `--prefix #${i + 1}: expected ${root}<account>/CloudTrail/<region>/YYYY/MM/DD/, got "${String(prefix).slice(0, 200)}"`,
      );
    accounts.add(parsed.account);
    regions.add(parsed.region);
    days.add(parsed.day);
  });
  // The time window is still checked (order and length) even though the folders are given.
  dayFolders(since, until);
  return {
    accounts: [...accounts].sort(),
    regions: [...regions].sort(),
    days: [...days].sort(),
    prefixes: [...new Set(raw)].sort(),
  };
}

export function planHunt(config: AccountsConfig, selection: HuntSelection): HuntPlan {
  const since = parseHuntTime('--since', selection.since, 'start');
  const until = parseHuntTime('--until', selection.until, 'end');
  const rules = (selection.rules ?? []).map((r) => r.trim()).filter((r) => r !== '');
  if (selection.prefixes !== undefined) {
    return {
      since,
      until,
      mode: selection.mode,
      ...(rules.length > 0 ? { rules } : {}),
      ...planFromPrefixes(config, selection, since, until),
    };
  }
  const days = dayFolders(since, until);
  const accounts = selectAccounts(config, selection.ous, selection.accounts);
  const regions = selectRegions(config, selection.regions);
  const root = trailLogsRoot(config);
  const prefixes: string[] = [];
  for (const account of accounts)
    for (const region of regions)
      for (const day of days) prefixes.push(`${root}${account}/CloudTrail/${region}/${day}/`);
  return {
    since,
    until,
    mode: selection.mode,
    ...(rules.length > 0 ? { rules } : {}),
    accounts,
    regions,
    days,
    prefixes,
  };
}
