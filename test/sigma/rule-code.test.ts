/**
 * Rules run as generated code (rule-code.ts); explanations use the compiled closures. Here the
 * two are held to the same verdict: for every shipped rule (and SigmaHQ's AWS rules when
 * ../shared is there) over synthetic records, every rule-test record and random variants of them;
 * for hand-written rules covering each condition form and item kind over random records; and the
 * generated code is shown not to be injectable through field names.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadRules } from '../../src/sigma';
import type { CloudTrailRecord } from '../../src/core';
import type { CompiledRule } from '../../src/sigma/model';
import { makeRng, syntheticRecords } from '../../scripts/synthetic-events';
import { ruleOf } from './helpers';

const ROOT = join(__dirname, '..', '..');
const SIGMAHQ = join(ROOT, '..', 'shared', 'corpus', 'sigmahq-aws', 'rules');

/**
 * Both verdicts of a rule on a record: [generated code, closures (explain)]. The code's verdict
 * with the `plain` hint (no key holds a dot) must be the same whenever the hint is true.
 */
function verdicts(rule: CompiledRule, record: CloudTrailRecord): [boolean, boolean] {
  const code = rule.match(record);
  if (!keysHoldDot(record) && rule.match(record, true) !== code)
    throw new Error(`${rule.meta.title}: plain ${!code}, code ${code} on ${JSON.stringify(record)}`);
  return [code, rule.explain(record).matched];
}

/** Whether a key of the value, at any depth, holds a dot. */
function keysHoldDot(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some(keysHoldDot);
  return Object.entries(value).some(([k, v]) => k.includes('.') || keysHoldDot(v));
}

describe('the plain hint (no key holds a dot)', () => {
  const rule = ruleOf(`
sel: {userIdentity.sessionContext.sessionIssuer.type: Role}
condition: sel`);
  it('reads nested keys as they are', () => {
    const record = { userIdentity: { sessionContext: { sessionIssuer: { type: 'Role' } } } };
    expect([rule.match(record), rule.match(record, true)]).toEqual([true, true]);
  });
  it('skips literal dotted keys, which is why only records without them get it', () => {
    const record = { userIdentity: { 'sessionContext.sessionIssuer': { type: 'Role' } } };
    expect([rule.match(record), rule.match(record, true)]).toEqual([true, false]);
  });
});

function ruleTestRecords(dir: string): CloudTrailRecord[] {
  const out: CloudTrailRecord[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('_tests.json')) {
        const tests = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
        for (const list of [tests.should_match, tests.should_not_match])
          if (Array.isArray(list)) out.push(...(list as CloudTrailRecord[]));
      }
    }
  };
  walk(dir);
  return out;
}

/** A variant of a record: some values swapped for other records' values, cases flipped, keys dropped. */
function variant(record: CloudTrailRecord, pool: CloudTrailRecord[], rng: () => number): CloudTrailRecord {
  const copy = structuredClone(record) as Record<string, unknown>;
  for (const key of Object.keys(copy)) {
    const r = rng();
    if (r < 0.1) delete copy[key];
    else if (r < 0.25) {
      const other = pool[Math.floor(rng() * pool.length)] as Record<string, unknown>;
      if (key in other) copy[key] = structuredClone(other[key]);
    } else if (r < 0.3 && typeof copy[key] === 'string') copy[key] = (copy[key] as string).toUpperCase();
    else if (r < 0.33) copy[key] = null;
  }
  return copy as CloudTrailRecord;
}

describe('generated rule code', () => {
  const paths = [join(ROOT, 'rules'), ...(existsSync(SIGMAHQ) ? [SIGMAHQ] : [])];
  const bundle = loadRules(paths);
  const records: CloudTrailRecord[] = [
    ...syntheticRecords(1500, { seed: 11 }),
    ...ruleTestRecords(join(ROOT, 'rules')),
  ];
  const rng = makeRng(5);
  const variants = records.slice(0, 1500).map((r) => variant(r, records, rng));

  it('gives the closures’ verdict for every shipped rule on every record', () => {
    expect(bundle.rules.length).toBeGreaterThan(100);
    let checks = 0;
    let hits = 0;
    for (const rule of bundle.rules) {
      for (const record of [...records, ...variants]) {
        const [code, closures] = verdicts(rule, record);
        if (code !== closures)
          throw new Error(
            `${rule.meta.title}: code ${code}, closures ${closures} on ${JSON.stringify(record)}`,
          );
        checks++;
        if (code) hits++;
      }
    }
    expect(checks).toBeGreaterThan(100 * 3000);
    // Not a vacuous comparison: many rules fire on their own test records.
    expect(hits).toBeGreaterThan(300);
  });

  // Each condition form and item kind, with and without a leaf test (rule-code.ts inlines the
  // former and calls the item's matcher for the latter).
  const detections: Record<string, string> = {
    'and, or, not, parentheses': `
a: {eventName: CreateUser}
b: {eventSource|endswith: iam.amazonaws.com}
c: {errorCode: AccessDenied}
condition: (a or b) and not c`,
    '1 of, all of, them': `
sel_x: {eventName|startswith: Create}
sel_y: {userIdentity.type: Root}
other: {awsRegion: us-east-1}
condition: 1 of sel_* and all of them`,
    'list of conditions, all of a pattern': `
sel_a: {eventName|contains: User}
sel_b: {sourceIPAddress|cidr: [10.0.0.0/8, 2001:db8::/32]}
condition: [all of sel_*, not sel_a]`,
    'list of maps, keywords': `
alt:
  - {eventName: DeleteTrail}
  - {eventName|re: '^(Stop|Delete)Logging$', userAgent|contains|all: [aws, cli]}
kw: [console, 'AWS Internal']
condition: alt or kw`,
    'exists, null, neq, fieldref, numbers, dates': `
e: {errorCode|exists: false}
n: {errorMessage: null}
q: {awsRegion|neq: us-east-1}
f: {userIdentity.principalId|fieldref|contains: userIdentity.accountId}
h: {eventTime|hour|gte: 12}
v: {eventVersion|gt: 1.05}
condition: (e and q) or n or f or (h and v)`,
    'empty 1 of': `
sel: {eventName: X}
condition: sel or 1 of nothing_*`,
  };
  it.each(Object.entries(detections))('gives the closures’ verdict: %s', (_name, detection) => {
    const rule = ruleOf(detection);
    let hits = 0;
    for (const record of [...records, ...variants]) {
      const [code, closures] = verdicts(rule, record);
      if (code !== closures)
        throw new Error(`code ${code}, closures ${closures} on ${JSON.stringify(record)}`);
      if (code) hits++;
    }
    if (!detection.includes('nothing_')) expect(hits).toBeGreaterThan(0);
  });

  it('takes field names only as data: hostile names neither break nor inject code', () => {
    const marker = '__ruleCodeInjected';
    const names = [
      `a"); globalThis.${marker} = 1; ("`,
      `b'); globalThis.${marker} = 1; ('`,
      'c\\',
      'd\n}; globalThis.' + marker + ' = 1; {',
      '`${globalThis.' + marker + ' = 1}`',
      'e\u2028f',
      '__proto__',
      'constructor',
      'toString.length',
    ];
    for (const name of names) {
      const detection = `sel:\n  ${JSON.stringify(`${name}|contains`)}: 'x'\ncondition: sel`;
      const rule = ruleOf(detection);
      // The whole name as one literal key (tried first for dotted names); JSON.parse makes `__proto__` own.
      const record = JSON.parse(`{${JSON.stringify(name)}: "axb"}`) as CloudTrailRecord;
      expect(rule.match(record)).toBe(true);
      expect(rule.explain(record).matched).toBe(true);
      expect(rule.match({} as CloudTrailRecord)).toBe(false);
    }
    expect((globalThis as Record<string, unknown>)[marker]).toBeUndefined();
  });
});
