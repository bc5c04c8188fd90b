/**
 * The header offsets the splitter notes while scanning (RawRecord.header) equal what readHeader
 * finds by comparing key texts, for every way the text can be cut into chunks, including
 * duplicate keys (the last wins), digest/Insights keys and keys that straddle chunks.
 */
import { readHeader } from '../../lambdas/cloudtrail/record-view';
import { RecordSplitter, type RawRecord } from '../../lambdas/cloudtrail/split';
import { syntheticRecords } from '../../scripts/synthetic-events';

/** The header written out by hand from the record's key names (independent of record-view's own classification). */
const NAMES = ['eventName', 'eventSource', 'eventTime', 'eventType', 'eventCategory', 'recipientAccountId'];
function expectedHeader(raw: RawRecord): number[] {
  const header = [-1, -1, -1, -1, -1, -1, 0];
  const table = raw.keys!;
  for (let t = 0; t < table.length; t += 4) {
    const name = raw.text.slice(table[t], table[t + 1]);
    if (NAMES.includes(name)) header[NAMES.indexOf(name)] = t;
    if (name === 'digestStartTime' || name === 'insightDetails') header[6] = 1;
  }
  return header;
}

function split(text: string, size: number): RawRecord[] {
  const splitter = new RecordSplitter();
  const out: RawRecord[] = [];
  for (let i = 0; i < text.length; i += size)
    for (const item of splitter.push(text.slice(i, i + size))) if (item.kind === 'record') out.push(item);
  for (const item of splitter.end()) if (item.kind === 'record') out.push(item);
  return out;
}

const handWritten = [
  '{"eventName":"ListUsers","eventSource":"iam.amazonaws.com","eventName":"CreateUser"}',
  '{"eventTime":"2026-11-20T10:00:00Z","eventType":"AwsApiCall","eventCategory":"Management","recipientAccountId":"111111111111"}',
  '{"eventName":"X","insightDetails":{"state":"Start"}}',
  '{"digestStartTime":"2026-11-20T10:00:00Z","eventName":"Y"}',
  '{ "eventName" : "Spaced" , "eventSource" : "s3.amazonaws.com" }',
  '{"eventNames":"not it","eventname":"nor this","eventSource":{"nested":{"eventName":"inner"}}}',
  '{"recipientAccountId":"222222222222","recipientAccountId":"333333333333"}',
];

describe('splitter header offsets', () => {
  const records = syntheticRecords(400, { seed: 7 });
  const texts = [
    `{"Records":[${records.map((r) => JSON.stringify(r)).join(',')},${handWritten.join(',')}]}`,
    `[${handWritten.join(',\n')}]`,
  ];
  it.each([1, 7, 13, 100, 4096, 65536])(
    'equal the header read from key names for chunks of %i characters',
    (size) => {
      let noted = 0;
      for (const text of texts) {
        for (const raw of split(text, size)) {
          if (!raw.keys || !raw.header) continue;
          noted++;
          expect(raw.header).toEqual(expectedHeader(raw));
          expect(readHeader(raw.text, raw.keys)).toEqual(expectedHeader(raw));
        }
      }
      // Big chunks leave almost every record's keys whole, so the splitter notes their headers.
      if (size >= 4096) expect(noted).toBeGreaterThan(380);
    },
  );

  it('notes nothing for JSON lines (keys are read by the general scanner there)', () => {
    const raws = split(handWritten.join('\n'), 65536);
    expect(raws).toHaveLength(handWritten.length);
    expect(raws.every((r) => r.header === undefined)).toBe(true);
  });
});
