/** Tests for exceptions: rule references, actors and role sessions, CIDRs, wildcards, regexes, expiry, exceptions.json. */
import {
  compileExceptions,
  exceptionLabel,
  expiryInstant,
  findException,
  judgedAt,
  loadTrailAlertsExceptions,
  type CompiledException,
} from '../../src/org/exceptions';
import { actorOf } from '../../src/cloudtrail/actor';
import type { Actor } from '../../src/cloudtrail/types';
import type { ExceptionConfig } from '../../src/org/types';
import type { CloudTrailRecord } from '../../src/core';
import type { RuleMeta } from '../../src/sigma/model';

const rule: RuleMeta = {
  id: '11111111-2222-3333-4444-555555555555',
  title: 'AWS Console Login Without MFA',
  level: 'high',
  tags: ['attack.initial-access'],
  references: [],
  falsepositives: [],
  file: 'rules/sigma/signin/console_login_no_mfa.yml',
  line: 1,
};
const otherRule: RuleMeta = {
  ...rule,
  id: 'other-id',
  title: 'S3 Bucket Made Public',
  file: 'rules/sigma/s3/public.yml',
};

function roleActor(role: string, session: string, account = '444444444444', path = ''): Actor {
  const roleArn = `arn:aws:iam::${account}:role/${path}${role}`;
  const sessionArn = `arn:aws:sts::${account}:assumed-role/${role}/${session}`;
  return {
    type: 'AssumedRole',
    id: roleArn,
    roleArn,
    sessionArn,
    accountId: account,
    identifiers: [roleArn, sessionArn],
    display: `role/${role} (session ${session})`,
  };
}
const userActor: Actor = {
  type: 'IAMUser',
  id: 'arn:aws:iam::444444444444:user/alice',
  userName: 'alice',
  accountId: '444444444444',
  identifiers: ['arn:aws:iam::444444444444:user/alice', 'alice'],
  display: 'user/alice',
};

const record = (over: CloudTrailRecord = {}): CloudTrailRecord => ({
  eventName: 'ConsoleLogin',
  awsRegion: 'us-east-1',
  sourceIPAddress: '198.51.100.7',
  userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
  ...over,
});
const NOW = new Date('2026-11-23T12:00:00Z');

function first(
  configs: ExceptionConfig[],
  actor: Actor,
  rec: CloudTrailRecord = record(),
  r: RuleMeta = rule,
  now = NOW,
): CompiledException | undefined {
  return findException({ rule: r, record: rec, actor }, compileExceptions(configs, 'exceptions'), now);
}
const base = { reason: 'known' };

describe('exceptions', () => {
  it('matches rules by title (any case), id, wildcard, path glob and *', () => {
    for (const ref of ['aws console login without mfa', rule.id, 'AWS Console*', 'sigma/signin/**', '*']) {
      expect(first([{ ...base, rule: ref }], userActor)).toBeDefined();
      if (ref !== '*')
        expect(first([{ ...base, rule: ref }], userActor, record(), otherRule)).toBeUndefined();
    }
  });

  it('matches a role ARN against its sessions, with or without a role path', () => {
    const breakGlass = [{ ...base, rule: '*', actors: ['arn:aws:iam::444444444444:role/BreakGlass'] }];
    expect(first(breakGlass, roleActor('BreakGlass', 'alice'))).toBeDefined();
    expect(first(breakGlass, roleActor('BreakGlass', 'bob', '444444444444', 'emergency/'))).toBeDefined();
    expect(first(breakGlass, roleActor('BreakGlassOther', 'alice'))).toBeUndefined();
    expect(first(breakGlass, roleActor('BreakGlass', 'alice', '555555555555'))).toBeUndefined();
    expect(first(breakGlass, userActor)).toBeUndefined();
  });

  it('matches AWSReservedSSO roles given with their path, and wildcards over the suffix', () => {
    const sso = roleActor(
      'AWSReservedSSO_AdministratorAccess_0123abcd',
      'alice@example.com',
      '444444444444',
      'aws-reserved/sso.amazonaws.com/eu-west-1/',
    );
    const byPathArn = [
      {
        ...base,
        rule: '*',
        actors: [
          'arn:aws:iam::444444444444:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_AdministratorAccess_0123abcd',
        ],
      },
    ];
    // The session ARN leaves the path out; only the session is known here.
    const sessionOnly: Actor = {
      ...sso,
      id: sso.sessionArn!,
      roleArn: undefined,
      identifiers: [sso.sessionArn!],
    };
    expect(first(byPathArn, sessionOnly)).toBeDefined();
    expect(
      first(
        [{ ...base, rule: '*', actors: ['arn:aws:iam::*:role/AWSReservedSSO_AdministratorAccess_*'] }],
        sessionOnly,
      ),
    ).toBeDefined();
    expect(
      first([{ ...base, rule: '*', actors: ['arn:aws:iam::*:role/AWSReservedSSO_ReadOnly_*'] }], sessionOnly),
    ).toBeUndefined();
  });

  it('a session ARN names only that session; assumed-role/Role names all sessions', () => {
    const one = [
      { ...base, rule: '*', actors: ['arn:aws:sts::444444444444:assumed-role/Deployer/ci-run-1'] },
    ];
    expect(first(one, roleActor('Deployer', 'ci-run-1'))).toBeDefined();
    expect(first(one, roleActor('Deployer', 'ci-run-2'))).toBeUndefined();
    const all = [{ ...base, rule: '*', actors: ['arn:aws:sts::444444444444:assumed-role/Deployer'] }];
    expect(first(all, roleActor('Deployer', 'ci-run-2'))).toBeDefined();
  });

  it('matches IPv4 and IPv6 addresses and CIDRs, including IPv4-mapped IPv6', () => {
    const cidrs = [{ ...base, rule: '*', sourceIPs: ['10.0.0.0/8', '2001:db8::/32', '192.0.2.10'] }];
    expect(first(cidrs, userActor, record({ sourceIPAddress: '10.200.3.4' }))).toBeDefined();
    expect(first(cidrs, userActor, record({ sourceIPAddress: '::ffff:10.1.2.3' }))).toBeDefined();
    expect(first(cidrs, userActor, record({ sourceIPAddress: '2001:DB8:0:1::5' }))).toBeDefined();
    expect(first(cidrs, userActor, record({ sourceIPAddress: '192.0.2.10' }))).toBeDefined();
    expect(first(cidrs, userActor, record({ sourceIPAddress: '192.0.2.11' }))).toBeUndefined();
    expect(first(cidrs, userActor, record({ sourceIPAddress: '11.0.0.1' }))).toBeUndefined();
    expect(first(cidrs, userActor, record({ sourceIPAddress: '2001:db9::1' }))).toBeUndefined();
    // Service names, shorthand forms and non-strings never match.
    expect(first(cidrs, userActor, record({ sourceIPAddress: 'ec2.amazonaws.com' }))).toBeUndefined();
    expect(first(cidrs, userActor, record({ sourceIPAddress: '10.1' }))).toBeUndefined();
    expect(first(cidrs, userActor, record({ sourceIPAddress: ['10.0.0.1'] }))).toBeUndefined();
    const mappedEntry = [{ ...base, rule: '*', sourceIPs: ['::ffff:192.0.2.1'] }];
    expect(first(mappedEntry, userActor, record({ sourceIPAddress: '192.0.2.1' }))).toBeDefined();
  });

  it('requires every given condition (AND across fields, OR within a list)', () => {
    const both = [
      {
        ...base,
        rule: '*',
        actors: ['arn:aws:iam::444444444444:user/alice'],
        sourceIPs: ['198.51.100.0/24'],
        regions: ['eu-*', 'us-east-1'],
      },
    ];
    expect(first(both, userActor)).toBeDefined();
    expect(first(both, userActor, record({ sourceIPAddress: '203.0.113.1' }))).toBeUndefined();
    expect(first(both, userActor, record({ awsRegion: 'ap-south-1' }))).toBeUndefined();
    expect(first(both, userActor, record({ awsRegion: 'eu-west-3' }))).toBeDefined();
    expect(first(both, roleActor('alice', 'x'))).toBeUndefined();
  });

  it('matches user agents and event names by wildcard, ignoring case', () => {
    const ua = [{ ...base, rule: '*', userAgents: ['*terraform/1.*'], eventNames: ['Console*'] }];
    expect(
      first(ua, userActor, record({ userAgent: 'APN/1.0 HashiCorp/1.0 Terraform/1.9.2' })),
    ).toBeDefined();
    expect(first(ua, userActor, record({ userAgent: 'aws-cli/2.15' }))).toBeUndefined();
    expect(
      first(ua, userActor, record({ userAgent: 'Terraform/1.9', eventName: 'GetObject' })),
    ).toBeUndefined();
    expect(first(ua, userActor, record({ userAgent: undefined }))).toBeUndefined();
  });

  it('matches actor patterns in linear time, and refuses constructs outside RE2', () => {
    const [safe] = compileExceptions(
      [{ ...base, rule: '*', actorPatterns: ['^arn:aws:sts::\\d{12}:assumed-role/ci-[a-z]+/'] }],
      'x',
    );
    expect(safe.problems).toEqual([]);
    expect(findException({ rule, record: record(), actor: roleActor('ci-deploy', 's1') }, [safe], NOW)).toBe(
      safe,
    );
    expect(
      findException({ rule, record: record(), actor: roleActor('Admin', 's1') }, [safe], NOW),
    ).toBeUndefined();

    const [refused] = compileExceptions([{ ...base, rule: '*', actorPatterns: ['(a)\\1', '(['] }], 'x');
    expect(refused.problems).toEqual([
      expect.stringMatching(/uses a backreference/),
      expect.stringMatching(/invalid regular expression/),
    ]);
    // Exponential on a backtracking engine; RE2 answers in one pass.
    const [nested] = compileExceptions([{ ...base, rule: '*', actorPatterns: ['^(a+)+$'] }], 'x');
    expect(nested.problems).toEqual([]);
    const attacker: Actor = {
      ...userActor,
      id: 'a'.repeat(2000) + '!',
      identifiers: ['a'.repeat(2000) + '!'],
    };
    expect(findException({ rule, record: record(), actor: attacker }, [nested], NOW)).toBeUndefined();
  });

  it('drops a leading and trailing .* from an actor pattern, with a notice', () => {
    const [e] = compileExceptions([{ ...base, rule: '*', actorPatterns: ['.*ci-deploy.*'] }], 'x');
    expect(e.problems).toEqual([]);
    expect(e.notices).toEqual([expect.stringMatching(/simplified to "ci-deploy"/)]);
    expect(findException({ rule, record: record(), actor: roleActor('ci-deploy', 's1') }, [e], NOW)).toBe(e);
  });

  it('stops applying after expiry (a date applies through that UTC day)', () => {
    const e = [{ ...base, rule: '*', expires: '2027-06-30' }];
    expect(first(e, userActor, record(), rule, new Date('2027-06-30T23:59:59Z'))).toBeDefined();
    expect(first(e, userActor, record(), rule, new Date('2027-07-01T00:00:00Z'))).toBeUndefined();
    expect(first([{ ...base, rule: '*', expires: '2026-11-23T11:00:00Z' }], userActor)).toBeUndefined();
    const [bad] = compileExceptions([{ ...base, rule: '*', expires: 'soon' }], 'x');
    expect(bad.problems[0]).toMatch(/not a date/);
    expect(findException({ rule, record: record(), actor: userActor }, [bad], NOW)).toBeUndefined();
    expect(expiryInstant('2027-02-30')?.toISOString()).toBe('2027-03-03T00:00:00.000Z');
  });

  it("judges expiry at the event's time; without a usable eventTime, at processing time", () => {
    const now = new Date('2027-08-01T00:00:00Z');
    expect(judgedAt(record({ eventTime: '2027-06-30T10:00:00Z' }), now).toISOString()).toBe(
      '2027-06-30T10:00:00.000Z',
    );
    for (const eventTime of [undefined, 'yesterday', 42, `2027-06-30T10:00:00Z${' '.repeat(80)}`])
      expect(judgedAt(record({ eventTime }), now)).toBe(now);
    const e = [{ ...base, rule: '*', expires: '2027-06-30' }];
    const during = record({ eventTime: '2027-06-30T10:00:00Z' });
    expect(first(e, userActor, during, rule, judgedAt(during, now))).toBeDefined();
  });

  it('treats an empty list or invalid values as matching nothing', () => {
    expect(first([{ ...base, rule: '*', actors: [] }], userActor)).toBeUndefined();
    const [bad] = compileExceptions([{ ...base, rule: '*', sourceIPs: ['10.0.0.0/33', 'not-an-ip'] }], 'x');
    expect(bad.problems).toHaveLength(2);
    expect(
      findException({ rule, record: record({ sourceIPAddress: '10.0.0.1' }), actor: userActor }, [bad], NOW),
    ).toBeUndefined();
  });

  it('labels an exception with where it was defined and why', () => {
    const [e] = compileExceptions([{ rule: '*', reason: 'office VPN' }], {
      where: 'organizationalUnits./Sandbox.exceptions',
      file: 'accounts.yaml',
      lineOf: (i) => 40 + i,
    });
    expect(exceptionLabel(e)).toBe(
      'exception accounts.yaml:40 organizationalUnits./Sandbox.exceptions[0] (rule "*"): office VPN',
    );
  });
});

describe('loadTrailAlertsExceptions', () => {
  const json = JSON.stringify(
    {
      'AWS Console Login Without MFA': {
        excludedActors: ['arn:aws:iam::444444444444:role/BreakGlass'],
        excludedSourceIPs: ['203.0.113.0/24'],
        excludedActorsRegex: ['^arn:aws:iam::\\d+:user/svc-'],
      },
      'S3 Bucket Made Public': { excludedActors: [], excludedSourceIPs: [] },
    },
    null,
    2,
  );

  it('loads each list as its own org-wide exception (any list excludes, as in TrailAlerts)', () => {
    const { exceptions, diagnostics } = loadTrailAlertsExceptions(json, 'exceptions.json');
    expect(diagnostics).toEqual([]);
    expect(exceptions).toHaveLength(3);
    expect(exceptions.every((e) => e.reason === 'imported from exceptions.json')).toBe(true);
    const svc: Actor = {
      ...userActor,
      id: 'arn:aws:iam::444444444444:user/svc-backup',
      identifiers: ['arn:aws:iam::444444444444:user/svc-backup'],
    };
    expect(
      findException({ rule, record: record(), actor: roleActor('BreakGlass', 's') }, exceptions, NOW)?.where,
    ).toContain('excludedActors');
    expect(
      findException(
        { rule, record: record({ sourceIPAddress: '203.0.113.9' }), actor: userActor },
        exceptions,
        NOW,
      )?.where,
    ).toContain('excludedSourceIPs');
    expect(findException({ rule, record: record(), actor: svc }, exceptions, NOW)?.where).toContain(
      'excludedActorsRegex',
    );
    expect(findException({ rule, record: record(), actor: userActor }, exceptions, NOW)).toBeUndefined();
    expect(
      findException(
        { rule: otherRule, record: record(), actor: roleActor('BreakGlass', 's') },
        exceptions,
        NOW,
      ),
    ).toBeUndefined();
  });

  it('reports broken files with the line and the entry, never throwing', () => {
    expect(
      loadTrailAlertsExceptions('{\n  "a": {\n    "excludedActors": [1,]\n  }\n}', 'exceptions.json')
        .diagnostics[0],
    ).toMatchObject({ severity: 'error', line: 3 });
    expect(loadTrailAlertsExceptions('[]', 'exceptions.json').diagnostics[0].message).toMatch(
      /keyed by rule title/,
    );
    const odd = loadTrailAlertsExceptions(
      JSON.stringify({ r: { excludedActors: 'x', excludedIPs: [], excludedActorsRegex: ['(?=b)'] }, s: 5 }),
      'exceptions.json',
    );
    expect(odd.diagnostics.map((d) => `${d.severity} ${d.path}`)).toEqual(
      expect.arrayContaining([
        'warning r.excludedIPs',
        'error r.excludedActors',
        'error r.excludedActorsRegex',
        'error s',
      ]),
    );
  });
});

describe('exceptions with actors derived from CloudTrail records (actorOf)', () => {
  const ssoRecord: CloudTrailRecord = {
    eventName: 'CreateAccessKey',
    sourceIPAddress: '198.51.100.7',
    userIdentity: {
      type: 'AssumedRole',
      principalId: 'AROAEXAMPLEID:alice@example.com',
      arn: 'arn:aws:sts::444444444444:assumed-role/AWSReservedSSO_AdministratorAccess_0123456789abcdef/alice@example.com',
      accountId: '444444444444',
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: 'AROAEXAMPLEID',
          arn: 'arn:aws:iam::444444444444:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_AdministratorAccess_0123456789abcdef',
          accountId: '444444444444',
          userName: 'AWSReservedSSO_AdministratorAccess_0123456789abcdef',
        },
      },
    },
  };

  it('matches an SSO permission set role, its wildcard and its session', () => {
    const actor = actorOf(ssoRecord);
    const on = (actors: string[]) =>
      findException(
        { rule, record: ssoRecord, actor },
        compileExceptions([{ ...base, rule: '*', actors }], 'x'),
        NOW,
      );
    expect(
      on(['arn:aws:iam::444444444444:role/AWSReservedSSO_AdministratorAccess_0123456789abcdef']),
    ).toBeDefined();
    expect(
      on([
        'arn:aws:iam::444444444444:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_AdministratorAccess_*',
      ]),
    ).toBeDefined();
    expect(
      on([
        'arn:aws:sts::444444444444:assumed-role/AWSReservedSSO_AdministratorAccess_0123456789abcdef/alice@example.com',
      ]),
    ).toBeDefined();
    expect(
      on([
        'arn:aws:sts::444444444444:assumed-role/AWSReservedSSO_AdministratorAccess_0123456789abcdef/bob@example.com',
      ]),
    ).toBeUndefined();
    expect(on(['arn:aws:iam::444444444444:role/AWSReservedSSO_ReadOnlyAccess_*'])).toBeUndefined();
  });
});
