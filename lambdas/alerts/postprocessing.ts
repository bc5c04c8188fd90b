/**
 * Loads TrailAlerts post-processing JSON unchanged and turns each entry into the equivalent
 * Sigma correlation, so the one correlation engine evaluates both:
 *   { "type": "threshold",   "sigmaRuleTitle": T, "thresholdCount": N, "windowMinutes": M, "adjustSeverity": L }
 *     -> event_count of rule T, condition gte N, timespan M minutes, level L
 *   { "type": "correlation", "sigmaRuleTitle": T, "lookFor": U, "windowMinutes": M, "severity_adjustment": L }
 *     -> temporal of rules T and U (both within M minutes, any order), level L
 * Both group by actor and account (userIdentity.arn, recipientAccountId) and keep the rules'
 * own alerts (generate: true), as TrailAlerts did. Accepts an array of entries or
 * `{ "rules": [...] }`; key spellings are matched loosely (case, `_`, `-` ignored, common
 * synonyms). Anything unreadable becomes a diagnostic naming the file, line and entry path.
 */
import { createHash } from 'node:crypto';
import { LineCounter, parseDocument, isNode } from 'yaml';
import {
  LEVELS,
  levelRank,
  type CorrelationRuleModel,
  type Diagnostic,
  type Level,
  type RuleMeta,
} from '../sigma/model';

export const POSTPROCESSING_GROUP_BY = ['userIdentity.arn', 'recipientAccountId'];

export interface PostProcessingResult {
  correlations: CorrelationRuleModel[];
  diagnostics: Diagnostic[];
}

/** Normalized key -> meaning. Keys are compared lower-cased with everything but letters and digits removed. */
const KEYS: Record<string, 'type' | 'title' | 'threshold' | 'window' | 'level' | 'lookFor' | 'ignored'> = {
  type: 'type',
  kind: 'type',
  sigmaruletitle: 'title',
  sigmarule: 'title',
  ruletitle: 'title',
  rule: 'title',
  title: 'title',
  thresholdcount: 'threshold',
  threshold: 'threshold',
  count: 'threshold',
  mincount: 'threshold',
  windowminutes: 'window',
  windowmins: 'window',
  window: 'window',
  timewindowminutes: 'window',
  timewindow: 'window',
  minutes: 'window',
  adjustseverity: 'level',
  severityadjustment: 'level',
  adjustedseverity: 'level',
  adjustlevel: 'level',
  severity: 'level',
  level: 'level',
  lookfor: 'lookFor',
  lookforrule: 'lookFor',
  lookforruletitle: 'lookFor',
  correlatewith: 'lookFor',
  relatedrule: 'lookFor',
  description: 'ignored',
  comment: 'ignored',
  name: 'ignored',
  enabled: 'ignored',
};

const normalize = (key: string): string => key.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Parses a post-processing file against the loaded rules (matched by title, else id or name). */
export function parsePostProcessing(text: string, file: string, rules: RuleMeta[]): PostProcessingResult {
  const diagnostics: Diagnostic[] = [];
  const lines = lineLocator(text);
  const report = (severity: Diagnostic['severity'], path: (string | number)[], message: string): void => {
    diagnostics.push({ severity, file, line: lines(path), path: formatPath(path) || undefined, message });
  };

  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const position = /position (\d+)/.exec(message);
    const line = position ? text.slice(0, Number(position[1])).split('\n').length : undefined;
    diagnostics.push({ severity: 'error', file, line, message: `not valid JSON: ${message}` });
    return { correlations: [], diagnostics };
  }

  let entries: unknown[];
  let base: (string | number)[] = [];
  if (Array.isArray(data)) {
    entries = data;
  } else if (isObject(data)) {
    const rulesKey = Object.keys(data).find((k) => normalize(k) === 'rules');
    if (rulesKey !== undefined && Array.isArray(data[rulesKey])) {
      entries = data[rulesKey] as unknown[];
      base = [rulesKey];
    } else if (Object.keys(data).some((k) => KEYS[normalize(k)] === 'type')) {
      entries = [data];
    } else {
      report('error', [], 'expected an array of post-processing entries or an object with a "rules" array');
      return { correlations: [], diagnostics };
    }
  } else {
    report('error', [], 'expected an array of post-processing entries or an object with a "rules" array');
    return { correlations: [], diagnostics };
  }

  const correlations: CorrelationRuleModel[] = [];
  const single = !Array.isArray(data) && base.length === 0;
  entries.forEach((entry, index) => {
    const model = readEntry(entry, single ? [] : [...base, index], file, rules, report, lines);
    if (model) correlations.push(model);
  });
  return { correlations, diagnostics };
}

type Report = (severity: Diagnostic['severity'], path: (string | number)[], message: string) => void;

function readEntry(
  entry: unknown,
  path: (string | number)[],
  file: string,
  rules: RuleMeta[],
  report: Report,
  lines: (path: (string | number)[]) => number | undefined,
): CorrelationRuleModel | undefined {
  if (!isObject(entry)) {
    report(
      'error',
      path,
      `expected an object with "type", "sigmaRuleTitle" and "windowMinutes", got ${describe(entry)}`,
    );
    return undefined;
  }
  const fields: Partial<
    Record<'type' | 'title' | 'threshold' | 'window' | 'level' | 'lookFor', { key: string; value: unknown }>
  > = {};
  for (const [key, value] of Object.entries(entry)) {
    const meaning = KEYS[normalize(key)];
    if (!meaning) {
      report('warning', [...path, key], `unknown key "${key}" ignored`);
    } else if (meaning !== 'ignored') {
      if (fields[meaning])
        report(
          'warning',
          [...path, key],
          `"${key}" repeats "${fields[meaning]!.key}"; the later value is used`,
        );
      fields[meaning] = { key, value };
    }
  }
  const keyPath = (m: keyof typeof fields, fallback: string) => [...path, fields[m]?.key ?? fallback];

  const typeText =
    typeof fields.type?.value === 'string' ? fields.type.value.trim().toLowerCase() : undefined;
  if (typeText !== 'threshold' && typeText !== 'correlation') {
    report(
      'error',
      keyPath('type', 'type'),
      `expected "type": "threshold" or "correlation", got ${describe(fields.type?.value)}`,
    );
    return undefined;
  }
  const rule = findRule(fields.title?.value, keyPath('title', 'sigmaRuleTitle'), rules, report);
  const windowMinutes = positiveNumber(
    fields.window?.value,
    keyPath('window', 'windowMinutes'),
    'windowMinutes (minutes)',
    report,
  );
  let level: Level | undefined;
  if (fields.level !== undefined) {
    level = readLevel(fields.level.value);
    if (!level)
      report(
        'error',
        keyPath('level', 'adjustSeverity'),
        `expected a level (${LEVELS.join(', ')}), got ${describe(fields.level.value)}`,
      );
  }
  let threshold: number | undefined;
  let other: RuleMeta | undefined;
  if (typeText === 'threshold') {
    threshold = positiveNumber(
      fields.threshold?.value,
      keyPath('threshold', 'thresholdCount'),
      'thresholdCount (a count of at least 1)',
      report,
    );
    if (threshold !== undefined && !Number.isInteger(threshold)) {
      report(
        'error',
        keyPath('threshold', 'thresholdCount'),
        `expected a whole number of events, got ${threshold}`,
      );
      threshold = undefined;
    }
    if (threshold === undefined) return undefined;
  } else {
    other = findRule(fields.lookFor?.value, keyPath('lookFor', 'lookFor'), rules, report);
    if (!other) return undefined;
  }
  if (!rule || windowMinutes === undefined || (fields.level !== undefined && !level)) return undefined;

  const timespanMs = Math.round(windowMinutes * 60_000);
  const timespan = Number.isInteger(windowMinutes)
    ? `${windowMinutes}m`
    : `${Math.round(windowMinutes * 60)}s`;
  const finalLevel: Level =
    level ?? (other && levelRank(other.level) > levelRank(rule.level) ? other.level : rule.level);
  const title =
    threshold !== undefined
      ? `${rule.title} (${threshold} or more within ${windowMinutes} min)`
      : `${rule.title} with ${other!.title} (within ${windowMinutes} min)`;
  const id = `postprocessing-${createHash('sha256')
    .update(
      `${file}\n${formatPath(path)}\n${typeText}\n${rule.id}\n${other?.id ?? threshold}\n${windowMinutes}`,
    )
    .digest('hex')
    .slice(0, 24)}`;
  const meta: RuleMeta = {
    id,
    title,
    level: finalLevel,
    description:
      threshold !== undefined
        ? `TrailAlerts threshold: "${rule.title}" matched ${threshold} or more times by one actor in one account within ${windowMinutes} minutes.`
        : `TrailAlerts correlation: "${rule.title}" and "${other!.title}" matched for one actor in one account within ${windowMinutes} minutes.`,
    tags: [...new Set([...rule.tags, ...(other?.tags ?? [])])],
    references: [...rule.references],
    falsepositives: [...rule.falsepositives],
    file,
    line: lines(path) ?? 1,
  };
  return {
    meta,
    type: threshold !== undefined ? 'event_count' : 'temporal',
    rules: other ? [rule.id, other.id] : [rule.id],
    groupBy: [...POSTPROCESSING_GROUP_BY],
    timespanMs,
    timespan,
    condition: threshold !== undefined ? { gte: threshold } : undefined,
    aliases: {},
    generate: true,
  };
}

function findRule(
  value: unknown,
  path: (string | number)[],
  rules: RuleMeta[],
  report: Report,
): RuleMeta | undefined {
  if (typeof value !== 'string' || value.trim() === '') {
    report('error', path, `expected the title of a loaded Sigma rule, got ${describe(value)}`);
    return undefined;
  }
  const wanted = value.trim().toLowerCase();
  const byTitle = rules.filter((r) => r.title.trim().toLowerCase() === wanted);
  if (byTitle.length > 1) {
    report(
      'warning',
      path,
      `${byTitle.length} rules are titled "${value}" (${byTitle.map((r) => r.file).join(', ')}); using the first`,
    );
  }
  const found = byTitle[0] ?? rules.find((r) => r.id === value.trim() || r.name === value.trim());
  if (!found) report('error', path, `no loaded rule has the title "${value}"`);
  return found;
}

function positiveNumber(
  value: unknown,
  path: (string | number)[],
  what: string,
  report: Report,
): number | undefined {
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && value.trim() !== ''
        ? Number(value)
        : NaN;
  if (!Number.isFinite(n) || n <= 0) {
    report('error', path, `expected ${what} as a positive number, got ${describe(value)}`);
    return undefined;
  }
  return n;
}

function readLevel(value: unknown): Level | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim().toLowerCase();
  if (text === 'info') return 'informational';
  return (LEVELS as readonly string[]).includes(text) ? (text as Level) : undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'an object';
  const text = JSON.stringify(v);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function formatPath(path: (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/** Maps a path inside the JSON to its 1-based line (best effort: undefined when unknown). */
function lineLocator(text: string): (path: (string | number)[]) => number | undefined {
  let locate: (path: (string | number)[]) => number | undefined = () => undefined;
  try {
    const lineCounter = new LineCounter();
    const doc = parseDocument(text, { lineCounter, uniqueKeys: false });
    locate = (path) => {
      for (let n = path.length; n >= 0; n--) {
        const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
        if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
        if (n > 0) {
          // A key path: the pair's key node carries the position of `"key":`.
          const parent = n === 1 ? doc.contents : doc.getIn(path.slice(0, n - 1), true);
          const items = isNode(parent) && 'items' in parent ? (parent.items as unknown[]) : [];
          for (const item of items) {
            const key = (item as { key?: unknown }).key;
            if (isNode(key) && key.range && (key as { value?: unknown }).value === path[n - 1])
              return lineCounter.linePos(key.range[0]).line;
          }
        }
      }
      return undefined;
    };
  } catch {
    // Lines are a convenience; the path still names the place.
  }
  return locate;
}
