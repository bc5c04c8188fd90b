/** Condition forms, precedence, lists of maps, value lists, and condition errors. */
import { MAX_CONDITION_DEPTH, parseCondition } from '../../src/sigma/condition';
import { errorsOf, ruleOf } from './helpers';

const det = `a:\n  x: 1\nb:\n  y: 1\nc:\n  z: 1\n`;
const rule = (condition: string) => ruleOf(`${det}condition: ${condition}`);
const rec = (x: boolean, y: boolean, z: boolean) => ({
  ...(x ? { x: 1 } : {}),
  ...(y ? { y: 1 } : {}),
  ...(z ? { z: 1 } : {}),
});
const truth = (condition: string, f: (x: boolean, y: boolean, z: boolean) => boolean) => {
  const r = rule(condition);
  for (const x of [false, true])
    for (const y of [false, true])
      for (const z of [false, true])
        expect([condition, x, y, z, r.match(rec(x, y, z))]).toEqual([condition, x, y, z, f(x, y, z)]);
};

describe('conditions', () => {
  it('and, or, not, parentheses with the spec precedence (or < and < not)', () => {
    truth('a and b', (x, y) => x && y);
    truth('a or b and c', (x, y, z) => x || (y && z));
    truth('not a and b', (x, y) => !x && y);
    truth('not (a and b)', (x, y) => !(x && y));
    truth('(a or b) and not c', (x, y, z) => (x || y) && !z);
    truth('a AND b OR c', (x, y, z) => (x && y) || z);
    truth('not not a', (x) => x);
  });
  it('1 of / all of a pattern or them', () => {
    const r = ruleOf('sel_a:\n  x: 1\nsel_b:\n  y: 1\nother:\n  z: 1\ncondition: 1 of sel_* and not other');
    expect(r.match({ y: 1 })).toBe(true);
    expect(r.match({ y: 1, z: 1 })).toBe(false);
    const all = ruleOf('sel_a:\n  x: 1\nsel_b:\n  y: 1\ncondition: all of sel_*');
    expect(all.match({ x: 1 })).toBe(false);
    expect(all.match({ x: 1, y: 1 })).toBe(true);
    truth('1 of them', (x, y, z) => x || y || z);
    truth('all of them', (x, y, z) => x && y && z);
    truth('not 1 of them', (x, y, z) => !(x || y || z));
  });
  it('a list of conditions is their OR', () => {
    const r = ruleOf(`${det}condition:\n  - a and b\n  - c`);
    expect(r.match(rec(true, true, false))).toBe(true);
    expect(r.match(rec(false, false, true))).toBe(true);
    expect(r.match(rec(true, false, false))).toBe(false);
  });
  it('maps are AND, value lists are OR, lists of maps are OR of ANDs', () => {
    const r = ruleOf(
      'selection:\n  - eventName: [A, B]\n    eventSource: s1\n  - eventSource: s2\ncondition: selection',
    );
    expect(r.match({ eventName: 'B', eventSource: 's1' })).toBe(true);
    expect(r.match({ eventName: 'C', eventSource: 's1' })).toBe(false);
    expect(r.match({ eventName: 'C', eventSource: 's2' })).toBe(true);
  });
  it('rejects unknown identifiers, bad syntax and the retired pipe syntax', () => {
    expect(errorsOf(`${det}condition: a and nope`)[0]).toContain("'nope', which is not a search identifier");
    expect(errorsOf(`${det}condition: a and (b`)[0]).toContain("expected ')'");
    expect(errorsOf(`${det}condition: a b`)[0]).toContain("expected 'and', 'or' or the end");
    expect(errorsOf(`${det}condition: 2 of them`)[0]).toContain("'2 of' is not supported");
    expect(errorsOf(`${det}condition: a | count() > 5`)[0]).toMatch(
      /retired aggregation syntax.*correlation rule/,
    );
    expect(errorsOf(`${det}condition: a | near b`)[0]).toMatch(/correlation rule/);
    expect(errorsOf(`${det}timeframe: 5m\ncondition: a`)[0]).toMatch(
      /^detection\.timeframe => .*correlation rule/,
    );
  });
  it('refuses conditions nested deeper than MAX_CONDITION_DEPTH, with a short message, and loads the rest', () => {
    const deep = (n: number) => `${'('.repeat(n)}a${')'.repeat(n)}`;
    expect(rule(deep(MAX_CONDITION_DEPTH)).match(rec(true, false, false))).toBe(true);
    expect(rule(`${'not '.repeat(MAX_CONDITION_DEPTH)}a`).match(rec(true, false, false))).toBe(true);
    // Thousands deep would exhaust the stack of the parser and of the code generated for the rule.
    for (const condition of [deep(5000), `${'not '.repeat(5000)}a`, deep(MAX_CONDITION_DEPTH + 1)]) {
      const errors = errorsOf(`${det}condition: ${condition}`);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/nests parentheses and 'not' more than 100 levels deep$/);
      expect(errors[0].length).toBeLessThan(300);
    }
    // A long flat condition is fine.
    expect(rule(Array.from({ length: 5000 }, () => 'a').join(' and ')).match(rec(true, false, false))).toBe(
      true,
    );
  });

  it('parses into the expected tree', () => {
    expect(parseCondition('a or not b and 1 of c*')).toEqual({
      kind: 'or',
      children: [
        { kind: 'id', name: 'a' },
        {
          kind: 'and',
          children: [
            { kind: 'not', child: { kind: 'id', name: 'b' } },
            { kind: 'of', quantifier: '1', pattern: 'c*' },
          ],
        },
      ],
    });
  });
  it('reports every bad item of a selection, not only the first', () => {
    const errors = errorsOf('selection:\n  a|bad1: x\n  b|bad2: y\n  c: []\ncondition: selection');
    expect(errors).toEqual([
      "detection.selection.a|bad1 => unknown modifier 'bad1'",
      "detection.selection.b|bad2 => unknown modifier 'bad2'",
      'detection.selection.c => no values (an empty list matches nothing)',
    ]);
  });
});
