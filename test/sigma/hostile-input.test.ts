/** Attacker-controlled events and odd rule files never crash the engine. */
import fc from 'fast-check';
import { parseRules } from '../../src/sigma/index';
import { ruleOf } from './helpers';

describe('hostile input', () => {
  const rules = [
    ruleOf('selection:\n  a.b.c|contains: x\ncondition: selection'),
    ruleOf('keywords:\n  - needle\ncondition: keywords'),
    ruleOf('selection:\n  requestParameters|contains: needle\n  n|gt: 3\ncondition: selection'),
    ruleOf("selection:\n  ip|cidr: '10.0.0.0/8'\n  t|hour: 3\ncondition: selection"),
  ];

  it('handles deep nesting, prototype keys and odd types', () => {
    let deep: unknown = 'needle';
    for (let i = 0; i < 10_000; i++) deep = { a: deep };
    const records = [
      { a: deep, requestParameters: deep },
      JSON.parse('{"__proto__": {"b": {"c": "x"}}, "constructor": "needle"}'),
      { a: [[[{ b: [{ c: 'X' }] }]]] },
      { ip: 12, t: { nested: true }, n: 'NaN', requestParameters: null },
    ];
    for (const record of records) for (const rule of rules) expect(typeof rule.match(record)).toBe('boolean');
    expect(rules[0].match(records[2])).toBe(true);
    expect(rules[1].match(records[1])).toBe(true);
  });

  it('never throws on arbitrary JSON records (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        const record =
          value !== null && typeof value === 'object' && !Array.isArray(value)
            ? (value as Record<string, unknown>)
            : { value };
        for (const rule of rules) rule.match(record);
        for (const rule of rules) rule.explain(record);
      }),
      { numRuns: 300 },
    );
  });

  it('reports YAML alias bombs and non-map documents instead of crashing', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 0; i < 8; i++)
      bomb.push(
        `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10)
          .fill(`*${String.fromCharCode(97 + i)}`)
          .join(',')}]`,
      );
    const bundle = parseRules(bomb.join('\n'), 'bomb.yml');
    expect(bundle.rules).toEqual([]);
    expect(bundle.diagnostics[0]).toMatchObject({
      severity: 'error',
      file: 'bomb.yml',
      message: expect.stringMatching(/too large|alias/i),
    });
    expect(parseRules('- just\n- a list\n', 'l.yml').diagnostics[0].message).toContain(
      'expected a Sigma document',
    );
    expect(parseRules('', 'empty.yml').diagnostics).toEqual([]);
  });
});
