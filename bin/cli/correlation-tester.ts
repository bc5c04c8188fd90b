/**
 * Plugs the correlation engine (src/alerts/correlate) into `trailalerts test`: a sequence
 * test case fires when replaying its records, in order, through the rules and a fresh engine
 * with in-memory state makes the correlation under test produce a hit.
 */
import { MemoryStateStore } from '../../src/alerts/state';
import { CorrelationEngine } from '../../src/alerts/correlate';
import { RuleIndex, type SequenceTester } from '../../src/sigma';

export const correlationSequenceTester: SequenceTester = async (correlation, bundle, sequence) => {
  const engine = new CorrelationEngine(bundle.correlations, new MemoryStateStore());
  const index = new RuleIndex(bundle.rules);
  let fired = false;
  for (const record of sequence) {
    for (const rule of index.match(record)) {
      const accountId = typeof record.recipientAccountId === 'string' ? record.recipientAccountId : 'unknown';
      const hits = await engine.observe({ rule: rule.meta, record, accountId });
      if (hits.some((h) => h.correlation.meta.id === correlation.meta.id)) fired = true;
    }
  }
  return fired;
};
