/**
 * Exceptions: known-good activity that must not alert. Compiled once from accounts.yaml (org-wide,
 * per OU, per account) or from TrailAlerts' exceptions.json, then checked per match. Every given
 * condition must hold (AND across fields, OR within a list); after `expires` an exception no longer
 * applies to events that happen after it: expiry is judged at the event's time, so a replay, a
 * redelivery or a hunt after the expiry still excepts what was excepted when it happened. A
 * condition value that cannot be compiled never matches, so a mistake fails towards alerting,
 * never towards silence.
 */
import type { Actor } from '../cloudtrail';
import { actorCandidates, compileActorList } from './actor-match';
import { compileIpRange, ipInRanges, type IpRange } from './ip-match';
import { compileActorPattern } from './actor-patterns';
import { compileRuleRef, type RuleRefMatcher } from './rule-ref';
import type { ExceptionConfig } from './types';
import type { LinearRegex } from '../regex';
import { wildcardMatch } from './wildcard';
import type { CloudTrailRecord, Diagnostic } from '../core';
import type { RuleMeta } from '../sigma';
import { isProblem } from '../core';

/** Longest event text a pattern is run against (longer values are cut). */
const MAX_TEXT = 2048;

export interface CompiledException {
  config: ExceptionConfig;
  /** Where it was defined, e.g. `organizationalUnits./Sandbox.exceptions[0]` or `exceptions.json "Rule"`. */
  where: string;
  file?: string;
  line?: number;
  reason: string;
  /** The first instant at which it no longer applies. */
  expiresAt?: Date;
  /** Values that could not be compiled (they never match). */
  problems: string[];
  /** How values were read, e.g. a pattern simplified. */
  notices: string[];
  /** All conditions, compiled. */
  applies(input: ExceptionInput): boolean;
}

export interface ExceptionInput {
  rule: RuleMeta;
  record: CloudTrailRecord;
  actor: Actor;
}

/** Where a list of exceptions comes from: its path, and optionally file and line per entry. */
export interface ExceptionOrigin {
  where: string;
  file?: string;
  lineOf?: (index: number) => number | undefined;
}

/**
 * `expires` as the first instant the exception no longer applies: a date `YYYY-MM-DD` applies
 * through the end of that day (UTC); a date-time applies until that instant.
 */
export function expiryInstant(expires: string): Date | undefined {
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(expires);
  const date = day
    ? new Date(Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3]) + 1))
    : new Date(expires);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v.slice(0, MAX_TEXT) : undefined);

/** A list condition: undefined when not given; a list given empty matches nothing. */
type Condition = (input: ExceptionInput, candidates: () => string[]) => boolean;

function compileOne(config: ExceptionConfig, where: string, file?: string, line?: number): CompiledException {
  const problems: string[] = [];
  const notices: string[] = [];
  const conditions: Condition[] = [];
  const ruleMatches: RuleRefMatcher = compileRuleRef(String(config.rule ?? ''));

  if (config.actors) {
    const matches = compileActorList(config.actors);
    conditions.push((_i, candidates) => matches(candidates()));
  }
  if (config.actorPatterns) {
    const regexes: LinearRegex[] = [];
    for (const pattern of config.actorPatterns) {
      const checked = compileActorPattern(pattern);
      if (!isProblem(checked)) {
        regexes.push(checked.regex);
        notices.push(...checked.notices.map((n) => `actorPatterns "${pattern}": ${n}`));
      } else problems.push(`actorPatterns "${pattern}": ${checked.problem}`);
    }
    conditions.push((_i, candidates) =>
      regexes.some((r) => candidates().some((c) => r.test(c.slice(0, MAX_TEXT)))),
    );
  }
  if (config.sourceIPs) {
    const ranges: IpRange[] = [];
    for (const entry of config.sourceIPs) {
      const range = compileIpRange(entry);
      if ('problem' in range) problems.push(`sourceIPs: ${range.problem}`);
      else ranges.push(range);
    }
    conditions.push(({ record }) => ipInRanges(record.sourceIPAddress, ranges));
  }
  const wildcards = (field: string, values: readonly string[] | undefined) => {
    if (!values) return;
    conditions.push(({ record }) => {
      const value = text(record[field]);
      return value !== undefined && values.some((v) => wildcardMatch(v, value));
    });
  };
  wildcards('userAgent', config.userAgents);
  wildcards('awsRegion', config.regions);
  wildcards('eventName', config.eventNames);

  let expiresAt: Date | undefined;
  let expiredAlways = false;
  if (config.expires !== undefined) {
    expiresAt = expiryInstant(String(config.expires));
    if (!expiresAt) {
      problems.push(`expires "${config.expires}" is not a date; the exception never applies`);
      expiredAlways = true;
    }
  }

  const reason = typeof config.reason === 'string' ? config.reason : '';
  return {
    config,
    where,
    file,
    line,
    reason,
    expiresAt,
    problems,
    notices,
    applies(input) {
      if (expiredAlways || !ruleMatches(input.rule)) return false;
      let cached: string[] | undefined;
      const candidates = () => (cached ??= actorCandidates(input.actor));
      return conditions.every((c) => c(input, candidates));
    },
  };
}

/** Compiles a list of exceptions once; `origin` says where they were defined (for labels). */
export function compileExceptions(
  list: readonly ExceptionConfig[],
  origin: ExceptionOrigin | string,
): CompiledException[] {
  const o: ExceptionOrigin = typeof origin === 'string' ? { where: origin } : origin;
  return list.map((config, i) => compileOne(config, `${o.where}[${i}]`, o.file, o.lineOf?.(i)));
}

/** The first exception that applies to this match at time `at` (those expired by then are skipped). */
export function findException(
  input: ExceptionInput,
  exceptions: readonly CompiledException[],
  at: Date,
): CompiledException | undefined {
  const t = at.getTime();
  return exceptions.find((e) => (e.expiresAt === undefined || t < e.expiresAt.getTime()) && e.applies(input));
}

/** When an exception's expiry is judged for an event: its eventTime, else (no usable time) `now`. */
export function judgedAt(record: CloudTrailRecord, now: Date): Date {
  const raw = typeof record.eventTime === 'string' && record.eventTime.length <= 64 ? record.eventTime : '';
  const ms = Date.parse(raw);
  return Number.isFinite(ms) ? new Date(ms) : now;
}

/** A label for scan output and logs: where it was defined and why. */
export function exceptionLabel(e: CompiledException): string {
  const place = e.file ? `${e.file}${e.line !== undefined ? `:${e.line}` : ''} ${e.where}` : e.where;
  return `exception ${place} (rule ${JSON.stringify(e.config.rule)}): ${e.reason}`;
}

/** The exceptions.json shape of TrailAlerts, keyed by rule title. */
interface TrailAlertsEntry {
  excludedActors?: string[];
  excludedSourceIPs?: string[];
  excludedActorsRegex?: string[];
}

const TRAILALERTS_KEYS: (keyof TrailAlertsEntry)[] = [
  'excludedActors',
  'excludedSourceIPs',
  'excludedActorsRegex',
];
export const IMPORTED_REASON = 'imported from exceptions.json';

/** Line of a JSON.parse error: from "position N", else from the quoted context V8 prints. */
function jsonErrorLine(textValue: string, message: string): number | undefined {
  const lineAt = (offset: number) => textValue.slice(0, offset).split('\n').length;
  const at = /position (\d+)/.exec(message);
  if (at) return lineAt(Number(at[1]));
  const context = /"(?:\.\.\.)?([\s\S]*?)(?:\.\.\.)?" is not valid JSON/.exec(message);
  if (!context || context[1] === '') return undefined;
  const start = textValue.indexOf(context[1]);
  if (start < 0) return undefined;
  const token = /Unexpected token '(.)'/.exec(message);
  const within = token ? context[1].indexOf(token[1]) : -1;
  return lineAt(start + Math.max(within, 0));
}

/**
 * Loads TrailAlerts' exceptions.json as org-wide exceptions. As in TrailAlerts each list excludes
 * on its own (an actor in `excludedActors` OR an IP in `excludedSourceIPs` OR a regex match), so
 * every non-empty list becomes one exception. Never throws.
 */
export function loadTrailAlertsExceptions(
  textValue: string,
  file: string,
): { exceptions: CompiledException[]; configs: ExceptionConfig[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const configs: ExceptionConfig[] = [];
  const exceptions: CompiledException[] = [];
  let data: unknown;
  try {
    data = JSON.parse(textValue);
  } catch (err) {
    const message = (err as Error).message;
    diagnostics.push({
      severity: 'error',
      file,
      line: jsonErrorLine(textValue, message),
      message: `invalid JSON: ${message}`,
    });
    return { exceptions, configs, diagnostics };
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    diagnostics.push({ severity: 'error', file, message: 'expected an object keyed by rule title' });
    return { exceptions, configs, diagnostics };
  }
  for (const [title, entry] of Object.entries(data as Record<string, unknown>)) {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      diagnostics.push({
        severity: 'error',
        file,
        path: title,
        message: 'expected an object with excludedActors, excludedSourceIPs or excludedActorsRegex',
      });
      continue;
    }
    for (const key of Object.keys(entry)) {
      if (!TRAILALERTS_KEYS.includes(key as keyof TrailAlertsEntry)) {
        diagnostics.push({
          severity: 'warning',
          file,
          path: `${title}.${key}`,
          message: `unknown key ignored; expected one of: ${TRAILALERTS_KEYS.join(', ')}`,
        });
      }
    }
    const lists: Partial<Record<keyof TrailAlertsEntry, string[]>> = {};
    for (const key of TRAILALERTS_KEYS) {
      const value = (entry as Record<string, unknown>)[key];
      if (value === undefined) continue;
      if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
        diagnostics.push({
          severity: 'error',
          file,
          path: `${title}.${key}`,
          message: 'expected a list of strings',
        });
        continue;
      }
      if (value.length > 0) lists[key] = value as string[];
    }
    const add = (config: ExceptionConfig, key: string) => {
      const compiled = compileOne(config, `exceptions.json ${JSON.stringify(title)}.${key}`, file);
      compiled.problems.forEach((message) =>
        diagnostics.push({ severity: 'error', file, path: `${title}.${key}`, message }),
      );
      compiled.notices.forEach((message) =>
        diagnostics.push({ severity: 'notice', file, path: `${title}.${key}`, message }),
      );
      configs.push(config);
      exceptions.push(compiled);
    };
    if (lists.excludedActors)
      add({ rule: title, actors: lists.excludedActors, reason: IMPORTED_REASON }, 'excludedActors');
    if (lists.excludedSourceIPs)
      add({ rule: title, sourceIPs: lists.excludedSourceIPs, reason: IMPORTED_REASON }, 'excludedSourceIPs');
    if (lists.excludedActorsRegex)
      add(
        { rule: title, actorPatterns: lists.excludedActorsRegex, reason: IMPORTED_REASON },
        'excludedActorsRegex',
      );
  }
  return { exceptions, configs, diagnostics };
}
