/** Tests for the accounts.yaml loader: the repository example, broken files, line numbers, paths. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { lineOf, loadAccountsConfig, parseAccountsConfig } from '../../src/org/config';
import { formatDiagnostic } from '../../src/core';

const BASE = `organization:
  id: o-abc1234567
  managementAccountId: '111111111111'
  securityAccountId: '222222222222'
  homeRegion: us-east-1
trail:
  bucket: org-trail-bucket
  accountId: '333333333333'
destinations:
  soc: { type: email, from: a@example.com, to: [b@example.com] }
`;

function errors(text: string): string[] {
  const result = parseAccountsConfig(text, 'accounts.yaml');
  expect(result.config).toBeUndefined();
  return result.diagnostics.map(formatDiagnostic);
}

describe('parseAccountsConfig', () => {
  it('loads the repository accounts.yaml with zero diagnostics', () => {
    const result = loadAccountsConfig(join(__dirname, '../../accounts.yaml'));
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([]);
    const config = result.config!;
    expect(config.organization.id).toBe('o-exampleorg1');
    expect(Object.keys(config.accounts ?? {}).length).toBeGreaterThanOrEqual(6);
    expect(config.destinations['dev-chat']).toEqual({
      type: 'webhook',
      format: 'slack',
      urlSecret: 'trailalerts/dev-chat',
    });
    expect(config.exceptions?.[0].expires).toBe('2027-06-30');
  });

  it('loads a minimal file and remembers node lines', () => {
    const result = parseAccountsConfig(BASE, 'accounts.yaml');
    expect(result.diagnostics).toEqual([]);
    expect(lineOf(result.config!, ['trail', 'accountId'])).toBe(8);
    expect(lineOf(result.config!, ['destinations', 'soc', 'to', 0])).toBe(10);
    expect(lineOf(result.config!, ['nothing', 'here'])).toBe(1);
  });

  const broken: [string, string, string][] = [
    [
      'missing required section',
      BASE.replace(/trail:\n.*\n.*\n/, ''),
      'error: accounts.yaml:1 => missing required property "trail"',
    ],
    [
      'unquoted account id',
      BASE.replace("'333333333333'", '333333333333'),
      'error: accounts.yaml:8 trail.accountId => expected string, got number 333333333333 (quote it',
    ],
    [
      'unknown top-level key',
      BASE + 'routes: []\n',
      'error: accounts.yaml:11 routes => unknown property "routes"; expected one of: organization, trail',
    ],
    [
      'unknown destination type',
      BASE + '  pager: { type: opsgenie }\n',
      'error: accounts.yaml:11 destinations.pager.type => "type" must be one of: email, sns, webhook, pagerduty, securityhub; got string "opsgenie"',
    ],
    [
      'pagerduty without its routing key secret',
      BASE + '  pager: { type: pagerduty }\n',
      'error: accounts.yaml:11 destinations.pager => missing required property "routingKeySecret"',
    ],
    [
      'pagerduty with an empty routing key secret',
      BASE + '  pager:\n    type: pagerduty\n    routingKeySecret: ""\n',
      'error: accounts.yaml:13 destinations.pager.routingKeySecret => must not be empty',
    ],
    [
      'pagerduty with the webhook property',
      BASE + '  pager: { type: pagerduty, urlSecret: x }\n',
      'error: accounts.yaml:11 destinations.pager.urlSecret => unknown property "urlSecret"; expected one of: type, routingKeySecret, serviceRegion',
    ],
    [
      'pagerduty in a service region it does not have',
      BASE +
        '  pager:\n    type: pagerduty\n    routingKeySecret: trailalerts/pagerduty\n    serviceRegion: apac\n',
      'error: accounts.yaml:14 destinations.pager.serviceRegion => expected one of: us, eu; got string "apac"',
    ],
    [
      'securityhub with a setting it does not have',
      BASE + '  hub:\n    type: securityhub\n    region: eu-west-1\n',
      'error: accounts.yaml:13 destinations.hub.region => unknown property "region"; expected one of: type',
    ],
    [
      'bad email',
      BASE + '  ops: { type: email, from: nobody, to: [x@example.com] }\n',
      'error: accounts.yaml:11 destinations.ops.from => expected an email address, got string "nobody"',
    ],
    [
      'bad SNS ARN',
      BASE + '  p:\n    type: sns\n    topicArn: my-topic\n',
      'error: accounts.yaml:13 destinations.p.topicArn => expected an SNS topic ARN',
    ],
    [
      'bad level in a route',
      BASE + 'organizationalUnits:\n  /:\n    routes:\n      - to: [soc]\n        minLevel: urgent\n',
      'error: accounts.yaml:15 organizationalUnits./.routes[0].minLevel => expected one of: informational, low, medium, high, critical; got string "urgent"',
    ],
    [
      'exception without reason',
      BASE + 'exceptions:\n  - rule: "*"\n    actors: [x]\n',
      'error: accounts.yaml:12 exceptions[0] => missing required property "reason"',
    ],
    [
      'bad expiry date',
      BASE + 'exceptions:\n  - { rule: "*", reason: r, expires: 2027-13-45 }\n',
      'error: accounts.yaml:12 exceptions[0].expires => expected a date YYYY-MM-DD or an ISO date-time, got string "2027-13-45"',
    ],
    [
      'list where a mapping is expected',
      BASE + 'accounts: [a, b]\n',
      'error: accounts.yaml:11 accounts => expected a mapping, got a list',
    ],
    [
      'duplicate account id',
      BASE + "accounts:\n  '444444444444': { name: a, ou: / }\n  '444444444444': { name: b, ou: / }\n",
      'error: accounts.yaml:13 accounts.444444444444 => duplicate account id "444444444444" (first defined on line 12)',
    ],
    [
      'account id that loses its leading zero',
      BASE + 'accounts:\n  012345678901: { name: a, ou: / }\n',
      'error: accounts.yaml:12 accounts.12345678901 => account id 012345678901 must be quoted',
    ],
    ['YAML syntax error', BASE + 'ruleSets: { a: [\n', 'error: accounts.yaml:12 => YAML syntax:'],
    ['tab indentation', BASE + 'grants:\n\ttargets: {}\n', 'error: accounts.yaml:12 => YAML syntax:'],
    [
      'undefined alias',
      BASE + 'deployment: *nothing\n',
      'error: accounts.yaml:11 deployment => YAML alias *nothing names no anchor',
    ],
    [
      'placeholder values that are not a list',
      BASE + 'placeholders: { admins: arn }\n',
      'error: accounts.yaml:11 placeholders.admins => expected a list, got string "arn"',
    ],
    ['empty file', '', 'error: accounts.yaml:1 => file is empty'],
    ['a scalar document', 'just text\n', 'error: accounts.yaml:1 => expected a mapping at the top level'],
    ['two documents', BASE + '---\nfoo: 1\n', 'error: accounts.yaml:11 => YAML syntax:'],
  ];

  it.each(broken)('reports %s with line, path and message', (_name, text, expected) => {
    const found = errors(text);
    expect(found.some((d) => d.startsWith(expected))).toBe(true);
  });

  it('reports every problem, not just the first', () => {
    const text =
      BASE.replace('homeRegion: us-east-1', 'homeRegion: 5') +
      'deployment: { mode: fast, analyzerReservedConcurrency: 0 }\n';
    const found = errors(text);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringContaining('accounts.yaml:5 organization.homeRegion => expected string, got number 5'),
        expect.stringContaining('accounts.yaml:11 deployment.mode => expected one of: pipeline, stacks'),
        expect.stringContaining(
          'accounts.yaml:11 deployment.analyzerReservedConcurrency => expected a number >= 2, got number 0',
        ),
      ]),
    );
  });

  it('resolves anchors and aliases, and refuses alias bombs', () => {
    const withAlias = BASE + 'ruleSets:\n  a: &set { rules: ["sigma/**"] }\n  b: *set\n';
    expect(parseAccountsConfig(withAlias, 'accounts.yaml').config?.ruleSets?.b).toEqual({
      rules: ['sigma/**'],
    });
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++)
      bomb.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10)
          .fill('*' + String.fromCharCode(96 + i))
          .join(', ')}]`,
      );
    const result = parseAccountsConfig(bomb.join('\n') + '\n', 'bomb.yaml');
    expect(result.config).toBeUndefined();
    expect(result.diagnostics[0].message).toMatch(/alias/i);
  });

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        const result = parseAccountsConfig(BASE.slice(0, text.length % BASE.length) + text, 'accounts.yaml');
        expect(Array.isArray(result.diagnostics)).toBe(true);
        expect(result.config !== undefined || result.diagnostics.some((d) => d.severity === 'error')).toBe(
          true,
        );
      }),
      { numRuns: 300 },
    );
  });

  it('reports a missing file by name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'accounts-'));
    const result = loadAccountsConfig(join(dir, 'nope.yaml'));
    expect(result.diagnostics[0]).toMatchObject({ severity: 'error', file: join(dir, 'nope.yaml') });
    expect(result.diagnostics[0].message).toMatch(/file not found/);
    writeFileSync(join(dir, 'ok.yaml'), BASE);
    expect(loadAccountsConfig(join(dir, 'ok.yaml')).config?.trail.bucket).toBe('org-trail-bucket');
  });
});
