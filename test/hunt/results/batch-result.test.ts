/** A worker result and a child execution's input, read back from a result file field by field. */
import { batchPrefixes, parseBatchResult } from '../../../src/hunt/results/batch-result';
import { batchResult, child, prefix } from '../fixtures';

const A = '444444444444';

describe('parseBatchResult', () => {
  it('validates a worker result field by field', () => {
    expect(parseBatchResult(batchResult(), 'r')).toEqual(batchResult());
    expect(() => parseBatchResult(null, 'r')).toThrow('r: expected an object, got null');
    expect(() => parseBatchResult({ ...batchResult(), listed: [{ ruleId: 1 }] }, 'r')).toThrow(
      'r.listed[0].ruleId: expected a string, got 1',
    );
    expect(() => parseBatchResult({ ...batchResult(), damaged: [{ key: 'k', problems: 'x' }] }, 'r')).toThrow(
      'r.damaged[0].problems: expected an array, got "x"',
    );
    expect(() => parseBatchResult({ ...batchResult(), objects: 1.5 }, 'r')).toThrow(
      'r.objects: expected a non-negative integer',
    );
  });

  it('reads results of workers older than the later fields as zero or empty, and checks them when present', () => {
    const {
      skippedObjects: _s,
      outsideWindowObjects: _o,
      unreadableObjects: _u,
      unreadable: _l,
      unreadablePrefixes: _p,
      truncatedMatches: _t,
      ...older
    } = batchResult({ skippedObjects: 3 });
    expect(parseBatchResult(older, 'r')).toEqual(batchResult());
    expect(parseBatchResult(batchResult({ skippedObjects: 3 }), 'r').skippedObjects).toBe(3);
    expect(() => parseBatchResult({ ...older, skippedObjects: -1 }, 'r')).toThrow(
      'r.skippedObjects: expected a non-negative integer',
    );
    const unread = batchResult({
      unreadableObjects: 1,
      unreadable: [
        { key: `${prefix(A, 1)}x.json.gz`, problems: ['SlowDown: Please reduce your request rate.'] },
      ],
      unreadablePrefixes: [prefix(A, 1)],
    });
    expect(parseBatchResult(unread, 'r')).toEqual(unread);
    expect(() => parseBatchResult({ ...unread, unreadablePrefixes: ['../etc/'] }, 'r')).toThrow(
      'r.unreadablePrefixes[0]: expected a day prefix',
    );
  });
});

describe('batchPrefixes', () => {
  it('reads the day prefixes of an ItemBatcher batch and refuses anything else', () => {
    const input = child([prefix(A, 1), prefix(A, 2)], { status: 'PENDING' }).Input;
    expect(batchPrefixes(input, 'i')).toEqual([prefix(A, 1), prefix(A, 2)]);
    expect(() => batchPrefixes('{"Items": [{"prefix": "/etc/"}]}', 'i')).toThrow(
      'i.Items[0].prefix: expected a day prefix',
    );
    expect(() => batchPrefixes('{"Items": ', 'i')).toThrow('i: not valid JSON');
  });
});
