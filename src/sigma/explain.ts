/**
 * Explains why a rule did or did not match a record, as data (RuleExplanation) and as text
 * for people: every selection, every field with the event's actual value, and the condition.
 */
import type { CloudTrailRecord } from '../core';
import type { CompiledRule, FilterRuleModel, ItemExplanation, RuleExplanation } from './model';

export function explainRule(
  rule: CompiledRule,
  record: CloudTrailRecord,
  filters: FilterRuleModel[] = [],
): RuleExplanation {
  const explanation = rule.explain(record);
  const applied = filters.filter((f) => appliesTo(f, rule));
  if (applied.length === 0) return explanation;
  const results = applied.map((f) => ({ title: f.meta.title, matched: f.keep(record) }));
  return {
    ...explanation,
    filters: results,
    matched: explanation.matched && results.every((r) => r.matched),
  };
}

/** Whether a filter document names the rule (by id, name or title); an empty list applies to all. */
export function appliesTo(filter: FilterRuleModel, rule: CompiledRule): boolean {
  if (filter.rules.length === 0) return true;
  const m = rule.meta;
  return filter.rules.some((r) => r === m.id || r === m.name || r === m.title);
}

/** Event text is attacker-controlled: no control characters or terminal escapes in output. */
function safe(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, '?');
}

function describeItem(item: ItemExplanation): string {
  const key = `${item.field ?? '(keywords)'}${item.modifiers.map((m) => `|${m}`).join('')}`;
  const values = item.values.length === 1 ? item.values[0] : `[${item.values.join(', ')}]`;
  const actual = item.field === undefined ? '' : ` (event: ${safe(item.actual ?? '(absent)')})`;
  return `${item.matched ? 'matched    ' : 'not matched'} ${key}: ${values}${actual}`;
}

/** Short reasons why a non-matching rule failed: the selections and items that did not match. */
export function mismatchReasons(explanation: RuleExplanation): string[] {
  const reasons: string[] = [];
  for (const s of explanation.selections) {
    const failed = s.alternatives.flatMap((items) => items.filter((i) => !i.matched));
    if (!s.matched)
      reasons.push(
        `selection ${s.name} did not match: ${failed
          .map(describeItem)
          .map((t) => t.replace(/^not matched /, ''))
          .join('; ')}`,
      );
    else reasons.push(`selection ${s.name} matched`);
  }
  for (const f of explanation.filters ?? []) if (!f.matched) reasons.push(`filter '${f.title}' excluded it`);
  return reasons;
}

export function formatExplanation(explanation: RuleExplanation): string {
  const lines = [
    `rule: ${explanation.rule.title} (${explanation.rule.id}) ${explanation.rule.file}:${explanation.rule.line}`,
  ];
  for (const s of explanation.selections) {
    lines.push(`  selection ${s.name}: ${s.matched ? 'matched' : 'not matched'}`);
    s.alternatives.forEach((items, i) => {
      if (s.alternatives.length > 1) lines.push(`    alternative ${i + 1}:`);
      for (const item of items)
        lines.push(`${s.alternatives.length > 1 ? '      ' : '    '}${describeItem(item)}`);
    });
  }
  for (const f of explanation.filters ?? [])
    lines.push(`  filter ${f.title}: ${f.matched ? 'keeps the match' : 'excludes the match'}`);
  lines.push(
    `  condition: ${explanation.condition.join(' | or | ')} => ${explanation.matched ? 'MATCH' : 'no match'}`,
  );
  return lines.join('\n');
}
