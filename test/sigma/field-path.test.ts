/**
 * compileFieldPath generates one small function per path (field-path.ts). Here it is checked
 * against a plain interpreter of the same rules (the walker it replaced), on hand-picked cases
 * and on random records with literal dotted keys, arrays, nulls, prototype names and hostile
 * key texts, and the generated code is shown not to be injectable through a field name.
 */
import fc from 'fast-check';
import { compileFieldPath } from '../../src/sigma/field-path';

const MAX_DEPTH = 64;
const hasOwn = Object.prototype.hasOwnProperty;

/** Reference: at each position the longest literal join that is an own key wins; arrays fan out. */
function referenceValues(record: unknown, field: string): unknown[] {
  const parts = field.split('.');
  const out: unknown[] = [];
  const walk = (node: unknown, at: number, depth: number): void => {
    if (at === parts.length) {
      out.push(node);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      if (depth > MAX_DEPTH) return;
      for (const element of node) walk(element, at, depth + 1);
      return;
    }
    if (parts.length > 1 && depth > MAX_DEPTH) return;
    for (let j = parts.length; j > at; j--) {
      const key = parts.slice(at, j).join('.');
      const value = (node as Record<string, unknown>)[key];
      if (value !== undefined && hasOwn.call(node, key)) {
        walk(value, j, depth + 1);
        return;
      }
    }
  };
  walk(record, 0, 0);
  return out;
}

function compiledValues(record: unknown, field: string): unknown[] {
  const out: unknown[] = [];
  compileFieldPath(field)(record, (value) => {
    out.push(value);
    return false;
  });
  return out;
}

describe('compiled field paths', () => {
  it.each([
    [{ a: { b: 1 } }, 'a.b', [1]],
    [{ 'a.b': 2, a: { b: 1 } }, 'a.b', [2]],
    [{ a: [{ b: 1 }, { b: 2 }, { c: 3 }] }, 'a.b', [1, 2]],
    [{ a: { 'b.c': 5, b: { c: 6 } } }, 'a.b.c', [5]],
    [{ a: null }, 'a', [null]],
    [{ a: null }, 'a.b', []],
    [{ constructor: 'x' }, 'constructor', ['x']],
    [{}, 'constructor', []],
    [{}, 'toString', []],
    [{ a: { hasOwnProperty: 1 } }, 'a.hasOwnProperty', [1]],
    [[{ a: 1 }, [{ a: 2 }]], 'a', [1, 2]],
    [{ a: [[1, 2]] }, 'a', [[[1, 2]]]],
  ])('%j at %s', (record, field, expected) => {
    expect(compiledValues(record, field)).toEqual(expected);
    expect(referenceValues(record, field)).toEqual(expected);
  });

  it('reads `__proto__` only as an own key (as JSON.parse makes it)', () => {
    const record = JSON.parse('{"__proto__": {"x": 1}, "a": {"__proto__": 2}}') as unknown;
    expect(compiledValues(record, '__proto__.x')).toEqual([1]);
    expect(compiledValues(record, 'a.__proto__')).toEqual([2]);
    expect(compiledValues({}, '__proto__')).toEqual([]);
  });

  it('stops at the first hit the visitor reports', () => {
    const seen: unknown[] = [];
    const hit = compileFieldPath('a.b')({ a: [{ b: 1 }, { b: 2 }, { b: 3 }] }, (v) => {
      seen.push(v);
      return v === 2;
    });
    expect(hit).toBe(true);
    expect(seen).toEqual([1, 2]);
  });

  it('bounds nesting of arrays', () => {
    let deep: unknown = { a: 1 };
    for (let i = 0; i < 200; i++) deep = [deep];
    expect(compiledValues(deep, 'a')).toEqual([]);
    expect(compiledValues({ x: deep }, 'x.a')).toEqual([]);
  });

  it('takes field names that would break generated code as plain keys', () => {
    const hostile = [
      '"); throw new Error("injected"); ("',
      "'; throw 1; '",
      '\\',
      '`${process.exit(1)}`',
      '*/ throw 1; /*',
      '\u2028\u2029',
      '\n}\nthrow 1;\n{',
    ];
    for (const key of hostile) {
      expect(compiledValues({ [key]: 'v' }, key)).toEqual(['v']);
      expect(compiledValues({ k: { [key]: 'v' } }, `k.${key}`)).toEqual(
        referenceValues({ k: { [key]: 'v' } }, `k.${key}`),
      );
    }
  });

  it('agrees with the reference on random records and paths', () => {
    const keyArb = fc.constantFrom(
      'a',
      'b',
      'c',
      'a.b',
      'b.c',
      'a.b.c',
      '__proto__',
      'constructor',
      'x"y',
      '',
    );
    const leaf = fc.oneof(fc.string({ maxLength: 3 }), fc.integer(), fc.boolean(), fc.constant(null));
    const { tree } = fc.letrec<{ tree: unknown }>((tie) => ({
      tree: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        leaf,
        fc.array(tie('tree'), { maxLength: 3 }),
        fc
          .array(fc.tuple(keyArb, tie('tree')), { maxLength: 4 })
          .map((entries) => JSON.parse(JSON.stringify(Object.fromEntries(entries))) as unknown),
      ),
    }));
    const fieldArb = fc
      .array(fc.constantFrom('a', 'b', 'c', '__proto__', 'constructor'), { minLength: 1, maxLength: 4 })
      .map((parts) => parts.join('.'));
    fc.assert(
      fc.property(tree, fieldArb, (record, field) => {
        expect(compiledValues(record, field)).toEqual(referenceValues(record, field));
      }),
      { numRuns: 3000 },
    );
  });
});
