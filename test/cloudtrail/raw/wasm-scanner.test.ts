/**
 * The splitter's WebAssembly loop (wasm/scan-record.ts, used for ASCII chunks given with their
 * bytes) must give exactly what the JavaScript loop gives: the same records, texts, key tables,
 * headers and problems, whatever the chunking (strings, escapes and keys cut at every position,
 * SIMD blocks straddling chunk ends), on realistic, hand-written hostile and random input.
 */
import fc from 'fast-check';
import { RecordSplitter, type SplitItem } from '../../../src/cloudtrail/raw/splitter';
import { RecordView, splitterNotes } from '../../../src/cloudtrail/raw/view';
import { syntheticRecords } from '../../../scripts/synthetic-events';

/** Chunks the WebAssembly loop has been given, over all the splits of this suite. */
const stats = { wasmChunks: 0 };

/** Splits `bytes` in chunks of `size` bytes, giving the splitter each chunk's text and bytes. */
function splitBytes(bytes: Buffer, size: number, wasm: boolean): SplitItem[] {
  const splitter = new RecordSplitter({ maxRecordChars: 20_000, wasm, stats });
  const out: SplitItem[] = [];
  for (let i = 0; i < bytes.length; i += size) {
    const chunk = bytes.subarray(i, i + size);
    // latin1 keeps one character per byte; non-ASCII chunks are not scanned by WebAssembly.
    out.push(...splitter.push(chunk.toString('latin1'), chunk));
  }
  out.push(...splitter.end());
  return out;
}

/** The items with what the splitter noted, but not `clean`, which only the WebAssembly loop sets (checked by expectCleanIsTrue). */
function withoutClean(items: SplitItem[]): unknown[] {
  return items.map((item) => {
    if (!(item instanceof RecordView)) return item;
    const { keys, header } = splitterNotes(item);
    return { index: item.index, text: item.text, keys, header };
  });
}

const isClean = (item: SplitItem): boolean => item instanceof RecordView && splitterNotes(item).clean;

/** A record marked clean has no backslash and no control character other than whitespace outside strings. */
function expectCleanIsTrue(items: SplitItem[]): void {
  for (const item of items) {
    // A view that says its text is ASCII (detect copies such lines into its output unencoded) is.
    if (item instanceof RecordView && item.ascii) expect(item.text).toMatch(/^[\x00-\x7f]*$/); // eslint-disable-line no-control-regex
    if (!(item instanceof RecordView) || !isClean(item)) continue;
    expect(item.text).not.toContain('\\');
    // Control characters may only be JSON whitespace between tokens: none survive removing strings.
    const strings = item.text.match(/"[^"]*"/g) ?? [];
    for (const str of strings) expect(str).not.toMatch(/[\u0000-\u001f]/); // eslint-disable-line no-control-regex
  }
}

function expectSame(text: string, sizes: number[]): number {
  const bytes = Buffer.from(text, 'latin1');
  let clean = 0;
  for (const size of sizes) {
    const before = stats.wasmChunks;
    const wasm = splitBytes(bytes, size, true);
    if (/^[\x00-\x7f]*$/.test(text)) expect(stats.wasmChunks).toBeGreaterThan(before); // eslint-disable-line no-control-regex
    expect(withoutClean(wasm)).toEqual(withoutClean(splitBytes(bytes, size, false)));
    expectCleanIsTrue(wasm);
    clean += wasm.filter(isClean).length;
  }
  return clean;
}

const hostile = [
  '{"eventName":"ListUsers","eventSource":"iam.amazonaws.com","eventName":"CreateUser"}',
  '{"eventTime":"2026-11-20T10:00:00Z","eventType":"AwsApiCall","eventCategory":"Management","recipientAccountId":"111111111111"}',
  '{"eventName":"X","insightDetails":{"state":"Start"}}',
  '{"digestStartTime":"2026-11-20T10:00:00Z","eventName":"Y"}',
  '{ "eventName" : "Spaced" , "eventSource" : "s3.amazonaws.com" }',
  '{"eventNames":"not it","eventSource":{"nested":{"eventName":"inner"}}}',
  '{"a":"quote \\" inside","b":"backslash \\\\","c":"both \\\\\\" end","d":"\\\\\\\\"}',
  '{"a":"} ] { [ , : inside a string","eventName":"after"}',
  '{"a":"a long string without any escape that runs well past sixteen bytes, twice over","b":1}',
  '{"a":"\\u0022\\u005c\\n\\t\\"","event\\u004eame":"escaped key"}',
  '{"a":[1,{"b":[2,[3,{"c":"}"}]]}],"eventName":"N"}',
  '{{"broken":1},"eventName":"N"}',
  '{"a":1,[2],"eventName":"N"}',
  '{"a":"\\\\","b":"x\\\\\\\\","eventSource":"s"}',
  `{${Array.from({ length: 300 }, (_, i) => `"k${i}":${i}`).join(',')}}`,
  '{"eventName":"unicode é ü 日本","eventSource":"s"}',
  '{"a":"raw control \u0001 character","eventName":"N"}',
  '{"a":"raw tab \t inside","eventName":"N"}',
  '{"a":1,\n"eventName":"newline between tokens"}',
  // More keys than the WebAssembly output holds at once (2,048 entries): the scan resumes.
  `{${Array.from({ length: 5000 }, (_, i) => `"k${i}":"v"`).join(',')},"eventName":"after many keys"}`,
  '{"truncated":"',
];

describe('splitter: the WebAssembly loop equals the JavaScript loop', () => {
  // Around 16 and 64 bytes too: the module reads 64-byte blocks and 16-byte pieces of strings.
  const sizes = [1, 2, 3, 5, 7, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 127, 128, 129, 1000, 65536];

  it('on realistic records in a Records array, for many chunk sizes', () => {
    const records = syntheticRecords(150, { seed: 11 });
    const text = `{"Records":[${records.map((r) => JSON.stringify(r)).join(',')}]}`;
    expectSame(text, sizes);
    // In big chunks most records are seen whole by one scan, and most hold no escape.
    expect(expectSame(text, [65536])).toBeGreaterThan(100);
    const views = splitBytes(Buffer.from(text, 'latin1'), 65536, true).filter((v) => v instanceof RecordView);
    expect(views.filter((v) => v.ascii).length).toBeGreaterThan(100);
  });

  it('on hand-written hostile records, in a Records array and a top-level array', () => {
    const ascii = hostile.filter((h) => /^[\x00-\x7f]*$/.test(h) && !h.startsWith('{"truncated')); // eslint-disable-line no-control-regex
    expectSame(`{"Records":[${ascii.join(',')}]}`, sizes);
    expectSame(`[${ascii.join(',\n')}]`, sizes);
  });

  it('each hostile record alone, truncated files and non-ASCII text (the JavaScript loop runs for those chunks)', () => {
    for (const h of hostile) {
      expectSame(`{"Records":[${h}]}`, [1, 2, 3, 16, 17, 4096]);
      expectSame(`{"Records":[${h}`, [1, 7, 4096]);
    }
    expectSame(`{"Records":[${hostile.join(',')}]}`, [1, 7, 16, 4096]);
  });

  it('on random records with escapes, brackets and quotes in strings', () => {
    const text = fc.string({
      unit: fc.constantFrom('a', '"', '\\', '{', '}', '[', ']', ',', ':', ' ', 'Z'),
      maxLength: 40,
    });
    const value = fc.oneof(
      text,
      fc.integer(),
      fc.constant(null),
      fc.array(text, { maxLength: 3 }),
      fc.dictionary(text, text, { maxKeys: 3 }),
    );
    const record = fc.dictionary(
      fc.oneof(text, fc.constantFrom('eventName', 'eventSource', 'eventTime', 'recipientAccountId')),
      value,
      { maxKeys: 8 },
    );
    fc.assert(
      fc.property(fc.array(record, { maxLength: 6 }), fc.integer({ min: 1, max: 70 }), (records, size) => {
        const json = `{"Records":[${records.map((r) => JSON.stringify(r)).join(',')}]}`;
        const bytes = Buffer.from(json, 'latin1');
        const wasm = splitBytes(bytes, size, true);
        expect(withoutClean(wasm)).toEqual(withoutClean(splitBytes(bytes, size, false)));
        expectCleanIsTrue(wasm);
      }),
      { numRuns: 400 },
    );
  });

  it('on random long records cut in chunks of 60 to 400 bytes (64-byte blocks, strings and keys across them)', () => {
    // Raw control characters and tabs inside strings (not JSON, but the splitter must agree).
    const raw = (json: string): string => json.replace(/\\u0001/g, '\u0001').replace(/\\t/g, '\t');
    const text = fc.string({
      unit: fc.oneof(
        { weight: 12, arbitrary: fc.constantFrom('a', 'b', 'Z', '-', '.', '/', ' ') },
        { weight: 1, arbitrary: fc.constantFrom('"', '\\', '{', '}', '[', ']', ',', ':', '\u0001', '\t') },
      ),
      maxLength: 90,
    });
    const key = fc.oneof(
      text,
      fc.constantFrom(
        'eventName',
        'eventSource',
        'eventTime',
        'recipientAccountId',
        'userIdentity',
        'requestParameters',
      ),
      fc.string({ unit: fc.constantFrom('k', 'e', 'y'), minLength: 60, maxLength: 70 }),
    );
    const { value } = fc.letrec<{ value: unknown }>((tie) => ({
      value: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        text,
        fc.integer(),
        fc.constantFrom(null, true, false),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(key, tie('value'), { maxKeys: 5 }),
      ),
    }));
    const record = fc.dictionary(key, value, { maxKeys: 14 });
    fc.assert(
      fc.property(
        fc.array(record, { maxLength: 5 }),
        fc.constantFrom(0, 1, '\t'),
        fc.boolean(),
        fc.integer({ min: 60, max: 400 }),
        (records, space, topLevelArray, size) => {
          const elements = records.map((r) => raw(JSON.stringify(r, null, space)));
          const json = topLevelArray ? `[${elements.join(',')}]` : `{"Records":[${elements.join(',')}]}`;
          const bytes = Buffer.from(json, 'latin1');
          const wasm = splitBytes(bytes, size, true);
          expect(withoutClean(wasm)).toEqual(withoutClean(splitBytes(bytes, size, false)));
          expectCleanIsTrue(wasm);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('splitter: chunks the WebAssembly loop leaves to JavaScript', () => {
  it('scans a chunk over 8 MiB (a whole file given at once) in JavaScript, with the same records', () => {
    const record = JSON.stringify(syntheticRecords(1, { seed: 3 })[0]);
    const count = Math.ceil((9 * 1024 * 1024) / record.length);
    const bytes = Buffer.from(`{"Records":[${Array.from({ length: count }, () => record).join(',')}]}`);
    const before = stats.wasmChunks;
    const items = splitBytes(bytes, bytes.length, true);
    expect(stats.wasmChunks).toBe(before);
    expect(items.filter((i) => i instanceof RecordView)).toHaveLength(count);
    expect(
      items.every((i) => i instanceof RecordView && splitterNotes(i).keys !== undefined && !isClean(i)),
    ).toBe(true);
  });
});
