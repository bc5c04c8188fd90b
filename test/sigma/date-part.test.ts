/**
 * datePart reads the hour and minute of CloudTrail's timestamp form from its digits; every
 * answer must equal the general path (ISO pattern, Date.parse, UTC getters), kept here as the
 * reference, on valid, rolled-over and malformed timestamps.
 */
import fc from 'fast-check';
import { datePart } from '../../src/sigma/detection-item';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?(Z|z|[+-]\d{2}:?\d{2})?$/;

function reference(text: string, part: 'hour' | 'minute'): number | undefined {
  if (text.length > 40) return undefined;
  const m = ISO_DATE.exec(text);
  if (!m) return undefined;
  const ms = Date.parse(m[1] || text.length === 10 ? text.replace(' ', 'T') : `${text.replace(' ', 'T')}Z`);
  if (Number.isNaN(ms)) return undefined;
  const d = new Date(ms);
  return part === 'hour' ? d.getUTCHours() : d.getUTCMinutes();
}

describe('datePart: hour and minute of CloudTrail timestamps', () => {
  it.each([
    '2026-11-20T10:07:00Z',
    '2026-11-20T23:59:59Z',
    '2026-02-31T05:06:07Z',
    '2026-04-31T00:00:00Z',
    '0000-01-01T01:02:03Z',
    '2026-11-20T10:07:00.123Z',
    '2026-11-20T10:07:00.123456789Z',
    '2026-11-20T10:07:00.1234567890Z',
    '2026-11-20T10:07:00.Z',
    '2026-11-20T24:00:00Z',
    '2026-11-20T10:60:00Z',
    '2026-11-20T10:07:60Z',
    '2026-13-20T10:07:00Z',
    '2026-00-20T10:07:00Z',
    '2026-11-00T10:07:00Z',
    '2026-11-32T10:07:00Z',
    '2026-11-20 10:07:00Z',
    '2026-11-20T10:07:00z',
    '2026-11-20T10:07:00+02:00',
    '2026-11-20T10:07',
    '2026-11-20',
    '２０２６-11-20T10:07:00Z',
    '2026-11-20T1a:07:00Z',
  ])('%s', (text) => {
    expect(datePart(text, 'hour')).toBe(reference(text, 'hour'));
    expect(datePart(text, 'minute')).toBe(reference(text, 'minute'));
  });

  it('equals the general path on random timestamps', () => {
    const two = fc.integer({ min: 0, max: 99 }).map((n) => String(n).padStart(2, '0'));
    const text = fc
      .tuple(
        fc.integer({ min: 0, max: 9999 }).map((n) => String(n).padStart(4, '0')),
        two,
        two,
        fc.constantFrom('T', ' ', 't', 'X'),
        two,
        two,
        two,
        fc.oneof(
          fc.constant(''),
          fc.string({ unit: fc.constantFrom('0', '5', '9', 'x'), maxLength: 11 }).map((d) => `.${d}`),
        ),
        fc.constantFrom('Z', 'z', '', '+01:00', '-0530', 'ZZ'),
      )
      .map(([y, mo, d, sep, h, mi, s, frac, zone]) => `${y}-${mo}-${d}${sep}${h}:${mi}:${s}${frac}${zone}`);
    fc.assert(
      fc.property(text, (t) => {
        expect(datePart(t, 'hour')).toBe(reference(t, 'hour'));
        expect(datePart(t, 'minute')).toBe(reference(t, 'minute'));
      }),
      { numRuns: 20_000 },
    );
  });
});
