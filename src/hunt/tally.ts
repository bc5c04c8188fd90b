/**
 * What one hunt worker call returns (the child workflow's output, written to the hunt bucket by
 * the map's ResultWriter and read back by results/), and the per-prefix tally it is built from.
 *
 * A prefix's counts join the batch's only once every object of the prefix was read (damaged ones
 * included: their damage is final). A prefix cut off by the time budget, or holding objects that
 * could not be read, is hunted again whole, so counting its first part too would count it twice.
 */
import type { Match } from '../alerts';

/**
 * At most this many matches and objects are listed per batch (counts are always exact), so a batch
 * result stays well under the 256 KB Step Functions payload limit.
 */
export const MAX_LISTED_MATCHES = 100;
export const MAX_LISTED_OBJECTS = 50;
const MAX_TEXT = 200;

export interface HuntMatchSummary {
  ruleId: string;
  title: string;
  eventID: string;
  eventTime: string;
  accountId: string;
  source: string;
}

/** An object and what went wrong with it. */
export interface ObjectProblems {
  key: string;
  problems: string[];
}

/** The counts of prefixes read whole. */
export interface PrefixTally {
  objects: number;
  records: number;
  outOfRange: number;
  matches: number;
  /** Matches per rule id. */
  byRule: Record<string, { title: string; count: number }>;
  /** The first matches (report mode lists them; alert mode sent them to the queue). */
  listed: HuntMatchSummary[];
  /** Objects with damaged content (corrupt gzip, truncated or invalid JSON): their good records were read. */
  damagedObjects: number;
  damaged: ObjectProblems[];
  /** Keys under the prefixes that are not log objects (digests, Insights, other files): not read. */
  skippedObjects: number;
  /** Log objects delivered too long before or after the window (by the time in their key): not read. */
  outsideWindowObjects: number;
}

export interface HuntBatchResult extends PrefixTally {
  huntId: string;
  /** Prefixes read whole: the counts above are theirs. */
  prefixes: number;
  /** Objects that could not be read (S3, KMS or network errors); hunting their prefix again can help. */
  unreadableObjects: number;
  unreadable: ObjectProblems[];
  /** Prefixes left out of the counts because some of their objects could not be read. */
  unreadablePrefixes: string[];
  /** Matches the queue took only without their largest record fields (alert mode). */
  truncatedMatches: number;
  /** Prefixes not (fully) read because the time budget ran out. */
  unfinished: string[];
  /** Rule references that matched no shipped rule. */
  unknownRules: string[];
}

export function emptyTally(): PrefixTally {
  return {
    objects: 0,
    records: 0,
    outOfRange: 0,
    matches: 0,
    byRule: {},
    listed: [],
    damagedObjects: 0,
    damaged: [],
    skippedObjects: 0,
    outsideWindowObjects: 0,
  };
}

export function emptyBatchResult(huntId: string): HuntBatchResult {
  return {
    huntId,
    prefixes: 0,
    ...emptyTally(),
    unreadableObjects: 0,
    unreadable: [],
    unreadablePrefixes: [],
    truncatedMatches: 0,
    unfinished: [],
    unknownRules: [],
  };
}

/** Adds a finished prefix's tally to the batch's. */
export function addTally(into: PrefixTally, from: PrefixTally): void {
  into.objects += from.objects;
  into.records += from.records;
  into.outOfRange += from.outOfRange;
  into.matches += from.matches;
  for (const [id, { title, count }] of Object.entries(from.byRule)) {
    const entry = (into.byRule[id] ??= { title, count: 0 });
    entry.count += count;
  }
  for (const m of from.listed) if (into.listed.length < MAX_LISTED_MATCHES) into.listed.push(m);
  into.damagedObjects += from.damagedObjects;
  for (const d of from.damaged) if (into.damaged.length < MAX_LISTED_OBJECTS) into.damaged.push(d);
  into.skippedObjects += from.skippedObjects;
  into.outsideWindowObjects += from.outsideWindowObjects;
}

/** Text from an attacker-controlled record field, bounded and never an object. */
function field(value: unknown): string {
  return typeof value === 'string' ? value.slice(0, MAX_TEXT) : '';
}

/** The match's record, or undefined when its text is not valid JSON (the analyzer does not parse it whole). */
function recordOf(m: Match): Match['record'] | undefined {
  try {
    return m.record;
  } catch {
    return undefined;
  }
}

/**
 * Counts a match; lists it while `tally` and `alreadyListed` (the prefix's list, when `tally` is
 * one object's) hold fewer than MAX_LISTED_MATCHES, since listing parses the record.
 */
export function countMatch(m: Match, tally: PrefixTally, alreadyListed = 0): void {
  tally.matches++;
  const entry = (tally.byRule[m.rule.id] ??= { title: m.rule.title, count: 0 });
  entry.count++;
  if (tally.listed.length + alreadyListed < MAX_LISTED_MATCHES) {
    tally.listed.push({
      ruleId: m.rule.id,
      title: m.rule.title,
      eventID: field(recordOf(m)?.eventID),
      eventTime: field(recordOf(m)?.eventTime),
      accountId: m.accountId,
      source: `${m.source.file}#${m.source.index}`.slice(0, 400),
    });
  }
}
