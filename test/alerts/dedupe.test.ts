/** Dedupe: alert ids (the lease that dedupes them: delivery-lease.test.ts). */
import { eventAlertId } from '../../src/alerts/dedupe';

describe('eventAlertId', () => {
  it('is a stable truncated sha256 hex of rule id and event id', () => {
    const id = eventAlertId('rule-1', 'event-1');
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(eventAlertId('rule-1', 'event-1')).toBe(id);
    expect(eventAlertId('rule-2', 'event-1')).not.toBe(id);
    expect(eventAlertId('rule-1', 'event-2')).not.toBe(id);
  });

  it('does not confuse a shifted boundary between rule id and event id', () => {
    expect(eventAlertId('ab', 'c')).not.toBe(eventAlertId('a', 'bc'));
  });
});
