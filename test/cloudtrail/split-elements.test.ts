/**
 * Key tables must be arrays of small integers. One heap number pushed into a table (a -0 from
 * `base = -i` at position 0 was one) makes V8 turn that table into an array of doubles and,
 * through the allocation site, every table created after it: the whole analyzer then reads
 * offsets as doubles (and grows its tables through the slow double-array path).
 */
import { setFlagsFromString } from 'node:v8';
import { RecordSplitter } from '../../lambdas/cloudtrail/split';
import { syntheticRecords } from '../../scripts/synthetic-events';

setFlagsFromString('--allow-natives-syntax');
// V8 intrinsics are parsed only in source compiled after the flag is set.
const hasSmiElements = new Function('a', 'return %HasSmiElements(a)') as (a: unknown) => boolean;

describe('key table element kinds', () => {
  const text = JSON.stringify({ Records: syntheticRecords(300, { seed: 7 }) });
  const bytes = Buffer.from(text, 'latin1');

  for (const wasm of [true, false]) {
    it(`holds only small integers, records at chunk starts included (${wasm ? 'WebAssembly' : 'JavaScript'} loop)`, () => {
      const splitter = new RecordSplitter();
      const tables: unknown[][] = [];
      // Chunks that start exactly at a record's `{`, as well as ordinary ones.
      const starts = [0];
      for (let at = text.indexOf('{"', 20); at >= 0 && starts.length < 40; at = text.indexOf('},{"', at + 1))
        starts.push(at + 2);
      starts.push(text.length);
      for (let k = 0; k + 1 < starts.length; k++) {
        const piece = bytes.subarray(starts[k], starts[k + 1]);
        const items = wasm
          ? splitter.push(piece.toString('latin1'), piece, true)
          : splitter.push(piece.toString('latin1'));
        for (const item of items)
          if (item.kind === 'record' && item.keys)
            tables.push(item.keys, ...(item.header ? [item.header] : []));
      }
      expect(tables.length).toBeGreaterThan(30);
      expect(tables.filter((t) => !hasSmiElements(t)).length).toBe(0);
    });
  }
});
