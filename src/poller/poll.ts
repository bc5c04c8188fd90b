/**
 * The poller's core, for landing zones that forbid the log bucket's event notifications: it learns
 * of new trail log objects with read access only. Accounts are the folders under the logs root,
 * regions come from the settings or the folders under each account; every account × region × UTC
 * day folder of the window [now − lookback, now] is listed from the window's start (StartAfter),
 * and each log file no earlier run queued goes to the objects queue (new-keys.ts). Every run
 * whose window covers a key lists it again, so what one run misses (a failed listing, the time
 * budget, a file that lands late under an earlier name) the next one picks up.
 */
import { isCloudTrailLogKey } from '../cloudtrail';
import { ACCOUNT_ID } from '../core';
import { forEachBounded } from './bounded';
import { describeError } from './describe-error';
import { NewKeyQueue } from './new-keys';
import type { ObjectsQueue, SeenKeys, TrailListing } from './ports';
import { dayPrefix, pollWindow, startAfterKey } from './time-window';

export interface PollSettings {
  bucket: string;
  /** `[<prefix>/]AWSLogs/[<org-id>/]`, ending in `/`: the account folders are directly under it. */
  logsRoot: string;
  /** Regions to poll in every account; empty = each account's region folders. */
  regions: string[];
  lookbackMinutes: number;
}

export interface PollDeps {
  listing: TrailListing;
  seen: SeenKeys;
  queue: ObjectsQueue;
  /** The run's clock, in ms. */
  now: number;
  /** Time left before the Lambda is stopped. */
  remainingMs: () => number;
  /** Listings in flight at most (default 16). */
  concurrency?: number;
  /** ListObjectsV2 pages per run at most (default 10,000). */
  maxPages?: number;
  /** No new page is listed with less time left than this: it is for queueing what was found (default 20 s). */
  reserveMs?: number;
  /** Shuffles the listing order, so a run cut short never starves the same prefixes (default Math.random). */
  random?: () => number;
}

export interface PollSummary {
  accounts: number;
  /** Day prefixes (account × region × day) in the window. */
  prefixes: number;
  /** Log files listed in the window. */
  listed: number;
  /** Messages SQS accepted. */
  sent: number;
  /** Listed files an earlier run queued. */
  alreadySeen: number;
  failedPrefixes: { prefix: string; error: string }[];
  /** Listings not finished because the time or page budget ran out: the next run covers them. */
  unfinished: number;
  /** Set when the run stopped listing early. */
  stoppedBy?: 'time' | 'pages';
  pages: number;
}

export const DEFAULT_CONCURRENCY = 16;
export const DEFAULT_MAX_PAGES = 10_000;
export const DEFAULT_RESERVE_MS = 20_000;

const REGION_FOLDER = /^[a-z]{2}(?:-[a-z]+)+-\d+$/;

/** Pages and time left for listing; once spent, no listing starts another page. */
class ListingBudget {
  pages = 0;
  stoppedBy?: 'time' | 'pages';

  constructor(
    private readonly maxPages: number,
    private readonly remainingMs: () => number,
    private readonly reserveMs: number,
  ) {}

  take(): boolean {
    if (!this.stoppedBy && this.pages >= this.maxPages) this.stoppedBy = 'pages';
    if (!this.stoppedBy && this.remainingMs() <= this.reserveMs) this.stoppedBy = 'time';
    if (this.stoppedBy) return false;
    this.pages++;
    return true;
  }
}

/** Log files only: not digests, Insights or anything else that lands beside them. */
const isPolledKey = (key: string): boolean => key.endsWith('.json.gz') && isCloudTrailLogKey(key);

export async function pollTrail(settings: PollSettings, deps: PollDeps): Promise<PollSummary> {
  if (!settings.logsRoot.endsWith('/'))
    throw new Error(`poll logs root: expected a prefix ending in "/", got "${settings.logsRoot}"`);
  const concurrency = deps.concurrency ?? DEFAULT_CONCURRENCY;
  const budget = new ListingBudget(
    deps.maxPages ?? DEFAULT_MAX_PAGES,
    deps.remainingMs,
    deps.reserveMs ?? DEFAULT_RESERVE_MS,
  );
  const failures = new Map<string, string[]>();
  const fail = (prefix: string, error: string) => {
    const errors = failures.get(prefix) ?? [];
    if (!errors.includes(error)) errors.push(error);
    failures.set(prefix, errors);
  };
  const newKeys = new NewKeyQueue({
    bucket: settings.bucket,
    seen: deps.seen,
    queue: deps.queue,
    onFailure: fail,
  });
  let accounts: string[] = [];
  let prefixes = 0;
  let listed = 0;
  let unfinished = 0;

  /** The folder names directly under a prefix, all pages; undefined when the budget ran out. */
  const folderNames = async (prefix: string): Promise<string[] | undefined> => {
    const names: string[] = [];
    let token: string | undefined;
    do {
      if (!budget.take()) return undefined;
      const page = await deps.listing.page({ prefix, delimiter: '/', token });
      for (const folder of page.folders) names.push(folder.slice(prefix.length).replace(/\/$/, ''));
      token = page.next;
    } while (token);
    return names;
  };

  const summary = (): PollSummary => ({
    accounts: accounts.length,
    prefixes,
    listed,
    sent: newKeys.sent,
    alreadySeen: newKeys.alreadySeen,
    failedPrefixes: [...failures].map(([prefix, errors]) => ({ prefix, error: errors.join('; ') })),
    unfinished,
    ...(budget.stoppedBy ? { stoppedBy: budget.stoppedBy } : {}),
    pages: budget.pages,
  });

  try {
    const names = await folderNames(settings.logsRoot);
    if (!names) return { ...summary(), unfinished: 1 };
    accounts = names.filter((n) => ACCOUNT_ID.test(n));
  } catch (err) {
    fail(settings.logsRoot, `listing the account folders failed: ${describeError(err)}`);
    return summary();
  }

  const targets: { account: string; region: string }[] = [];
  if (settings.regions.length > 0) {
    for (const account of accounts) for (const region of settings.regions) targets.push({ account, region });
  } else {
    await forEachBounded(accounts, concurrency, async (account) => {
      const prefix = `${settings.logsRoot}${account}/CloudTrail/`;
      try {
        const regions = await folderNames(prefix);
        if (!regions) unfinished++;
        for (const region of regions ?? []) if (REGION_FOLDER.test(region)) targets.push({ account, region });
      } catch (err) {
        fail(prefix, `listing the region folders failed: ${describeError(err)}`);
      }
    });
  }

  const window = pollWindow(deps.now, settings.lookbackMinutes);
  const tasks = targets.flatMap(({ account, region }) =>
    window.days.map((day) => {
      const prefix = dayPrefix(settings.logsRoot, account, region, day);
      return { prefix, startAfter: startAfterKey(prefix, account, region, window.startStamp) };
    }),
  );
  shuffle(tasks, deps.random ?? Math.random);
  prefixes = tasks.length;

  await forEachBounded(tasks, concurrency, async ({ prefix, startAfter }) => {
    try {
      let token: string | undefined;
      do {
        if (!budget.take()) {
          unfinished++;
          return;
        }
        const page = await deps.listing.page({ prefix, startAfter, token });
        const keys = page.keys.filter(isPolledKey);
        listed += keys.length;
        await newKeys.add(prefix, keys);
        token = page.next;
      } while (token);
    } catch (err) {
      fail(prefix, `listing failed: ${describeError(err)}`);
    }
  });
  // What was listed is queued even when the budget ran out: the reserve is for this.
  await newKeys.flush();
  return summary();
}

/** Fisher–Yates, in place. */
function shuffle<T>(items: T[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
}
