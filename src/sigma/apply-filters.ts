/**
 * Applies Sigma filter documents to compiled rules: a filtered rule matches when
 * `(rule condition) and (filter condition)` holds for every filter that names it.
 */
import { appliesTo } from './explain';
import type { CompiledRule, FilterRuleModel } from './model';

export function applyFilters(rules: CompiledRule[], filters: FilterRuleModel[]): CompiledRule[] {
  if (filters.length === 0) return rules;
  return rules.map((rule) => {
    const applied = filters.filter((f) => appliesTo(f, rule));
    if (applied.length === 0) return rule;
    // The spread keeps the rule's identity gate: a filter only narrows its matches.
    return {
      ...rule,
      match: (record, plain, memo) => {
        if (!rule.match(record, plain, memo)) return false;
        for (const f of applied) if (!f.keep(record, plain, memo)) return false;
        return true;
      },
      // Partial parsing must give the filters their fields too.
      reads: {
        paths: [...rule.reads.paths, ...applied.flatMap((f) => f.reads.paths)],
        whole: rule.reads.whole || applied.some((f) => f.reads.whole),
      },
      explain: (record) => {
        const explanation = rule.explain(record);
        const results = applied.map((f) => ({ title: f.meta.title, matched: f.keep(record) }));
        return {
          ...explanation,
          filters: results,
          matched: explanation.matched && results.every((r) => r.matched),
        };
      },
    };
  });
}
