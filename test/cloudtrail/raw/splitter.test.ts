/** The incremental record splitter: strings, escapes, unicode, chunking, truncation, limits. */
import fc from 'fast-check';
import { Readable } from 'node:stream';
import { RecordSource } from '../../../src/cloudtrail/raw';
import { RecordSplitter, type SplitItem, type SplitProblem } from '../../../src/cloudtrail/raw/splitter';
import { RecordView } from '../../../src/cloudtrail/raw/view';
import type { Diagnostic } from '../../../src/core';

/** Runs the splitter over `text` cut into the given chunk sizes (cycled). */
function split(text: string, chunkSizes: number[] = [text.length || 1], max?: number): SplitItem[] {
  const s = new RecordSplitter(max === undefined ? {} : { maxRecordChars: max });
  const items: SplitItem[] = [];
  let at = 0;
  let c = 0;
  while (at < text.length) {
    const size = Math.max(1, chunkSizes[c++ % chunkSizes.length]);
    items.push(...s.push(text.slice(at, at + size)));
    at += size;
  }
  items.push(...s.end());
  return items;
}

const records = (items: SplitItem[]) => items.filter((i): i is RecordView => i instanceof RecordView);
const problems = (items: SplitItem[]) => items.filter((i): i is SplitProblem => !(i instanceof RecordView));

const nasty = [
  { eventName: 'A', s: 'brackets ] } [ { in a string', q: 'quote " and \\" and \\\\' },
  { eventName: 'B', s: 'ends with backslash \\', t: '\\', u: '"' },
  {
    eventName: 'C',
    emoji: 'émoji 😀 and 中文 and \u2028\u2029',
    esc: '\u0000\u001f\t\n\r',
    nested: [[[{ a: ']]]' }]]],
  },
  { eventName: 'D', empty: {}, arr: [], nul: null, num: -1.5e3, bool: true },
];

describe('RecordSplitter', () => {
  it('splits a {"Records":[…]} log object into exactly the records, with nasty strings', () => {
    const text = JSON.stringify({ Records: nasty });
    const out = records(split(text));
    expect(out.map((r) => JSON.parse(r.text))).toEqual(nasty);
    expect(out.map((r) => r.index)).toEqual([0, 1, 2, 3]);
    expect(problems(split(text))).toEqual([]);
  });

  it('gives the same records whatever the chunking (1 char, 2, 3, 7, uneven)', () => {
    const text = JSON.stringify({ Records: nasty }, null, 2);
    for (const sizes of [[1], [2], [3], [7], [1, 5, 2, 13]]) {
      expect(records(split(text, sizes)).map((r) => JSON.parse(r.text))).toEqual(nasty);
    }
  });

  it('accepts a top-level array and JSON lines (blank lines, CRLF, BOM)', () => {
    expect(records(split(JSON.stringify(nasty))).map((r) => JSON.parse(r.text))).toEqual(nasty);
    const lines = '\uFEFF' + nasty.map((r) => JSON.stringify(r)).join('\r\n\n') + '\n';
    const out = split(lines, [4]);
    expect(records(out).map((r) => JSON.parse(r.text))).toEqual(nasty);
    expect(problems(out)).toEqual([]);
  });

  it('keeps keys after the Records array and ignores a nested "Records" key', () => {
    const text =
      '{"Records":[{"eventName":"x","requestParameters":{"Records":[1,2]}}],"other":{"Records":"no"}}';
    const out = split(text, [3]);
    expect(records(out).map((r) => JSON.parse(r.text))).toEqual([
      { eventName: 'x', requestParameters: { Records: [1, 2] } },
    ]);
    expect(problems(out)).toEqual([]);
  });

  it('returns a top-level object without Records as one element for the reader to judge', () => {
    const out = split('{"digestStartTime":"a","logFiles":[{"s3Object":"k"}]}');
    expect(records(out)).toHaveLength(1);
    expect(JSON.parse(records(out)[0].text)).toEqual({ digestStartTime: 'a', logFiles: [{ s3Object: 'k' }] });
  });

  it('reports non-object elements by index and keeps going', () => {
    const out = split('[1, "x", {"eventName":"ok"}, true]');
    expect(records(out).map((r) => r.index)).toEqual([2]);
    expect(problems(out).map((p) => p.index)).toEqual([0, 1, 3]);
  });

  it('stops with a clear problem on text that is not JSON', () => {
    const out = split('hello world');
    expect(records(out)).toEqual([]);
    expect(problems(out)).toHaveLength(1);
    expect(JSON.stringify(problems(out))).toContain('expected \\"{\\" or \\"[\\" at the start');
  });

  it('reports content after the top-level array', () => {
    const out = split('[{"eventName":"a"}] x');
    expect(records(out)).toHaveLength(1);
    expect(JSON.stringify(problems(out))).toContain('after the top-level array');
  });

  it('reports an empty input', () => {
    expect(JSON.stringify(split(''))).toContain('empty file (0 bytes)');
    expect(JSON.stringify(split('  \n '))).toContain('only whitespace');
  });

  it('truncated at every position: yields exactly the complete records before the cut, then one problem', () => {
    const recs = [{ eventName: 'a', x: '}"]' }, { eventName: 'b', y: [1, { z: '\\' }] }, { eventName: 'c' }];
    for (const text of [
      JSON.stringify({ Records: recs }),
      JSON.stringify(recs),
      recs.map((r) => JSON.stringify(r)).join('\n'),
    ]) {
      const full = records(split(text)).map((r) => r.text);
      expect(full).toHaveLength(3);
      // end offset (exclusive) of each record in the text
      let from = 0;
      const ends = full.map((t) => {
        const at = text.indexOf(t, from) + t.length;
        from = at;
        return at;
      });
      for (let k = 0; k < text.length; k++) {
        const out = split(text.slice(0, k), [5]);
        const expected = full.filter((_, i) => ends[i] <= k);
        expect(records(out).map((r) => r.text)).toEqual(expected);
        const ps = problems(out);
        const isLines = !text.startsWith('{"Records"') && !text.startsWith('[');
        const lastEnd = Math.max(0, ...ends.filter((e) => e <= k));
        const cutBetweenLines = isLines && k > 0 && lastEnd > 0 && text.slice(lastEnd, k).trim() === '';
        expect(ps).toHaveLength(cutBetweenLines ? 0 : 1);
        if (!cutBetweenLines && k > 0) expect(JSON.stringify(ps)).toMatch(/truncated|incomplete/);
      }
    }
  });

  it('skips a record over the size limit with a problem and keeps the next one', () => {
    const big = { eventName: 'big', pad: 'x'.repeat(5000) };
    const text = JSON.stringify({ Records: [{ eventName: 'a' }, big, { eventName: 'c' }] });
    for (const sizes of [[text.length], [100], [7]]) {
      const out = split(text, sizes, 1000);
      expect(records(out).map((r) => JSON.parse(r.text).eventName)).toEqual(['a', 'c']);
      expect(records(out).map((r) => r.index)).toEqual([0, 2]);
      const ps = problems(out);
      expect(ps).toHaveLength(1);
      expect(JSON.stringify(ps[0])).toContain('record 1 is 50');
      expect(JSON.stringify(ps[0])).toContain('over the limit of 1000');
    }
  });

  it('property: any JSON records, any chunking, split equals the originals', () => {
    const record = fc.record({
      eventName: fc.string({ unit: 'binary' }),
      value: fc.jsonValue({ maxDepth: 3 }),
      text: fc.string({ unit: 'binary', maxLength: 30 }),
    });
    fc.assert(
      fc.property(
        fc.array(record, { maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 5 }),
        fc.constantFrom('log', 'array', 'lines'),
        (recs, sizes, shape) => {
          const text =
            shape === 'log'
              ? JSON.stringify({ Records: recs })
              : shape === 'array'
                ? JSON.stringify(recs, null, 1)
                : recs.map((r) => JSON.stringify(r)).join('\n');
          const out = split(text, sizes);
          expect(records(out).map((r) => JSON.parse(r.text))).toEqual(JSON.parse(JSON.stringify(recs)));
          expect(problems(out).length).toBe(shape === 'lines' && recs.length === 0 ? 1 : 0);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('RecordSource over a byte stream', () => {
  it('decodes UTF-8 split across byte chunks (1 byte at a time)', async () => {
    const recs = [{ eventName: 'é😀中', eventSource: 'x' }];
    const bytes = Buffer.from(JSON.stringify({ Records: recs }), 'utf8');
    const chunks = Array.from(bytes, (b) => Buffer.from([b]));
    const got: unknown[] = [];
    const ps: Diagnostic[] = [];
    for await (const views of new RecordSource(Readable.from(chunks), 'f.json', (p) => ps.push(p)))
      for (const r of views) got.push(JSON.parse(r.text));
    expect(got).toEqual(recs);
    expect(ps).toEqual([]);
  });

  it('reports a read error after the records already yielded', async () => {
    async function* failing(): AsyncGenerator<Buffer> {
      yield Buffer.from('{"Records":[{"eventName":"a"},{"even');
      throw Object.assign(new Error('unexpected end of file'), { code: 'Z_BUF_ERROR' });
    }
    const got: string[] = [];
    const ps: Diagnostic[] = [];
    for await (const views of new RecordSource(failing(), 'f.json.gz', (p) => ps.push(p)))
      for (const r of views) got.push(r.text);
    expect(got).toEqual(['{"eventName":"a"}']);
    expect(ps).toHaveLength(1);
    expect(ps[0]).toMatchObject({ severity: 'error', file: 'f.json.gz' });
    expect(ps[0].message).toContain('gzip data is corrupt or truncated');
    expect(ps[0].message).toContain('after record 0');
  });
});

describe('RecordSplitter limits on top-level objects', () => {
  it('names a large top-level object without Records as such', () => {
    const out = split(JSON.stringify({ notCloudTrail: 'x'.repeat(3000) }), [100], 1000);
    expect(records(out)).toEqual([]);
    expect(JSON.stringify(problems(out))).toContain(
      'top-level object 0 (with no \\"Records\\" array) is 3020 characters long, over the limit of 1000',
    );
  });

  it('does not count a large log object against the record limit', () => {
    const recs = Array.from({ length: 50 }, (_, i) => ({ eventName: `e${i}`, pad: 'y'.repeat(100) }));
    const out = split(JSON.stringify({ Records: recs }), [64], 1000);
    expect(records(out)).toHaveLength(50);
    expect(problems(out)).toEqual([]);
  });
});
