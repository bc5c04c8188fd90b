/**
 * Loads TrailAlerts post-processing JSON unchanged and turns each entry into the equivalent
 * Sigma correlation, so the one correlation engine evaluates both:
 *   { "type": "threshold",   "sigmaRuleTitle": T, "thresholdCount": N, "windowMinutes": M, "adjustSeverity": L }
 *     -> event_count of rule T, condition gte N, timespan M minutes, level L
 *   { "type": "correlation", "sigmaRuleTitle": T, "lookFor": U, "windowMinutes": M, "severity_adjustment": L }
 *     -> temporal of rules T and U (both within M minutes, any order), level L
 * Both group by actor and account (userIdentity.arn, recipientAccountId) and keep the rules'
 * own alerts (generate: true), as TrailAlerts did. Accepts an array of entries, one entry, or
 * `{ "rules": [...] }`; keys are TrailAlerts' own, exactly (postprocessing-keys.ts): any other
 * key is named in a warning. Anything unreadable becomes a diagnostic naming the file, line and
 * entry path.
 */
import { createHash } from 'node:crypto';
import { LineCounter, parseDocument, isNode } from 'yaml';
import {
  DEFAULT_ADJUSTMENT,
  ENTRY_KEYS,
  nearKey,
  type EntryType,
  type KeyMeaning,
} from './postprocessing-keys';
import { LEVELS, type Diagnostic, type Level } from '../core';
import { type CorrelationRuleModel, type RuleMeta } from '../sigma';

export const POSTPROCESSING_GROUP_BY = ['userIdentity.arn', 'recipientAccountId'];

export interface PostProcessingResult {
  correlations: CorrelationRuleModel[];
  diagnostics: Diagnostic[];
}

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
    if (Array.isArray(data.rules)) {
      entries = data.rules as unknown[];
      base = ['rules'];
    } else if ('type' in data) {
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
  const fields: Partial<Record<KeyMeaning, { key: string; value: unknown }>> = {};
  const entryType = typeof entry.type === 'string' ? entry.type : undefined;
  for (const [key, value] of Object.entries(entry)) {
    const spec = Object.hasOwn(ENTRY_KEYS, key) ? ENTRY_KEYS[key] : undefined;
    if (!spec) {
      const near = nearKey(key);
      report(
        'warning',
        [...path, key],
        `unknown key "${key}" ignored${near ? ` (did you mean "${near}"?)` : ''}`,
      );
      continue;
    }
    if (isEntryType(entryType) && !spec.types.includes(entryType)) {
      report('warning', [...path, key], `"${key}" is not read on a ${entryType} entry; ignored`);
      continue;
    }
    if (fields[spec.meaning]) {
      // Both severity keys: TrailAlerts' processor reads severity_adjustment, so it wins.
      const kept = key === 'severity_adjustment' ? key : fields[spec.meaning]!.key;
      report('warning', [...path, key], `"${key}" repeats "${fields[spec.meaning]!.key}"; "${kept}" is used`);
      if (kept !== key) continue;
    }
    fields[spec.meaning] = { key, value };
  }
  if (fields.cooldown)
    report(
      'notice',
      [...path, fields.cooldown.key],
      "cooldownMinutes is not applied: repeats are grouped by the OU's cooldownMinutes in accounts.yaml",
    );
  const keyPath = (m: keyof typeof fields, fallback: string) => [...path, fields[m]?.key ?? fallback];

  const typeText = fields.type?.value;
  if (!isEntryType(typeText)) {
    // TrailAlerts compares the type exactly, so "Threshold" would never fire there either.
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
  // TrailAlerts replaces the alert's level by the adjustment, with its processor's defaults.
  const finalLevel: Level = level ?? DEFAULT_ADJUSTMENT[typeText];
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
      typeof fields.description?.value === 'string'
        ? fields.description.value
        : threshold !== undefined
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
  if (Array.isArray(value)) {
    // TrailAlerts looks the title up as one key, so a list never matched there either.
    report('error', path, 'expected one rule title, got a list (write one entry per title)');
    return undefined;
  }
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

function isEntryType(v: unknown): v is EntryType {
  return v === 'threshold' || v === 'correlation';
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
