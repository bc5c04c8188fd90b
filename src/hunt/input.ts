/**
 * The retro-hunt contract between `trailalerts hunt`, the state machine and the hunt worker:
 * the execution input, one map item as the worker receives it, and validation of a worker batch,
 * which is checked field by field because the worker must never list outside the trail's log root.
 * The state machine's ItemSelector makes each item `{ prefix }`, and the ItemBatcher's BatchInput
 * carries what every item shares (huntId, since, until, mode, rules) once per batch instead of
 * once per item (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itembatcher.html).
 */
import type { HuntMode } from './plan';
import { TrailAlertsError } from '../core';

export interface HuntExecutionInput {
  huntId: string;
  since: string;
  until: string;
  mode: HuntMode;
  /** Rule ids, titles, wildcards or path globs; empty for every shipped rule. */
  rules: string[];
  /** Key of the JSON manifest (an array of prefixes) in the hunt bucket, for large hunts… */
  manifestKey?: string;
  /** …or the prefixes inline, for small ones. */
  prefixes?: string[];
}

export interface HuntItem {
  huntId: string;
  prefix: string;
  since: string;
  until: string;
  mode: HuntMode;
  rules: string[];
}

/** What the Distributed Map's ItemBatcher hands to each worker invocation. */
export interface HuntBatchEvent {
  Items: (Partial<HuntItem> & { prefix: string })[];
  /** The fields every item shares; an item's own fields win (items of older state machines carry them all). */
  BatchInput?: Partial<Omit<HuntItem, 'prefix'>>;
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z$/;
const MAX_ITEMS = 1000;
const MAX_RULE_REFS = 200;

export class HuntInputError extends TrailAlertsError {
  constructor(message: string) {
    super(message);
  }
}

/** Day prefix shape under the logs root: `<account>/CloudTrail/<region>/YYYY/MM/DD/`. */
const DAY_PREFIX_TAIL = /^\d{12}\/CloudTrail\/[a-z]{2}(?:-[a-z]+)+-\d\/\d{4}\/\d{2}\/\d{2}\/$/;

/**
 * Validates a worker batch. `logsRoot` is `[<prefix>/]AWSLogs/<org-id>/` (or `…AWSLogs/`): every
 * prefix must be a day folder below it.
 */
export function parseHuntBatch(event: unknown, logsRoot: string): HuntItem[] {
  const items = (event as { Items?: unknown } | null)?.Items;
  if (!Array.isArray(items)) throw new HuntInputError('hunt batch: expected { Items: [...] }');
  if (items.length > MAX_ITEMS)
    throw new HuntInputError(`hunt batch: at most ${MAX_ITEMS} items, got ${items.length}`);
  const shared = (event as { BatchInput?: unknown }).BatchInput ?? {};
  if (typeof shared !== 'object' || shared === null || Array.isArray(shared))
    throw new HuntInputError('hunt batch BatchInput: expected an object');
  return items.map((raw, i) =>
    parseItem(typeof raw === 'object' && raw !== null ? { ...shared, ...raw } : raw, i, logsRoot),
  );
}

function parseItem(raw: unknown, i: number, logsRoot: string): HuntItem {
  const at = `hunt batch Items[${i}]`;
  if (typeof raw !== 'object' || raw === null) throw new HuntInputError(`${at}: expected an object`);
  const item = raw as Record<string, unknown>;
  const text = (name: string): string => {
    const v = item[name];
    if (typeof v !== 'string' || v.length === 0 || v.length > 1024)
      throw new HuntInputError(`${at}.${name}: expected a non-empty string`);
    return v;
  };
  const prefix = text('prefix');
  if (!prefix.startsWith(logsRoot) || !DAY_PREFIX_TAIL.test(prefix.slice(logsRoot.length)))
    throw new HuntInputError(
      `${at}.prefix: expected ${logsRoot}<account>/CloudTrail/<region>/YYYY/MM/DD/, got "${prefix.slice(0, 200)}"`,
    );
  const since = text('since');
  const until = text('until');
  for (const [name, v] of [
    ['since', since],
    ['until', until],
  ] as const) {
    if (!ISO_TIME.test(v) || Number.isNaN(Date.parse(v)))
      throw new HuntInputError(`${at}.${name}: expected an ISO time ending in Z, got "${v.slice(0, 40)}"`);
  }
  if (Date.parse(until) < Date.parse(since)) throw new HuntInputError(`${at}: until is before since`);
  // Executions started before alert mode had its name called it "pipeline" (a redrive replays them).
  const mode = item.mode === 'pipeline' ? 'alert' : item.mode;
  if (mode !== 'alert' && mode !== 'report')
    throw new HuntInputError(`${at}.mode: expected "alert" or "report"`);
  const rules = item.rules ?? [];
  if (
    !Array.isArray(rules) ||
    rules.length > MAX_RULE_REFS ||
    rules.some((r) => typeof r !== 'string' || r.length === 0 || r.length > 512)
  )
    throw new HuntInputError(`${at}.rules: expected up to ${MAX_RULE_REFS} rule references (strings)`);
  const huntId = typeof item.huntId === 'string' ? item.huntId.slice(0, 128) : 'unknown';
  return { huntId, prefix, since, until, mode, rules: rules as string[] };
}
