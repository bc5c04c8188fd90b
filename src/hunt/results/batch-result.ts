/**
 * One child execution as the ResultWriter records it (failed children, and every child of a state
 * machine without WriterConfig; a COMPACT succeeded child is its output alone), Input and Output as
 * JSON text: the day prefixes of its input (the ItemBatcher batch `{ Items: [...] }`) and the
 * worker's result (HuntBatchResult, src/hunt/tally.ts), checked field by field.
 */
import { safeText } from '../../notify';
import type { HuntBatchResult, HuntMatchSummary, ObjectProblems } from '../index';
import {
  array,
  count,
  dayPrefix,
  describeValue,
  isObject,
  laterCount,
  parseJson,
  ShapeError,
  text,
} from './shapes';

function objectProblems(v: unknown, path: string): ObjectProblems[] {
  return array(v, path, 1000).map((d, i) => {
    const at = `${path}[${i}]`;
    if (!isObject(d)) throw new ShapeError(`${at}: expected an object, got ${describeValue(d)}`);
    return {
      key: text(d.key, `${at}.key`, 1024),
      problems: array(d.problems, `${at}.problems`, 20).map((p, j) => text(p, `${at}.problems[${j}]`)),
    };
  });
}

/** Validates one worker result; throws ShapeError naming the path. */
export function parseBatchResult(value: unknown, path: string): HuntBatchResult {
  if (!isObject(value)) throw new ShapeError(`${path}: expected an object, got ${describeValue(value)}`);
  const byRuleRaw = value.byRule;
  if (!isObject(byRuleRaw))
    throw new ShapeError(`${path}.byRule: expected an object, got ${describeValue(byRuleRaw)}`);
  const byRuleEntries = Object.entries(byRuleRaw);
  if (byRuleEntries.length > 10_000) throw new ShapeError(`${path}.byRule: more than 10000 rules`);
  const byRule: HuntBatchResult['byRule'] = {};
  for (const [id, entry] of byRuleEntries) {
    const at = `${path}.byRule[${JSON.stringify(safeText(id, 80))}]`;
    if (id.length === 0 || id.length > 200) throw new ShapeError(`${at}: expected a rule id`);
    if (!isObject(entry)) throw new ShapeError(`${at}: expected an object, got ${describeValue(entry)}`);
    byRule[id] = { title: text(entry.title, `${at}.title`, 500), count: count(entry.count, `${at}.count`) };
  }
  const listed = array(value.listed, `${path}.listed`, 1000).map((m, i): HuntMatchSummary => {
    const at = `${path}.listed[${i}]`;
    if (!isObject(m)) throw new ShapeError(`${at}: expected an object, got ${describeValue(m)}`);
    return {
      ruleId: text(m.ruleId, `${at}.ruleId`, 200),
      title: text(m.title, `${at}.title`, 500),
      eventID: text(m.eventID, `${at}.eventID`, 500),
      eventTime: text(m.eventTime, `${at}.eventTime`, 500),
      accountId: text(m.accountId, `${at}.accountId`, 100),
      source: text(m.source, `${at}.source`, 1000),
    };
  });
  const prefixes = (v: unknown, at: string) =>
    array(v, at, 10_000).map((p, i) => dayPrefix(p, `${at}[${i}]`));
  // Fields read with laterCount or `?? []` are absent in results of workers older than them.
  return {
    huntId: text(value.huntId, `${path}.huntId`, 128),
    prefixes: count(value.prefixes, `${path}.prefixes`),
    objects: count(value.objects, `${path}.objects`),
    records: count(value.records, `${path}.records`),
    outOfRange: count(value.outOfRange, `${path}.outOfRange`),
    matches: count(value.matches, `${path}.matches`),
    byRule,
    listed,
    damagedObjects: count(value.damagedObjects, `${path}.damagedObjects`),
    damaged: objectProblems(value.damaged, `${path}.damaged`),
    skippedObjects: laterCount(value.skippedObjects, `${path}.skippedObjects`),
    outsideWindowObjects: laterCount(value.outsideWindowObjects, `${path}.outsideWindowObjects`),
    unreadableObjects: laterCount(value.unreadableObjects, `${path}.unreadableObjects`),
    unreadable: objectProblems(value.unreadable ?? [], `${path}.unreadable`),
    unreadablePrefixes: prefixes(value.unreadablePrefixes ?? [], `${path}.unreadablePrefixes`),
    truncatedMatches: laterCount(value.truncatedMatches, `${path}.truncatedMatches`),
    unfinished: prefixes(value.unfinished, `${path}.unfinished`),
    unknownRules: array(value.unknownRules, `${path}.unknownRules`, 1000).map((r, i) =>
      text(r, `${path}.unknownRules[${i}]`, 512),
    ),
  };
}

/** The day prefixes of a child execution's input (`{ Items: [{ prefix, … }] }`, as JSON text). */
export function batchPrefixes(input: unknown, path: string): string[] {
  const value = typeof input === 'string' ? parseJson(input, path) : input;
  if (!isObject(value))
    throw new ShapeError(`${path}: expected an object with Items, got ${describeValue(value)}`);
  return array(value.Items, `${path}.Items`, 10_000).map((item, i) =>
    dayPrefix(isObject(item) ? item.prefix : undefined, `${path}.Items[${i}].prefix`),
  );
}
