/**
 * The shipped Sigma correlations (rules/correlations) through the real loader, detection engine
 * and this correlation engine: every `should_match` sequence of their `_tests.json` raises the
 * top-level correlation, every `should_not_match` sequence does not.
 */
import { readFileSync } from 'node:fs';
import { loadRules } from '../../../src/sigma/load';
import { CorrelationEngine } from '../../../src/alerts/correlate/engine';
import { MemoryStateStore } from '../../../src/alerts/state/memory-store';
import type { CloudTrailRecord } from '../../../src/core';

const bundle = loadRules(['rules/correlations']);
const referenced = new Set(bundle.correlations.flatMap((c) => c.rules));
const topLevel = bundle.correlations.filter(
  (c) => !referenced.has(c.meta.id) && !referenced.has(c.meta.name ?? ''),
);
const cases = topLevel.flatMap((c) => {
  const tests = JSON.parse(readFileSync(c.meta.file.replace(/\.ya?ml$/, '_tests.json'), 'utf8')) as Record<
    'should_match' | 'should_not_match',
    CloudTrailRecord[][]
  >;
  return (['should_match', 'should_not_match'] as const).flatMap((kind) =>
    tests[kind].map((sequence, index) => ({ c, kind, index, sequence })),
  );
});

describe('shipped correlations', () => {
  it('load without errors', () => {
    expect(bundle.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(topLevel.length).toBeGreaterThanOrEqual(5);
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });

  it.each(cases.map((x) => [`${x.c.meta.title} ${x.kind}[${x.index}]`, x] as const))(
    '%s',
    async (_name, x) => {
      const engine = new CorrelationEngine(bundle.correlations, new MemoryStateStore());
      expect(engine.diagnostics).toEqual([]);
      const fired: string[] = [];
      for (const record of x.sequence) {
        for (const rule of bundle.rules) {
          if (!rule.match(record)) continue;
          const hits = await engine.observe({
            rule: rule.meta,
            record,
            accountId: String(record.recipientAccountId),
          });
          fired.push(...hits.map((h) => h.correlation.meta.id));
        }
      }
      expect(fired.includes(x.c.meta.id)).toBe(x.kind === 'should_match');
    },
  );
});
