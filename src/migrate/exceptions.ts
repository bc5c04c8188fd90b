/**
 * TrailAlerts' exceptions.json as an `exceptions:` block for accounts.yaml. The entries are the
 * ones the loader imports from the JSON (org/exceptions.ts): one per non-empty list, since
 * each list excludes on its own there. accounts.yaml asks every exception for a reason, which
 * the JSON never had: each gets `reason: TODO`, and `validate` accepts it until someone writes one.
 */
import { stringify } from 'yaml';
import { loadTrailAlertsExceptions, compileActorPattern, compileIpRange, type ExceptionConfig } from '../org';
import { trimDotStars } from '../regex';
import type { Change } from './model';
import { isProblem } from '../core';

export interface MigratedExceptions {
  /** The YAML block (with a comment saying where to put it); empty when there is nothing. */
  text: string;
  count: number;
  changes: Change[];
}

const KEYS: Record<string, keyof ExceptionConfig> = {
  excludedActors: 'actors',
  excludedSourceIPs: 'sourceIPs',
  excludedActorsRegex: 'actorPatterns',
};

export function migrateExceptions(json: string, file: string): MigratedExceptions {
  const loaded = loadTrailAlertsExceptions(json, file);
  const changes: Change[] = [];
  /** The line of `key` in the entry of `title` (of the title when no key is given). */
  const lineOf = (title: string, key?: string) => {
    const entry = json.indexOf(JSON.stringify(title));
    if (entry < 0) return undefined;
    const at = key === undefined ? -1 : json.indexOf(JSON.stringify(key), entry);
    return json.slice(0, at < 0 ? entry : at).split('\n').length;
  };
  for (const d of loaded.diagnostics) {
    const parts = d.path?.split('.') ?? [];
    const title = parts.slice(0, -1).join('.');
    const line = d.line ?? (parts.length > 1 ? lineOf(title, parts[parts.length - 1]) : undefined);
    if (d.severity === 'error')
      changes.push({
        kind: 'untranslated',
        file,
        line,
        message: `${d.path ? `${d.path}: ` : ''}${d.message} (left out: it never applied)`,
      });
    else if (d.severity === 'warning')
      changes.push({
        kind: 'note',
        file,
        line,
        message: `${d.path ? `${d.path}: ` : ''}${d.message}`,
      });
  }
  const entries: Record<string, unknown>[] = [];
  for (const config of loaded.configs) {
    const title = String(config.rule);
    const [from, to] = Object.entries(KEYS).find(([, key]) => config[key] !== undefined)!;
    const line = lineOf(title, from);
    let values = config[to] as string[];
    // A value the loader refuses (reported above) never applied there: it is left out.
    if (to === 'sourceIPs') values = values.filter((ip) => !('problem' in compileIpRange(ip)));
    if (to === 'actorPatterns') {
      values = values.filter((pattern) => !isProblem(compileActorPattern(pattern)));
      values = values.map((pattern) => {
        const simplified = trimDotStars(pattern);
        if (simplified.changed)
          changes.push({
            kind: 'changed',
            file,
            line,
            message: `${JSON.stringify(title)}.${from}: ${pattern} → ${simplified.source} (a leading or trailing .* adds nothing: the pattern is searched anywhere in the actor)`,
          });
        return simplified.source;
      });
    }
    if (values.length === 0) continue;
    entries.push({ rule: title, [to]: values, reason: 'TODO' });
    changes.push({
      kind: 'changed',
      file,
      line,
      message: `${JSON.stringify(title)}.${from} → an accounts.yaml exception with ${to} (reason: TODO, to be written)`,
    });
  }
  if (entries.length === 0) return { text: '', count: 0, changes };
  const header = [
    '# Exceptions migrated from TrailAlerts exceptions.json by `trailalerts migrate`.',
    '# Put these entries under `exceptions:` in accounts.yaml (org-wide, as TrailAlerts applied them),',
    '# or under an OU or an account to narrow them, and replace each `reason: TODO` with why.',
  ].join('\n');
  return {
    text: `${header}\n${stringify({ exceptions: entries }, { lineWidth: 0 })}`,
    count: entries.length,
    changes,
  };
}
