/** Tests for the semantic validator of accounts.yaml: each mistake with its line, path and message. */
import { join } from 'node:path';
import { loadAccountsConfig, parseAccountsConfig } from '../../src/org/config';
import { closest, editDistance } from '../../src/org/did-you-mean';
import { validateAccountsConfig } from '../../src/org/validate';
import { formatDiagnostic } from '../../src/core';
import { type RuleMeta } from '../../src/sigma/model';

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
      'regex outside RE2',
      "organizationalUnits:\n  /:\n    exceptions:\n      - rule: '*'\n        reason: r\n        actorPatterns: ['^(?!ci-)']\n",
      'error: accounts.yaml:12 organizationalUnits./.exceptions[0].actorPatterns[0] => regular expression uses a negative lookahead `(?!`',
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

  it('reports each PagerDuty routing key secret that is not a secret name, and a second Security Hub', () => {
    const key = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
    const loaded = parseAccountsConfig(
      BASE.replace(
        'destinations:\n',
        [
          'destinations:',
          '  pd-ok: { type: pagerduty, routingKeySecret: trailalerts/pagerduty }',
          '  pd-arn: { type: pagerduty, routingKeySecret: "arn:aws:secretsmanager:us-east-1:222222222222:secret:pd-AbCdEf" }',
          `  pd-key: { type: pagerduty, routingKeySecret: ${key} }`,
          '  pd-url: { type: pagerduty, routingKeySecret: "https://events.pagerduty.com/v2/enqueue" }',
          '  pd-name: { type: pagerduty, routingKeySecret: "my key" }',
          '  pd-badarn: { type: pagerduty, routingKeySecret: "arn:aws:ssm:us-east-1:222222222222:parameter/pd" }',
          '  hub: { type: securityhub }',
          '  hub-again:',
          '    type: securityhub',
          '',
        ].join('\n'),
      ),
      'accounts.yaml',
    );
    expect(loaded.diagnostics.map(formatDiagnostic)).toEqual([]);
    const found = validateAccountsConfig(loaded.config!, { now: NOW, file: 'accounts.yaml' }).map(
      formatDiagnostic,
    );
    expect(found).toEqual([
      'error: accounts.yaml:6 destinations.pd-key.routingKeySecret => looks like a routing key: name the Secrets Manager secret that holds it, never the key itself',
      'error: accounts.yaml:7 destinations.pd-url.routingKeySecret => must name a Secrets Manager secret that holds the routing key, not a URL',
      'error: accounts.yaml:8 destinations.pd-name.routingKeySecret => expected a Secrets Manager secret name (letters, digits and /_+=.@-, at most 512 characters)',
      'error: accounts.yaml:9 destinations.pd-badarn.routingKeySecret => expected a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)',
      'warning: accounts.yaml:11 destinations.hub-again => a second securityhub destination (the first is "hub"): both import the same findings into the security account; route to one',
    ]);
    // The key itself is never repeated in a diagnostic.
    expect(found.join('\n')).not.toContain(key);
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

  it('accepts rule references to GuardDuty finding types, which no rule file defines', () => {
    expect(
      validate(
        "organizationalUnits:\n  /:\n    routes: [{ to: [soc], rules: ['guardduty:*'] }]\n" +
          "exceptions:\n  - { rule: 'GuardDuty:Recon:EC2/PortProbeUnprotectedPort', actors: [x], reason: r }\n",
      ),
    ).toEqual([]);
  });

  it('does not check rule references without rules', () => {
    expect(validate("exceptions:\n  - { rule: 'Nope', actors: [x], reason: r }\n", 'none')).toEqual([]);
  });
});

describe('validateAccountsConfig: the silent mistakes', () => {
  const ORG = `organizationalUnits:
  /:
    routes: [{ to: [soc] }]
  /Workloads/Production:
    ruleSets: [base]
    routes: [{ to: [soc] }]
`;

  it('warns about an OU key that matches no account, with the account OU it was meant to be', () => {
    const found = validate(
      `${ORG.replace('/Workloads/Production:', '/Workloads/Prodcution:')}accounts:\n  '444444444444': { name: prod, ou: /Workloads/Production }\n`,
    );
    expect(found).toContain(
      'warning: accounts.yaml:10 organizationalUnits./Workloads/Prodcution => OU /Workloads/Prodcution matches no account in accounts: and no ancestor of one, so its settings (rule sets, routes, exceptions) apply to nothing; did you mean /Workloads/Production?',
    );
    // And from the account's side: it now gets only the settings of /.
    expect(found).toContain(
      'warning: accounts.yaml:14 accounts.444444444444.ou => OU /Workloads/Production has no entry in organizationalUnits, nor has any OU above it but /, so the account gets only the settings of /; did you mean /Workloads/Prodcution? (if the OU is right, add "/Workloads/Production: {}" to organizationalUnits)',
    );
  });

  it('warns about an OU key that matches nothing even without a close name', () => {
    expect(validate(`${ORG}  /Retired:\n    cooldownMinutes: 5\n`)).toContain(
      'warning: accounts.yaml:13 organizationalUnits./Retired => OU /Retired matches no account in accounts: and no ancestor of one, so its settings (rule sets, routes, exceptions) apply to nothing; expected the OU path of an account or of an OU above one',
    );
  });

  it('accepts OU keys that are an ancestor of an account, or an OU id an account names', () => {
    const extra = `${ORG}  /Workloads:\n    cooldownMinutes: 5\n  ou-ab12-34567890:\n    path: /Workloads/Production/Payments\n  ou-cd34-34567890:\n    cooldownMinutes: 1\naccounts:\n  '444444444444': { name: prod, ou: ou-ab12-34567890 }\n  '555555555555': { name: dev, ou: ou-cd34-34567890 }\n`;
    expect(validate(extra).filter((d) => !d.includes('has no path'))).toEqual([]);
  });

  it('accepts an account in an OU without an entry that inherits from /', () => {
    expect(
      validate(
        `${ORG}accounts:\n  '444444444444': { name: staging, ou: /Workloads/Staging }\n  '555555555555': { name: prod, ou: /Workloads/Production }\n`,
      ),
    ).toEqual([]);
  });

  it('warns about an account whose OU is a near miss of an OU entry', () => {
    expect(
      validate(`${ORG}accounts:\n  '444444444444': { name: prod, ou: /workloads/production }\n`),
    ).toEqual([
      'warning: accounts.yaml:10 organizationalUnits./Workloads/Production => OU /Workloads/Production matches no account in accounts: and no ancestor of one, so its settings (rule sets, routes, exceptions) apply to nothing; did you mean /workloads/production?',
      'warning: accounts.yaml:14 accounts.444444444444.ou => OU /workloads/production has no entry in organizationalUnits, nor has any OU above it but /, so the account gets only the settings of /; did you mean /Workloads/Production? (if the OU is right, add "/workloads/production: {}" to organizationalUnits)',
    ]);
  });

  it('warns about an account no route applies to, with a close OU entry when there is one', () => {
    const noRootRoutes = ORG.replace(
      '  /:\n    routes: [{ to: [soc] }]\n',
      '  /:\n    cooldownMinutes: 30\n',
    );
    expect(
      validate(
        `${noRootRoutes}accounts:\n  '444444444444': { name: prod, ou: /Workloads/Prodution }\n  '555555555555': { name: lab, ou: /Lab }\n  '666666666666': { name: real-prod, ou: /Workloads/Production }\n`,
      ),
    ).toEqual([
      'warning: accounts.yaml:14 accounts.444444444444.ou => no route applies to account 444444444444 (OU /Workloads/Prodution): its alerts are counted as unrouted and never sent; did you mean /Workloads/Production?',
      'warning: accounts.yaml:15 accounts.555555555555.ou => no route applies to account 555555555555 (OU /Lab): its alerts are counted as unrouted and never sent; expected routes on its OU, an OU above it, the account or organizationalUnits./',
    ]);
  });

  it('takes routes of the account entry itself into account', () => {
    expect(
      validate(
        `organizationalUnits:\n  /:\n    cooldownMinutes: 30\naccounts:\n  '444444444444': { name: a, ou: /Lab, routes: [{ to: [soc] }] }\n`,
      ),
    ).toEqual([]);
  });

  it('with accounts from AWS Organizations, reports an unused OU entry only when it is a near miss', () => {
    const source = BASE.replace(
      'homeRegion: us-east-1 }',
      'homeRegion: us-east-1, accountDirectory: { source: organizations } }',
    );
    const run = (extra: string) => {
      const loaded = parseAccountsConfig(source + extra, 'accounts.yaml');
      expect(loaded.diagnostics).toEqual([]);
      return validateAccountsConfig(loaded.config!, {
        rules: RULES,
        now: NOW,
        file: 'accounts.yaml',
        rulesRoot: 'rules',
      }).map(formatDiagnostic);
    };
    expect(run(ORG)).toEqual([]);
    expect(
      run(
        `${ORG.replace('/Workloads/Production:', '/Workloads/Prodcution:')}accounts:\n  '444444444444': { name: prod, ou: /Workloads/Production }\n`,
      ),
    ).toContain(
      'warning: accounts.yaml:10 organizationalUnits./Workloads/Prodcution => OU /Workloads/Prodcution matches no account in accounts: and no ancestor of one, so its settings (rule sets, routes, exceptions) apply to nothing; did you mean /Workloads/Production?',
    );
  });

  it('suggests the rule, folder or tag a selector that selects nothing was meant to name', () => {
    expect(
      validate(
        "  x: { rules: ['AWS Console Login Without MAF', 'sigma/sigin/**', 'tag:attack.t1087'], exclude: ['sigma/s3/c.yml'] }\n",
      ),
    ).toEqual([
      'warning: accounts.yaml:7 ruleSets.x.rules[0] => selector "AWS Console Login Without MAF" matches no rule (expected a path glob relative to the rules directory, a rule id or title, tag:… or level:…); did you mean "AWS Console Login Without MFA"?',
      'warning: accounts.yaml:7 ruleSets.x.rules[1] => selector "sigma/sigin/**" matches no rule (expected a path glob relative to the rules directory, a rule id or title, tag:… or level:…); did you mean sigma/signin/**?',
      'warning: accounts.yaml:7 ruleSets.x.rules[2] => no rule has tag "attack.t1087"; did you mean attack.t1078?',
      'warning: accounts.yaml:7 ruleSets.x.exclude[0] => selector "sigma/s3/c.yml" matches no rule (expected a path glob relative to the rules directory, a rule id or title, tag:… or level:…); did you mean sigma/s3/b.yml?',
    ]);
  });

  it('gives the line of each selector written as a block list', () => {
    expect(validate("  y:\n    rules:\n      - 'sigma/**'\n      - 'S3 Bucket Made Publik'\n")).toEqual([
      'warning: accounts.yaml:10 ruleSets.y.rules[1] => selector "S3 Bucket Made Publik" matches no rule (expected a path glob relative to the rules directory, a rule id or title, tag:… or level:…); did you mean "S3 Bucket Made Public"?',
    ]);
  });

  it('suggests a rule for route and exception references that match nothing', () => {
    expect(validate("exceptions:\n  - { rule: 'S3 Bucket Made Pubic', actors: [x], reason: r }\n")).toEqual([
      'error: accounts.yaml:8 exceptions[0].rule => rule "S3 Bucket Made Pubic" matches no rule; did you mean "S3 Bucket Made Public"?',
    ]);
  });
});

describe('did you mean', () => {
  it('counts a swap of neighbouring letters as one edit', () => {
    expect(editDistance('prodcution', 'production')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });

  it('suggests only names close enough to be a typo, ignoring case', () => {
    expect(closest('/Workloads/Prodcution', ['/Workloads/Development', '/Workloads/Production'])).toBe(
      '/Workloads/Production',
    );
    expect(closest('/SANDBOX', ['/Sandbox'])).toBe('/Sandbox');
    expect(closest('/Dev', ['/Sec', '/Prod'])).toBeUndefined();
    expect(closest('/Workloads/Staging', ['/Workloads/Production'])).toBeUndefined();
    expect(closest('x'.repeat(500), ['x'.repeat(499)])).toBeUndefined();
  });
});
