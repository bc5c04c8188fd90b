/**
 * The header offsets the splitter notes while scanning (RawRecord.header), the key numbers in its
 * key table and what readHeader finds from those numbers equal what the key texts say, for every
 * way the text can be cut into chunks, including duplicate keys (the last wins), digest/Insights
 * keys and keys that straddle chunks.
 */
import { RECORD_KEYS } from '../../lambdas/cloudtrail/record-keys';
import { readHeader } from '../../lambdas/cloudtrail/record-view';
import { RecordSplitter, type RawRecord } from '../../lambdas/cloudtrail/split';
import { syntheticRecords } from '../../scripts/synthetic-events';

/** The header written out by hand from the record's key names (independent of record-view's own classification). */
const NAMES = ['eventName', 'eventSource', 'eventTime', 'eventType', 'eventCategory', 'recipientAccountId'];
function expectedHeader(raw: RawRecord): number[] {
  const header = [-1, -1, -1, -1, -1, -1, 0];
  const table = raw.keys!;
  for (let t = 0; t < table.length; t += 5) {
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
  '{"userIdentity":{"type":"Root"},"userIdentitY":1,"sourceIPAddress":"1.2.3.4","tlsDetails":{},"x":[1]}',
  '{"sessionCredentialFromConsole":"true","vpcEndpointAccountId":"1","eventSourceX":"no","":"empty"}',
];

/** Each key's number, from its text (independent of the splitter's hash table). */
function expectedIds(raw: RawRecord): number[] {
  const ids: number[] = [];
  const table = raw.keys!;
  for (let t = 0; t < table.length; t += 5)
    ids.push(RECORD_KEYS.indexOf(raw.text.slice(table[t], table[t + 1]) as (typeof RECORD_KEYS)[number]));
  return ids;
}
const idsOf = (raw: RawRecord): number[] => raw.keys!.filter((_, i) => i % 5 === 4);

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
      let listed = 0;
      for (const text of texts) {
        for (const raw of split(text, size)) {
          if (!raw.keys) continue;
          // Key numbers are there even for keys cut by a chunk boundary (found at the record's end).
          expect(idsOf(raw)).toEqual(expectedIds(raw));
          listed += idsOf(raw).filter((id) => id >= 0).length;
          expect(readHeader(raw.keys)).toEqual(expectedHeader(raw));
          if (!raw.header) continue;
          noted++;
          expect(raw.header).toEqual(expectedHeader(raw));
        }
      }
      expect(listed).toBeGreaterThan(400 * 10);
      // Big chunks leave almost every record's keys whole, so the splitter notes their headers.
      if (size >= 4096) expect(noted).toBeGreaterThan(380);
    },
  );

  it('notes nothing for JSON lines (keys are read by the general scanner there)', () => {
    const raws = split(handWritten.join('\n'), 65536);
    expect(raws).toHaveLength(handWritten.length);
    expect(raws.every((r) => r.header === undefined)).toBe(true);
    for (const raw of raws) {
      expect(idsOf(raw)).toEqual(expectedIds(raw));
      expect(readHeader(raw.keys!)).toEqual(expectedHeader(raw));
    }
  });

  it('lists every key of RECORD_KEYS once, the header keys first in slot order', () => {
    expect(new Set(RECORD_KEYS).size).toBe(RECORD_KEYS.length);
    expect(RECORD_KEYS.slice(0, 8)).toEqual([...NAMES, 'digestStartTime', 'insightDetails']);
    // Every listed key comes back with its number from both loops (WebAssembly for ASCII bytes).
    const text = `[{${RECORD_KEYS.map((k, i) => `"${k}":${i}`).join(',')}}]`;
    const splitter = new RecordSplitter();
    const [item] = splitter.push(text, Buffer.from(text));
    expect(item.kind === 'record' && idsOf(item)).toEqual(RECORD_KEYS.map((_, i) => i));
    const [jsItem] = new RecordSplitter().push(text);
    expect(jsItem.kind === 'record' && idsOf(jsItem)).toEqual(RECORD_KEYS.map((_, i) => i));
  });
});
