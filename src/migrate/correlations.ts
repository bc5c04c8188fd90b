/**
 * TrailAlerts post-processing JSON as Sigma correlation rules. Each entry is read by the loader's
 * own code (alerts/postprocessing.ts, the same reading `scan` gives the JSON), and the correlation
 * it yields is written out as a Sigma document: same title, level, rules, window and grouping.
 */
import { stringify } from 'yaml';
import { parsePostProcessing } from '../alerts';
import { derivedRuleId, type CorrelationRuleModel, type RuleMeta } from '../sigma';
import type { Change } from './model';

export interface MigratedCorrelations {
  /** One YAML document per entry, `---` between them; empty when no entry converted. */
  text: string;
  count: number;
  changes: Change[];
}

/** `rules` are the migrated rules' metadata (their ids are the ones the correlations name). */
export function migratePostProcessing(json: string, file: string, rules: RuleMeta[]): MigratedCorrelations {
  const parsed = parsePostProcessing(json, file, rules);
  const changes: Change[] = parsed.diagnostics.map((d) => ({
    kind: d.severity === 'error' ? 'untranslated' : 'note',
    file,
    line: d.line,
    message: `${d.path ? `${d.path}: ` : ''}${d.message}${d.severity === 'error' ? ' (entry not converted)' : ''}`,
  }));
  const documents = parsed.correlations.map((model) => {
    changes.push({
      kind: 'changed',
      file,
      line: model.meta.line,
      message: `${model.type === 'event_count' ? 'threshold' : 'correlation'} entry → Sigma ${model.type} correlation "${model.meta.title}"`,
    });
    return correlationYaml(model, derivedRuleId(`${file}:${model.meta.line}`, model.meta.title), file);
  });
  return { text: documents.join('---\n'), count: documents.length, changes };
}

function correlationYaml(model: CorrelationRuleModel, id: string, file: string): string {
  const { meta } = model;
  const document = {
    title: meta.title,
    id,
    status: 'experimental',
    description: meta.description,
    author: `trailalerts migrate, from ${file}`,
    ...(meta.tags.length ? { tags: meta.tags } : {}),
    ...(meta.references.length ? { references: meta.references } : {}),
    correlation: {
      type: model.type,
      rules: model.rules,
      'group-by': model.groupBy,
      timespan: model.timespan,
      ...(model.condition ? { condition: model.condition } : {}),
      generate: model.generate,
    },
    ...(meta.falsepositives.length ? { falsepositives: meta.falsepositives } : {}),
    level: meta.level,
  };
  return stringify(document, { lineWidth: 0 });
}
