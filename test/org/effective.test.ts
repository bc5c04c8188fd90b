/** Tests for the effective per-account configuration: rule sets, inheritance, exceptions, routes, cooldown. */
import { join } from 'node:path';
import type { AccountInfo } from '../../src/core';
import { findException } from '../../src/org/exceptions';
import { loadAccountsConfig, parseAccountsConfig } from '../../src/org/config';
import { StaticAccountDirectory } from '../../src/org/directory';
import { OrgPolicy, selectRules } from '../../src/org/effective';
import type { AccountsConfig } from '../../src/org/types';
import type { Level } from '../../src/core';
import type { RuleMeta } from '../../src/sigma/model';

function rule(id: string, file: string, level: Level, tags: string[] = [], title = `Rule ${id}`): RuleMeta {
  return { id, title, level, tags, references: [], falsepositives: [], file, line: 1 };
}
const RULES: RuleMeta[] = [
  rule('iam-low', 'rules/sigma/iam/a.yml', 'low', ['attack.persistence']),
  rule('iam-high', 'rules/sigma/iam/b.yml', 'high', ['attack.t1078']),
  rule('s3-med', 'rules/sigma/s3/c.yml', 'medium'),
  rule('s3-info', 'rules/sigma/s3/d.yml', 'informational'),
  rule('corr', 'rules/correlations/e.yml', 'critical'),
];
const account = (id: string, ouPath: string, ouId?: string): AccountInfo => ({
  id,
  name: id,
  ouPath,
  ouId,
  known: true,
});
const ids = (s: ReadonlySet<string>) => [...s].sort();

const BASE = `organization: { id: o-abc1234567, managementAccountId: '111111111111', securityAccountId: '222222222222', homeRegion: us-east-1 }
trail: { bucket: org-trail, accountId: '333333333333' }
destinations:
  soc: { type: email, from: a@example.com, to: [b@example.com] }
  pager: { type: sns, topicArn: 'arn:aws:sns:us-east-1:222222222222:p' }
  chat: { type: webhook, format: slack, urlSecret: chat }
`;
function load(extra: string): AccountsConfig {
  const result = parseAccountsConfig(BASE + extra, 'accounts.yaml');
  expect(result.diagnostics).toEqual([]);
  return result.config!;
}

describe('selectRules', () => {
  it('selects by path glob, id, title, tag and level, with exclude and minLevel', () => {
    expect(ids(selectRules({ rules: ['sigma/iam/**'] }, RULES, 'rules'))).toEqual(['iam-high', 'iam-low']);
    expect(ids(selectRules({ rules: ['sigma/**'], minLevel: 'medium' }, RULES, 'rules'))).toEqual([
      'iam-high',
      's3-med',
    ]);
    expect(ids(selectRules({ rules: ['s3-med', 'Rule corr'] }, RULES))).toEqual(['corr', 's3-med']);
    expect(ids(selectRules({ rules: ['tag:attack.t1078', 'level:informational'] }, RULES))).toEqual([
      'iam-high',
      's3-info',
    ]);
    expect(
      ids(selectRules({ rules: ['sigma/**'], exclude: ['sigma/s3/**', 'tag:attack.persistence'] }, RULES)),
    ).toEqual(['iam-high']);
    // Rule paths relative to another rules root.
    const elsewhere = [rule('x', '/opt/detections/sigma/iam/x.yml', 'low')];
    expect(ids(selectRules({ rules: ['sigma/iam/*.yml'] }, elsewhere, '/opt/detections'))).toEqual(['x']);
  });
});

describe('OrgPolicy', () => {
  it('runs every rule when no rule set is configured', () => {
    const policy = new OrgPolicy(load(''), RULES);
    const effective = policy.forAccount(account('444444444444', '/Workloads'));
    expect(effective.ruleSetKey).toBe('*');
    expect(effective.ruleIds.size).toBe(RULES.length);
    expect(effective.routes).toEqual([]);
    expect(effective.cooldownSeconds).toBe(15 * 60);
  });

  const config = () =>
    load(`ruleSets:
  base: { rules: ['sigma/**'], minLevel: medium }
  prod: { rules: ['correlations/**'] }
  loose: { rules: ['sigma/**'], minLevel: high }
exceptions:
  - { rule: '*', actors: ['arn:aws:iam::*:role/BreakGlass'], reason: break glass }
organizationalUnits:
  /:
    ruleSets: [base]
    routes: [{ to: [soc], minLevel: medium }]
    cooldownMinutes: 10
  /Workloads/Production:
    ruleSets: [prod]
    routesMode: add
    routes: [{ to: [pager], minLevel: high }]
  /Sandbox:
    ruleSets: [loose]
    ruleSetsMode: replace
    routes: [{ to: [chat] }]
    exceptions: [{ rule: '*', sourceIPs: [10.0.0.0/8], reason: office }]
    cooldownMinutes: 60
  ou-ab12-sandbox1:
    path: /Sandbox/Teams
    exceptions: [{ rule: '*', eventNames: [Describe*], reason: team noise }]
accounts:
  '777777777777': { name: alice, ou: /Sandbox, routes: [{ to: [soc], minLevel: critical }], exceptions: [{ rule: '*', regions: [eu-west-1], reason: alice lab }] }
`);

  it('inherits and adds rule sets down the path, or replaces them', () => {
    const policy = new OrgPolicy(config(), RULES, 'rules');
    const prod = policy.forAccount(account('444444444444', '/Workloads/Production'));
    expect(prod.ruleSetKey).toBe('base+prod');
    expect(ids(prod.ruleIds)).toEqual(['corr', 'iam-high', 's3-med']);
    const dev = policy.forAccount(account('555555555555', '/Workloads/Development'));
    expect(dev.ruleSetKey).toBe('base');
    expect(ids(dev.ruleIds)).toEqual(['iam-high', 's3-med']);
    const sandbox = policy.forAccount(account('666666666666', '/Sandbox'));
    expect(sandbox.ruleSetKey).toBe('loose');
    expect(ids(sandbox.ruleIds)).toEqual(['iam-high']);
  });

  it('takes the nearest routes, or adds them with routesMode: add', () => {
    const policy = new OrgPolicy(config(), RULES, 'rules');
    expect(
      policy.forAccount(account('444444444444', '/Workloads/Production')).routes.map((r) => r.to[0]),
    ).toEqual(['soc', 'pager']);
    expect(
      policy.forAccount(account('555555555555', '/Workloads/Development')).routes.map((r) => r.to[0]),
    ).toEqual(['soc']);
    expect(policy.forAccount(account('666666666666', '/Sandbox')).routes.map((r) => r.to[0])).toEqual([
      'chat',
    ]);
    expect(policy.forAccount(account('777777777777', '/Sandbox')).routes).toEqual([
      { to: ['soc'], minLevel: 'critical' },
    ]);
  });

  it('collects exceptions from the organization, the OU chain and the account, with where they came from', () => {
    const policy = new OrgPolicy(config(), RULES, 'rules');
    const alice = policy.forAccount(account('777777777777', '/Sandbox'));
    expect(alice.exceptions.map((e) => e.where)).toEqual([
      'exceptions[0]',
      'organizationalUnits./Sandbox.exceptions[0]',
      'accounts.777777777777.exceptions[0]',
    ]);
    expect(alice.exceptions.map((e) => e.line)).toEqual([12, 26, 32]);
    expect(alice.exceptions[1].file).toBe('accounts.yaml');
    expect(alice.cooldownSeconds).toBe(3600);
    const team = policy.forAccount(account('888888888888', '/', 'ou-ab12-sandbox1'));
    expect(team.ouPath).toBe('/Sandbox/Teams');
    expect(team.exceptions.map((e) => e.reason)).toEqual(['break glass', 'office', 'team noise']);
    const actor = { type: 'IAMUser', id: 'u', identifiers: ['u'], display: 'u' };
    expect(
      findException(
        { rule: RULES[1], record: { eventName: 'DescribeInstances' }, actor },
        team.exceptions,
        new Date(),
      )?.reason,
    ).toBe('team noise');
    const prod = policy.forAccount(account('444444444444', '/Workloads/Production'));
    expect(prod.exceptions.map((e) => e.reason)).toEqual(['break glass']);
    expect(prod.cooldownSeconds).toBe(600);
  });

  it('caches per OU, and per account only for accounts with overrides', () => {
    const policy = new OrgPolicy(config(), RULES, 'rules');
    const a = policy.forAccount(account('444444444444', '/Workloads/Production'));
    expect(policy.forAccount(account('999999999999', '/Workloads/Production/'))).toBe(a);
    expect(policy.forAccount(account('777777777777', '/Sandbox'))).not.toBe(
      policy.forAccount(account('666666666666', '/Sandbox')),
    );
  });

  it('treats unknown accounts as the root OU, and unknown rule-set names as absent', () => {
    const policy = new OrgPolicy(config(), RULES, 'rules');
    const unknown = policy.forAccount({
      id: '000000000000',
      name: '000000000000',
      ouPath: '/',
      known: false,
    });
    expect(unknown.ruleSetKey).toBe('base');
    expect(unknown.sources).toEqual(['organizationalUnits./']);
    const typo = load(
      `ruleSets: { a: { rules: ['*'] } }\norganizationalUnits: { /: { ruleSets: [nope] } }\n`,
    );
    expect(new OrgPolicy(typo, RULES).forAccount(account('444444444444', '/')).ruleSetKey).toBe('*');
  });

  it('gives the repository accounts.yaml the intended shape', async () => {
    const repo = loadAccountsConfig(join(__dirname, '../../accounts.yaml')).config!;
    const policy = new OrgPolicy(repo, RULES, 'rules');
    const directory = new StaticAccountDirectory(repo);
    const paymentsProd = policy.forAccount(await directory.resolve('444455556666'));
    expect(paymentsProd.ruleSetKey).toBe('baseline+production');
    expect(paymentsProd.routes.flatMap((r) => r.to)).toEqual([
      'soc-email',
      'security-hub',
      'soc-pagerduty',
      'prod-pager',
      'prod-pager',
    ]);
    const paymentsDev = policy.forAccount(await directory.resolve('555566667777'));
    expect(paymentsDev.routes.map((r) => `${r.to.join(',')}>=${r.minLevel}`)).toEqual([
      'soc-email>=medium',
      'security-hub,soc-pagerduty>=critical',
      'dev-chat>=low',
    ]);
    expect(paymentsDev.cooldownSeconds).toBe(240 * 60);
    const sandbox = policy.forAccount(await directory.resolve('777788889999'));
    expect(sandbox.ruleSetKey).toBe('sandbox');
    expect(ids(sandbox.ruleIds)).toEqual(['iam-high']);
    expect(sandbox.routes.flatMap((r) => r.to)).toEqual(['dev-chat']);
    expect(sandbox.exceptions.map((e) => e.where)).toEqual([
      'exceptions[0]',
      'organizationalUnits./Sandbox.exceptions[0]',
    ]);
    // The break-glass role in the management account is excepted org-wide until 2027-06-30.
    const management = policy.forAccount(await directory.resolve('111111111111'));
    const sessionArn = 'arn:aws:sts::111111111111:assumed-role/BreakGlass/oncall-maria';
    const roleArn = 'arn:aws:iam::111111111111:role/BreakGlass';
    const actor = {
      type: 'AssumedRole',
      id: roleArn,
      roleArn,
      sessionArn,
      identifiers: [roleArn, sessionArn],
      display: 'x',
    };
    const input = { rule: RULES[1], record: { eventName: 'AttachRolePolicy' }, actor };
    expect(findException(input, management.exceptions, new Date('2026-11-20T11:30:12Z'))?.reason).toMatch(
      /Break-glass/,
    );
    expect(findException(input, management.exceptions, new Date('2027-07-01T00:00:00Z'))).toBeUndefined();
  });
});
