/** Tests for the semantic validator of accounts.yaml: each mistake with its line, path and message. */
import { join } from 'node:path';
import { loadAccountsConfig, parseAccountsConfig } from '../../lambdas/org/config';
import { validateAccountsConfig } from '../../lambdas/org/validate';
import { formatDiagnostic, type RuleMeta } from '../../lambdas/sigma/model';

const RULES: RuleMeta[] = [
  {
    id: 'r1',
    title: 'AWS Console Login Without MFA',
    level: 'high',
    tags: ['attack.t1078'],
    references: [],
    falsepositives: [],
    file: 'rules/sigma/signin/a.yml',
    line: 1,
  },
  {
    id: 'r2',
    title: 'S3 Bucket Made Public',
    level: 'medium',
    tags: [],
    references: [],
    falsepositives: [],
    file: 'rules/sigma/s3/b.yml',
    line: 1,
  },
];
const NOW = new Date('2026-11-23T12:00:00Z');

const BASE = `organization: { id: o-abc1234567, managementAccountId: '111111111111', securityAccountId: '222222222222', homeRegion: us-east-1 }
trail: { bucket: org-trail, accountId: '333333333333' }
destinations:
  soc: { type: email, from: a@example.com, to: [b@example.com] }
ruleSets:
  base: { rules: ['sigma/**'] }
`;

function validate(extra: string, rules: RuleMeta[] | 'none' = RULES): string[] {
  const loaded = parseAccountsConfig(BASE + extra, 'accounts.yaml');
  expect(loaded.diagnostics.map(formatDiagnostic)).toEqual([]);
  return validateAccountsConfig(loaded.config!, {
    rules: rules === 'none' ? undefined : rules,
    now: NOW,
    file: 'accounts.yaml',
    rulesRoot: 'rules',
  }).map(formatDiagnostic);
}

describe('validateAccountsConfig', () => {
  it('finds nothing wrong in a correct file', () => {
    expect(
      validate(
        `organizationalUnits:\n  /:\n    ruleSets: [base]\n    routes: [{ to: [soc], rules: ['AWS Console*'] }]\n`,
      ),
    ).toEqual([]);
  });

  it('finds nothing wrong in the repository accounts.yaml (given rules under sigma/ and correlations/)', () => {
    const config = loadAccountsConfig(join(__dirname, '../../accounts.yaml')).config!;
    const rules = [...RULES, { ...RULES[0], id: 'c1', file: 'rules/correlations/c.yml' }];
    expect(
      validateAccountsConfig(config, { rules, now: NOW, file: 'accounts.yaml', rulesRoot: 'rules' }).map(
        formatDiagnostic,
      ),
    ).toEqual([]);
  });

  const cases: [string, string, string][] = [
    [
      'unknown destination',
      'organizationalUnits:\n  /Prod:\n    routes:\n      - to: [soc, pager]\n',
      'error: accounts.yaml:10 organizationalUnits./Prod.routes[0].to[1] => unknown destination "pager"; expected one of: soc',
    ],
    [
      'unknown rule set',
      "accounts:\n  '444444444444': { name: a, ou: /, ruleSets: [base, prod] }\n",
      'error: accounts.yaml:8 accounts.444444444444.ruleSets[1] => unknown rule set "prod"; expected one of: base',
    ],
    [
      'OU key that does not parse',
      'organizationalUnits:\n  Workloads/Prod: { cooldownMinutes: 5 }\n',
      'error: accounts.yaml:8 organizationalUnits.Workloads/Prod => "Workloads/Prod" is neither an OU path',
    ],
    [
      'OU path with an empty segment',
      "accounts:\n  '444444444444': { name: a, ou: /Workloads//Prod }\n",
      'error: accounts.yaml:8 accounts.444444444444.ou => "/Workloads//Prod" is neither an OU path',
    ],
    [
      'bad OU id mapping',
      'organizationalUnits:\n  /Prod: { id: ou-x }\n',
      'error: accounts.yaml:8 organizationalUnits./Prod.id => "ou-x" is not an OU id',
    ],
    [
      'account id not 12 digits',
      "accounts:\n  '4444': { name: a, ou: / }\n",
      'error: accounts.yaml:8 accounts.4444 => expected a 12-digit AWS account id as key, got "4444"',
    ],
    [
      'exception rule that matches no rule',
      "exceptions:\n  - { rule: 'Console Login', actors: [x], reason: r }\n",
      'error: accounts.yaml:8 exceptions[0].rule => rule "Console Login" matches no rule',
    ],
    [
      'route rule that matches no rule',
      "organizationalUnits:\n  /:\n    routes: [{ to: [soc], rules: ['sigma/iam/**'] }]\n",
      'error: accounts.yaml:9 organizationalUnits./.routes[0].rules[0] => rule "sigma/iam/**" matches no rule',
    ],
    [
      'blank reason',
      "exceptions:\n  - rule: '*'\n    actors: [x]\n    reason: '  '\n",
      'error: accounts.yaml:10 exceptions[0].reason => every exception needs a reason',
    ],
    [
      'expired exception',
      "exceptions:\n  - { rule: '*', actors: [x], reason: r, expires: 2026-01-31 }\n",
      'warning: accounts.yaml:8 exceptions[0].expires => expired on 2026-01-31',
    ],
    [
      'catastrophic regex',
      "organizationalUnits:\n  /:\n    exceptions:\n      - rule: '*'\n        reason: r\n        actorPatterns: ['^(a+)+$']\n",
      'error: accounts.yaml:12 organizationalUnits./.exceptions[0].actorPatterns[0] => regular expression can backtrack catastrophically',
    ],
    [
      'invalid regex',
      "exceptions:\n  - { rule: '*', reason: r, actorPatterns: ['(unclosed'] }\n",
      'error: accounts.yaml:8 exceptions[0].actorPatterns[0] => invalid regular expression',
    ],
    [
      'invalid CIDR',
      "exceptions:\n  - rule: '*'\n    reason: r\n    sourceIPs: [10.0.0.0/8, 10.0.0.0/40, '2001:db8::/129', 300.1.1.1]\n",
      'error: accounts.yaml:10 exceptions[0].sourceIPs[1] => "10.0.0.0/40" is not a valid CIDR',
    ],
    [
      'catch-all exception',
      "exceptions:\n  - { rule: '*', reason: everything is fine }\n",
      'error: accounts.yaml:8 exceptions[0] => an exception for every rule needs at least one condition',
    ],
    [
      'account in an OU id with no known path',
      "accounts:\n  '444444444444': { name: a, ou: ou-ab12-34567890 }\n",
      'warning: accounts.yaml:8 accounts.444444444444.ou => OU id ou-ab12-34567890 has no path in organizationalUnits',
    ],
    [
      'pipeline without a source',
      'pipeline: { branch: main }\n',
      'error: accounts.yaml:7 pipeline => expected connectionArn and repository',
    ],
    [
      'grant target that is not an OU id',
      'grants: { targets: { organizationalUnits: [/Security] } }\n',
      'error: accounts.yaml:7 grants.targets.organizationalUnits[0] => "/Security" is not an OU id',
    ],
  ];

  it.each(cases)('reports %s', (_name, extra, expected) => {
    expect(validate(extra)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^${expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`)),
      ]),
    );
  });

  it('reports a second destinations block as a duplicate key, and a webhook URL in place of a secret', () => {
    const loaded = parseAccountsConfig(
      BASE.replace(
        'destinations:\n',
        'destinations:\n  chat: { type: webhook, format: slack, urlSecret: "https://hooks.slack.com/services/T/B/X" }\n',
      ),
      'accounts.yaml',
    );
    const found = validateAccountsConfig(loaded.config!, {
      rules: RULES,
      now: NOW,
      file: 'accounts.yaml',
    }).map(formatDiagnostic);
    expect(found).toEqual([
      'error: accounts.yaml:4 destinations.chat.urlSecret => must name a Secrets Manager secret that holds the URL, not the URL itself',
    ]);
  });

  it('reports account ids and the organization id by line', () => {
    const loaded = parseAccountsConfig(
      BASE.replace("'111111111111'", "'11111111111x'")
        .replace('o-abc1234567', 'o-ABC')
        .replace('us-east-1', 'Virginia'),
      'accounts.yaml',
    );
    const found = validateAccountsConfig(loaded.config!, { now: NOW, file: 'accounts.yaml' }).map(
      formatDiagnostic,
    );
    expect(found).toEqual([
      'error: accounts.yaml:1 organization.id => expected an organization id like o-abcd123456, got "o-ABC"',
      'error: accounts.yaml:1 organization.managementAccountId => expected a 12-digit AWS account id, got "11111111111x"',
      'error: accounts.yaml:1 organization.homeRegion => expected an AWS region like us-east-1, got "Virginia"',
    ]);
  });

  it('warns about rule-set selectors that match nothing, and refuses unknown levels', () => {
    expect(validate("  x: { rules: ['sigma/none/**', 'tag:attack.t9999', 'level:severe'] }\n")).toEqual([
      'warning: accounts.yaml:7 ruleSets.x.rules[0] => selector "sigma/none/**" matches no rule (expected a path glob relative to the rules directory, a rule id or title, tag:… or level:…)',
      'warning: accounts.yaml:7 ruleSets.x.rules[1] => no rule has tag "attack.t9999"',
      'error: accounts.yaml:7 ruleSets.x.rules[2] => unknown level "severe"; expected one of: informational, low, medium, high, critical',
    ]);
  });

  it('reports a trail prefix with slashes', () => {
    const loaded = parseAccountsConfig(
      BASE.replace("accountId: '333333333333'", "accountId: '333333333333', prefix: 'org/'"),
      'accounts.yaml',
    );
    expect(
      validateAccountsConfig(loaded.config!, { file: 'accounts.yaml', now: NOW }).map(formatDiagnostic),
    ).toEqual([
      'error: accounts.yaml:2 trail.prefix => expected the key prefix before AWSLogs/ without leading or trailing "/", got "org/"',
    ]);
  });

  it('does not check rule references without rules', () => {
    expect(validate("exceptions:\n  - { rule: 'Nope', actors: [x], reason: r }\n", 'none')).toEqual([]);
  });
});
