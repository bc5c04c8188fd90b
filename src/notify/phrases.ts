/**
 * The sentences every output uses for correlations, digests and cooldown, so all of them say the
 * same. `value` wraps each event-derived part (a Slack code span, an escaped HTML span …).
 */
import type { AlertFacts } from './alert-facts';

type Correlation = NonNullable<AlertFacts['correlation']>;
type Digest = NonNullable<AlertFacts['digest']>;
type Wrap = (value: string) => string;

const same: Wrap = (v) => v;
const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** `value_count, value 7`. */
export function correlationSummary(c: Correlation, value: Wrap = same): string {
  return `${value(c.type)}${c.value !== undefined ? `, value ${c.value}` : ''}`;
}

/** `userIdentity.arn = arn:…, eventSource = …`. */
export function groupSummary(c: Correlation, value: Wrap = same): string {
  return c.groupBy.map(([k, v]) => `${value(k)} = ${value(v)}`).join(', ');
}

/** `Counted values (7)`: how many distinct values the correlation counted. */
export function countedValuesTitle(c: Correlation): string {
  return `Counted values (${c.values.length + c.valuesMore})`;
}

/**
 * `12 targets between … and …; 3 exact repeats counted, not listed`; a digest that an alert carries
 * lists the alert's other targets (`2 other targets …`, or none when only repeats were counted).
 */
export function digestSummary(d: Digest, value: Wrap = same): string {
  const n = d.entries.length + d.more;
  const targets = d.standalone
    ? plural(n, 'target')
    : n === 0
      ? 'No other targets'
      : plural(n, 'other target');
  const repeats = d.repeats > 0 ? `; ${plural(d.repeats, 'exact repeat')} counted, not listed` : '';
  return `${targets} between ${value(d.since)} and ${value(d.until)}${repeats}`;
}

/** `3 similar alerts suppressed since …`. */
export function cooldownSummary(s: NonNullable<AlertFacts['suppressed']>, value: Wrap = same): string {
  return `${plural(s.count, 'similar alert')} suppressed since ${value(s.since)}`;
}

/** `… and 5 more`. */
export const andMore = (n: number): string => `… and ${n} more`;

/** What a chat payload says when values were cut or left out to fit the platform's limit. */
export const shortenedNote = (platform: string): string =>
  `Some event values were shortened or left out to fit the ${platform} message size limit; the email and the JSON alert carry them in full.`;
