/**
 * The hunt window as the worker applies it: objects by the delivery minute in their key (with a
 * margin before since and after until), where a day folder's listing starts, and the event bounds
 * whose text order is the instant order for the times CloudTrail writes.
 */
import fc from 'fast-check';
import {
  EARLY_MARGIN_MS,
  eventWindow,
  keyDeliveryTime,
  keyWindow,
  LATE_MARGIN_MS,
  listStartAfter,
  mayHoldWindow,
} from '../../src/hunt/window';

const DAY = 'AWSLogs/o-testorg0001/444455556666/CloudTrail/eu-west-1/2026/08/02/';
const key = (stamp: string) => `${DAY}444455556666_CloudTrail_eu-west-1_${stamp}_Mu0KsOhtH1ar15ZZ.json.gz`;

describe('keyDeliveryTime', () => {
  it('reads the delivery minute of a CloudTrail log object name, and nothing else', () => {
    expect(keyDeliveryTime(key('20260802T0210Z'))).toBe(Date.parse('2026-08-02T02:10:00Z'));
    expect(keyDeliveryTime(`${DAY}a.json.gz`)).toBeUndefined();
    expect(keyDeliveryTime(key('20260230T0210Z'))).toBeUndefined();
    expect(keyDeliveryTime(key('20260802T2460Z'))).toBeUndefined();
  });
});

describe('mayHoldWindow', () => {
  const w = keyWindow('2026-08-02T10:00:00.000Z', '2026-08-02T10:30:00.000Z');

  it('reads objects delivered from the margin before since to the margin after until', () => {
    expect(w).toEqual({
      from: Date.parse('2026-08-02T10:00:00Z') - EARLY_MARGIN_MS,
      to: Date.parse('2026-08-02T10:30:00Z') + LATE_MARGIN_MS,
    });
    // Delivered in the minute 09:44, so written before 09:45: all before the margin.
    expect(mayHoldWindow(key('20260802T0945Z'), w)).toBe(true);
    expect(mayHoldWindow(key('20260802T0944Z'), w)).toBe(false);
    expect(mayHoldWindow(key('20260802T1130Z'), w)).toBe(true);
    expect(mayHoldWindow(key('20260802T1131Z'), w)).toBe(false);
  });

  it('reads an object whose name carries no time', () => {
    expect(mayHoldWindow(`${DAY}renamed.json.gz`, w)).toBe(true);
  });
});

describe('listStartAfter', () => {
  it('starts a day folder at the minute before the first that may hold the window', () => {
    const w = keyWindow('2026-08-02T10:00:30.000Z', '2026-08-02T11:00:00.000Z');
    const after = listStartAfter(DAY, w)!;
    expect(after).toBe(`${DAY}444455556666_CloudTrail_eu-west-1_20260802T0944`);
    expect(key('20260802T0944Z') > after).toBe(true);
    expect(key('20260802T0943Z') > after).toBe(false);
  });

  it('lists a whole folder of a later day, and none of an earlier one', () => {
    const w = keyWindow('2026-08-01T10:00:00.000Z', '2026-08-03T10:00:00.000Z');
    expect(key('20260802T0000Z') > listStartAfter(DAY, w)!).toBe(true);
    const later = keyWindow('2026-08-03T10:00:00.000Z', '2026-08-03T11:00:00.000Z');
    expect(key('20260802T2359Z') > listStartAfter(DAY, later)!).toBe(false);
    expect(listStartAfter('AWSLogs/o-testorg0001/444455556666/', w)).toBeUndefined();
  });
});

describe('eventWindow', () => {
  it('keeps the whole first and last second', () => {
    expect(eventWindow('2026-08-01T00:00:00.000Z', '2026-08-02T23:59:59.999Z')).toEqual({
      since: '2026-08-01T00:00:00.000Z',
      until: '2026-08-02T23:59:59Z',
    });
  });

  it('orders every whole-second eventTime as its instant', () => {
    const base = Date.parse('2026-08-01T00:00:00Z');
    const instant = fc.integer({ min: 0, max: 3 * 86_400_000 }).map((ms) => base + ms);
    fc.assert(
      fc.property(instant, instant, fc.integer({ min: 0, max: 3 * 86_400 }), (a, b, s) => {
        const [since, until] = [
          new Date(Math.min(a, b)).toISOString(),
          new Date(Math.max(a, b)).toISOString(),
        ];
        const t = base + s * 1000;
        const eventTime = `${new Date(t).toISOString().slice(0, 19)}Z`;
        const w = eventWindow(since, until);
        const byText = eventTime >= w.since! && eventTime <= w.until!;
        expect(byText).toBe(t >= Date.parse(since) && t <= Date.parse(until));
      }),
      { numRuns: 2000 },
    );
  });
});
