/** Correlation and filter documents: parsing, validation, filter application, explain. */
import {
  applyFilters,
  explainRule,
  formatExplanation,
  parseRules,
  parseTimespan,
} from '../../src/sigma/index';
import { ruleText } from './helpers';

const base = ruleText('selection:\n  eventName: ConsoleLogin\ncondition: selection', 'name: login\n');

describe('correlation documents', () => {
  it('parses a valid correlation into the model', () => {
    const text = `${base}---
title: Brute force
id: 3a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d
correlation:
  type: event_count
  rules:
    - login
  group-by:
    - sourceIPAddress
  timespan: 15m
  condition:
    gte: 10
  generate: true
level: critical
`;
    const bundle = parseRules(text, 'c.yml');
    expect(bundle.diagnostics).toEqual([]);
    expect(bundle.correlations).toEqual([
      expect.objectContaining({
        type: 'event_count',
        rules: ['login'],
        groupBy: ['sourceIPAddress'],
        timespanMs: 900_000,
        timespan: '15m',
        condition: { gte: 10 },
        generate: true,
        aliases: {},
      }),
    ]);
    expect(bundle.correlations[0].meta).toMatchObject({ title: 'Brute force', level: 'critical', line: 13 });
  });

  it('parses aliases and value conditions', () => {
    const text = `title: v\ncorrelation:\n  type: value_count\n  rules: [a, b]\n  group-by: [ip]\n  timespan: 1h\n  aliases:\n    ip:\n      a: sourceIPAddress\n      b: requestParameters.ip\n  condition:\n    field: eventName\n    gt: 3\n`;
    const c = parseRules(text, 'v.yml').correlations[0];
    expect(c.aliases).toEqual({ ip: { a: 'sourceIPAddress', b: 'requestParameters.ip' } });
    expect(c.condition).toEqual({ field: 'eventName', gt: 3 });
  });

  it('reports every problem with its path', () => {
    const text = `title: bad\ncorrelation:\n  type: event_sum\n  rules: []\n  timespan: 15 minutes\n  condition:\n    over: 3\n`;
    const bundle = parseRules(text, 'bad.yml');
    expect(bundle.correlations).toEqual([]);
    expect(bundle.diagnostics.map((d) => `${d.line} ${d.path}`)).toEqual([
      '3 correlation.type',
      '4 correlation.rules',
      '5 correlation.timespan',
      '7 correlation.condition.over',
      '6 correlation.condition',
    ]);
  });

  it('needs condition.field for value_* types', () => {
    const text = `title: v\ncorrelation:\n  type: value_sum\n  rules: [a]\n  timespan: 1d\n  condition:\n    gt: 3\n`;
    expect(parseRules(text, 'v.yml').diagnostics[0].message).toContain('needs condition.field');
  });

  it('parses timespans', () => {
    expect(parseTimespan('30s')).toBe(30_000);
    expect(parseTimespan('2h')).toBe(7_200_000);
    expect(parseTimespan('1d')).toBe(86_400_000);
    expect(parseTimespan('0m')).toBeUndefined();
    expect(parseTimespan('1w')).toBeUndefined();
  });
});

describe('filter documents', () => {
  const filter = `---
title: Not the break-glass role
logsource:
  product: aws
  service: cloudtrail
filter:
  rules:
    - login
  selection:
    userIdentity.arn|endswith: ':role/BreakGlass'
  condition: not selection
`;
  it('compiles keep() from the filter condition and applies it to the named rules', () => {
    const bundle = parseRules(base + filter, 'f.yml');
    expect(bundle.diagnostics).toEqual([]);
    expect(bundle.filters).toHaveLength(1);
    expect(bundle.filters[0].rules).toEqual(['login']);
    const [filtered] = applyFilters(bundle.rules, bundle.filters);
    expect(
      filtered.match({ eventName: 'ConsoleLogin', userIdentity: { arn: 'arn:aws:iam::1:role/BreakGlass' } }),
    ).toBe(false);
    expect(
      filtered.match({ eventName: 'ConsoleLogin', userIdentity: { arn: 'arn:aws:iam::1:role/Dev' } }),
    ).toBe(true);
    expect(
      bundle.rules[0].match({
        eventName: 'ConsoleLogin',
        userIdentity: { arn: 'arn:aws:iam::1:role/BreakGlass' },
      }),
    ).toBe(true);
    const explanation = explainRule(
      bundle.rules[0],
      { eventName: 'ConsoleLogin', userIdentity: { arn: 'x:role/BreakGlass' } },
      bundle.filters,
    );
    expect(explanation.filters).toEqual([{ title: 'Not the break-glass role', matched: false }]);
    expect(explanation.matched).toBe(false);
  });
  it('leaves rules it does not name alone', () => {
    const bundle = parseRules(base + filter.replace('- login', '- other'), 'f.yml');
    expect(applyFilters(bundle.rules, bundle.filters)[0]).toBe(bundle.rules[0]);
  });
});

describe('explain', () => {
  it('lists each selection, each item with the actual value, and the condition', () => {
    const rule = parseRules(
      ruleText(
        'selection:\n  eventName: ConsoleLogin\n  errorCode: null\nfilter:\n  - userAgent|contains: console\n  - sourceIPAddress|cidr: 10.0.0.0/8\ncondition: selection and not filter',
      ),
      't.yml',
    ).rules[0];
    const e = explainRule(rule, {
      eventName: 'ConsoleLogin',
      userAgent: 'aws-cli',
      sourceIPAddress: '10.1.1.1\u001b[2J',
    });
    expect(e.matched).toBe(true);
    expect(e.selections.map((s) => [s.name, s.matched])).toEqual([
      ['selection', true],
      ['filter', false],
    ]);
    expect(e.selections[0].alternatives[0][1]).toEqual({
      field: 'errorCode',
      modifiers: [],
      values: ['null'],
      matched: true,
      actual: '(absent)',
    });
    const text = formatExplanation(e);
    expect(text).toContain('alternative 2:');
    expect(text).toContain('not matched sourceIPAddress|cidr: 10.0.0.0/8 (event: 10.1.1.1?[2J)');
    expect(text).toContain('condition: selection and not filter => MATCH');
  });
});
