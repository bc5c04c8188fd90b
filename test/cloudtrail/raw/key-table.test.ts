/**
 * Key tables and headers (src/cloudtrail/raw/key-table.ts): the tables the splitter notes
 * while it scans equal scanObjectKeys on the same text whatever the chunking, and say where each
 * key and value is; keysHaveEscapes finds keys written with escapes. The header offsets and key
 * numbers the splitter notes equal what the key texts say, for every way the text can be cut
 * into chunks, including duplicate keys (the last wins), digest/Insights keys and keys that
 * straddle chunks.
 */
import {
  keysHaveEscapes,
  readHeader,
  scanObjectKeys,
  type KeyTable,
} from '../../../src/cloudtrail/raw/key-table';
import { RECORD_KEYS } from '../../../src/cloudtrail/raw/record-keys';
import { RecordSplitter } from '../../../src/cloudtrail/raw/splitter';
import { RecordView, splitterNotes } from '../../../src/cloudtrail/raw/view';
import { makeRng, syntheticRecords } from '../../../scripts/synthetic-events';
import { canon, NASTY, splitText, writeJson } from './helpers';

/** Every record's key table, checked against scanObjectKeys and, independently, against the object. */
function checkTables(text: string, objects: Record<string, unknown>[], chunk: number): void {
  const records = splitText(text, chunk);
  expect(records).toHaveLength(objects.length);
  records.forEach((record, i) => {
    const object = objects[i];
    const table = splitterNotes(record).keys!;
    expect(table).toBeDefined();
    expect(table).toEqual(scanObjectKeys(record.text, 0));
    const keys: string[] = [];
    for (let t = 0; t < table.length; t += 5) {
      keys.push(JSON.parse(`"${record.text.slice(table[t], table[t + 1])}"`) as string);
      const value = JSON.parse(record.text.slice(table[t + 2], table[t + 3])) as unknown;
      expect(canon(value)).toBe(canon(object[keys[keys.length - 1]]));
    }
    expect(keys).toEqual(Object.keys(object));
  });
}

describe('key tables from the splitter', () => {
  const synthetic = syntheticRecords(120, { seed: 31 });
  const objects = [...synthetic.slice(0, 60), ...NASTY, ...synthetic.slice(60)];
  const shapes: Array<[string, string]> = [
    ['log object', JSON.stringify({ Records: objects })],
    ['log object, pretty-printed', JSON.stringify({ Records: objects }, null, 2)],
    ['array of records', JSON.stringify(objects)],
    ['array of records, pretty-printed', JSON.stringify(objects, null, 2)],
    [
      'log object with keys around Records',
      `{"meta":{"Records":[{"x":1}]},"Records":${JSON.stringify(objects, null, 1)},"tail":[{"a":{}}]}`,
    ],
    ['JSON lines', objects.map((o) => JSON.stringify(o)).join('\n')],
    ['JSON lines, pretty-printed', objects.map((o) => JSON.stringify(o, null, 2)).join('\r\n')],
  ];

  for (const chunk of [1, 7, 100, 64 * 1024]) {
    it.each(shapes)(`equal scanObjectKeys for %s in chunks of ${chunk}`, (_, text) => {
      checkTables(text, objects, chunk);
    });
  }

  it('equal scanObjectKeys with whitespace everywhere and chunk sizes that vary', () => {
    const rng = makeRng(5);
    const texts = objects.map((o) => writeJson(o, rng, { space: 0.5 }).text);
    const text = ` \n[ ${texts.join(' ,\n\t')} ]\r\n`;
    for (const chunk of [1, 2, 3, 5, 13, 4096]) checkTables(text, objects, chunk);
  });

  it('are left out (not truncated) for records with more than 256 top-level keys', () => {
    const wide = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));
    const [at256, at257] = splitText(JSON.stringify([wide(256), wide(257)]), 50);
    expect(splitterNotes(at256).keys).toEqual(scanObjectKeys(at256.text, 0));
    expect(splitterNotes(at256).keys).toHaveLength(256 * 5);
    expect(splitterNotes(at257).keys).toBeUndefined();
    // Tables past the splitter's first buffer, checked key by key against the objects.
    const wider = [wide(40), wide(200), wide(3)];
    for (const chunk of [50, 64 * 1024]) checkTables(JSON.stringify({ Records: wider }), wider, chunk);
    expect(scanObjectKeys(at257.text, 0)).toHaveLength(257 * 5);
  });
});

describe('keysHaveEscapes', () => {
  const has = (text: string) => keysHaveEscapes(text, scanObjectKeys(text, 0)!);

  it('is false when backslashes sit only in values, before or after the keys', () => {
    expect(has('{}')).toBe(false);
    expect(has('{"a":1,"b":2}')).toBe(false);
    expect(has('{"a":"x\\\\y","b":"\\"","c":1}')).toBe(false);
    expect(has('{"a":1,"b":2,"c":"\\n\\t\\\\"}')).toBe(false);
    expect(has('{"a":"\\\\","b":"\\\\","c":"\\\\"}')).toBe(false);
    expect(has('{"a":{"n\\u0065sted":"\\\\"},"b":["\\\\"]}')).toBe(false);
    expect(has('{"":"\\\\","":1}')).toBe(false);
  });

  it('is true when any top-level key holds a backslash, wherever it is', () => {
    expect(has('{"\\u0061":1}')).toBe(true);
    expect(has('{"a":"\\\\","b\\"":1,"c":"\\\\"}')).toBe(true);
    expect(has('{"a":"\\\\","b":"\\\\","c\\\\":"\\\\"}')).toBe(true);
    expect(has('{"x\\\\":1,"b":2}')).toBe(true);
    expect(has('{"a":{"k":"\\\\"},"b":[1],"event\\u004eame":"X"}')).toBe(true);
  });

  it('is false for an empty table', () => {
    const table: KeyTable = [];
    expect(keysHaveEscapes('{"a\\\\":1}', table)).toBe(false);
  });
});

/** The header written out by hand from the record's key names (independent of record-view's own classification). */
const NAMES = ['eventName', 'eventSource', 'eventTime', 'eventType', 'eventCategory', 'recipientAccountId'];
function expectedHeader(raw: RecordView): number[] {
  const header = [-1, -1, -1, -1, -1, -1, 0];
  const table = splitterNotes(raw).keys!;
  for (let t = 0; t < table.length; t += 5) {
    const name = raw.text.slice(table[t], table[t + 1]);
    if (NAMES.includes(name)) header[NAMES.indexOf(name)] = t;
    if (name === 'digestStartTime' || name === 'insightDetails') header[6] = 1;
  }
  return header;
}

function split(text: string, size: number): RecordView[] {
  const splitter = new RecordSplitter();
  const out: RecordView[] = [];
  for (let i = 0; i < text.length; i += size)
    for (const item of splitter.push(text.slice(i, i + size))) if (item instanceof RecordView) out.push(item);
  for (const item of splitter.end()) if (item instanceof RecordView) out.push(item);
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
function expectedIds(raw: RecordView): number[] {
  const ids: number[] = [];
  const table = splitterNotes(raw).keys!;
  for (let t = 0; t < table.length; t += 5)
    ids.push(RECORD_KEYS.indexOf(raw.text.slice(table[t], table[t + 1]) as (typeof RECORD_KEYS)[number]));
  return ids;
}
const idsOf = (raw: RecordView): number[] => splitterNotes(raw).keys!.filter((_, i) => i % 5 === 4);

describe('headers the splitter notes', () => {
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
          const { keys, header } = splitterNotes(raw);
          if (!keys) continue;
          // Key numbers are there even for keys cut by a chunk boundary (found at the record's end).
          expect(idsOf(raw)).toEqual(expectedIds(raw));
          listed += idsOf(raw).filter((id) => id >= 0).length;
          expect(readHeader(keys)).toEqual(expectedHeader(raw));
          if (!header) continue;
          noted++;
          expect(header).toEqual(expectedHeader(raw));
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
    expect(raws.every((r) => splitterNotes(r).header === undefined)).toBe(true);
    for (const raw of raws) {
      expect(idsOf(raw)).toEqual(expectedIds(raw));
      expect(readHeader(splitterNotes(raw).keys!)).toEqual(expectedHeader(raw));
    }
  });

  it('lists every key of RECORD_KEYS once, the header keys first in slot order', () => {
    expect(new Set(RECORD_KEYS).size).toBe(RECORD_KEYS.length);
    expect(RECORD_KEYS.slice(0, 8)).toEqual([...NAMES, 'digestStartTime', 'insightDetails']);
    // Every listed key comes back with its number from both loops (WebAssembly for ASCII bytes).
    const text = `[{${RECORD_KEYS.map((k, i) => `"${k}":${i}`).join(',')}}]`;
    const splitter = new RecordSplitter();
    const [item] = splitter.push(text, Buffer.from(text));
    expect(item instanceof RecordView && idsOf(item)).toEqual(RECORD_KEYS.map((_, i) => i));
    const [jsItem] = new RecordSplitter().push(text);
    expect(jsItem instanceof RecordView && idsOf(jsItem)).toEqual(RECORD_KEYS.map((_, i) => i));
  });
});
