/** Retro-hunt planning: time parsing, day folders, account selection by OU, regions, prefixes. */
import { parseAccountsConfig } from '../../src/org/config';
import type { AccountsConfig } from '../../src/org/types';
import {
  dayFolders,
  HuntPlanError,
  MAX_HUNT_DAYS,
  parseDayPrefix,
  parseHuntTime,
  parsePrefixList,
  planHunt,
  selectAccounts,
  selectRegions,
  trailLogsRoot,
} from '../../src/hunt/plan';

const CONFIG = `
organization: { id: o-testorg0001, managementAccountId: '111111111111', securityAccountId: '222222222222', homeRegion: us-east-1 }
trail: { bucket: trail, accountId: '333333333333', prefix: org-logs, regions: [us-east-1, eu-west-1] }
destinations: { soc: { type: email, from: a@example.com, to: [b@example.com] } }
organizationalUnits:
  /: { routes: [{ to: [soc] }] }
  /Workloads/Production: { id: ou-ab12-prod0001 }
accounts:
  '444444444444': { name: prod-a, ou: /Workloads/Production }
  '555555555555': { name: prod-b, ou: ou-ab12-prod0001 }
  '666666666666': { name: dev, ou: /Workloads/Dev }
  '777777777777': { name: sandbox, ou: /Sandbox }
`;

function config(text = CONFIG): AccountsConfig {
  const { config: c, diagnostics } = parseAccountsConfig(text, 'accounts.yaml');
  if (!c) throw new Error(diagnostics.map((d) => d.message).join('; '));
  return c;
}

describe('parseHuntTime', () => {
  it('reads a date as the start or the end of that UTC day', () => {
    expect(parseHuntTime('--since', '2026-08-01', 'start')).toBe('2026-08-01T00:00:00.000Z');
    expect(parseHuntTime('--until', '2026-08-01', 'end')).toBe('2026-08-01T23:59:59.999Z');
    expect(parseHuntTime('--until', '2026-08-01T10:00:00+02:00', 'end')).toBe('2026-08-01T08:00:00.000Z');
  });

  it.each(['yesterday', '', '08/01/2026', '2026-13-45'])('refuses "%s" naming the option', (value) => {
    expect(() => parseHuntTime('--since', value, 'start')).toThrow(/--since: expected an ISO date/);
  });
});

describe('dayFolders', () => {
  it('covers since through the day after a whole-day until (late deliveries)', () => {
    expect(dayFolders('2026-02-27T05:00:00.000Z', '2026-03-01T23:59:59.999Z')).toEqual([
      '2026/02/27',
      '2026/02/28',
      '2026/03/01',
      '2026/03/02',
    ]);
  });

  it('leaves out the next day when no late delivery of the window can land in it', () => {
    expect(dayFolders('2026-03-01T10:00:00.000Z', '2026-03-01T11:00:00.000Z')).toEqual(['2026/03/01']);
    expect(dayFolders('2026-03-01T10:00:00.000Z', '2026-03-01T23:30:00.000Z')).toEqual([
      '2026/03/01',
      '2026/03/02',
    ]);
  });

  it('refuses reversed and over-long ranges', () => {
    expect(() => dayFolders('2026-03-02T00:00:00.000Z', '2026-03-01T00:00:00.000Z')).toThrow(
      /before --since/,
    );
    expect(() => dayFolders('2025-01-01T00:00:00.000Z', '2026-12-31T00:00:00.000Z')).toThrow(
      new RegExp(`at most ${MAX_HUNT_DAYS}`),
    );
  });
});

describe('selectAccounts', () => {
  it('takes every listed account by default', () => {
    expect(selectAccounts(config())).toEqual([
      '444444444444',
      '555555555555',
      '666666666666',
      '777777777777',
    ]);
  });

  it('selects accounts under an OU path, including accounts that name the OU by id', () => {
    expect(selectAccounts(config(), ['/Workloads/Production'])).toEqual(['444444444444', '555555555555']);
    expect(selectAccounts(config(), ['/Workloads'])).toEqual([
      '444444444444',
      '555555555555',
      '666666666666',
    ]);
    expect(selectAccounts(config(), ['ou-ab12-prod0001'])).toEqual(['444444444444', '555555555555']);
  });

  it('adds --account ids, also ones accounts.yaml does not list', () => {
    expect(selectAccounts(config(), ['/Sandbox'], ['999999999999'])).toEqual([
      '777777777777',
      '999999999999',
    ]);
    expect(selectAccounts(config(), [], ['999999999999'])).toEqual(['999999999999']);
  });

  it('explains what is wrong with a selection', () => {
    expect(() => selectAccounts(config(), ['/Nowhere'])).toThrow(
      '--ou /Nowhere: accounts.yaml lists no account in this OU',
    );
    expect(() => selectAccounts(config(), ['Workloads'])).toThrow(/expected an OU path/);
    expect(() => selectAccounts(config(), ['ou-zz99-unknown01'])).toThrow(/no organizationalUnits entry/);
    expect(() => selectAccounts(config(), [], ['12345'])).toThrow(/12-digit account id, got "12345"/);
    const empty = config(CONFIG.slice(0, CONFIG.indexOf('accounts:')));
    expect(() => selectAccounts(empty)).toThrow(/lists no accounts; name them with --account/);
  });
});

describe('selectRegions', () => {
  it('prefers --regions, else trail.regions, and refuses bad or missing ones', () => {
    expect(selectRegions(config())).toEqual(['eu-west-1', 'us-east-1']);
    expect(selectRegions(config(), ['ap-southeast-2'])).toEqual(['ap-southeast-2']);
    expect(() => selectRegions(config(), ['mars-1'])).toThrow(/expected a region/);
    const noRegions = config(CONFIG.replace(', regions: [us-east-1, eu-west-1]', ''));
    expect(() => selectRegions(noRegions)).toThrow(/--regions/);
  });
});

describe('planHunt', () => {
  it('builds account × region × day prefixes under the trail prefix and org id', () => {
    const plan = planHunt(config(), {
      since: '2026-08-01',
      until: '2026-08-02',
      ous: ['/Workloads/Production'],
      regions: ['us-east-1'],
      rules: [' Stop Logging ', ''],
      mode: 'report',
    });
    expect(trailLogsRoot(config())).toBe('org-logs/AWSLogs/o-testorg0001/');
    expect(plan).toMatchObject({
      since: '2026-08-01T00:00:00.000Z',
      until: '2026-08-02T23:59:59.999Z',
      mode: 'report',
      rules: ['Stop Logging'],
      accounts: ['444444444444', '555555555555'],
      regions: ['us-east-1'],
      days: ['2026/08/01', '2026/08/02', '2026/08/03'],
    });
    expect(plan.prefixes).toHaveLength(6);
    expect(plan.prefixes[0]).toBe(
      'org-logs/AWSLogs/o-testorg0001/444444444444/CloudTrail/us-east-1/2026/08/01/',
    );
    expect(plan.prefixes[5]).toBe(
      'org-logs/AWSLogs/o-testorg0001/555555555555/CloudTrail/us-east-1/2026/08/03/',
    );
  });

  it('has no rules field when every rule runs, and no prefix without a trail prefix', () => {
    const plan = planHunt(config(CONFIG.replace(' prefix: org-logs,', '')), {
      since: '2026-08-01',
      until: '2026-08-01',
      accounts: ['444444444444'],
      mode: 'alert',
    });
    expect(plan.rules).toBeUndefined();
    expect(plan.prefixes).toContain('AWSLogs/o-testorg0001/444444444444/CloudTrail/eu-west-1/2026/08/01/');
  });

  it('throws HuntPlanError for bad input', () => {
    expect(() => planHunt(config(), { since: 'x', until: '2026-08-01', mode: 'report' })).toThrow(
      HuntPlanError,
    );
  });
});

describe('explicit prefixes', () => {
  const root = 'org-logs/AWSLogs/o-testorg0001/';
  const day = (account: string, region: string, d: string) => `${root}${account}/CloudTrail/${region}/${d}/`;

  it('plans exactly the given day folders, deduplicated and sorted, with the window checked', () => {
    const plan = planHunt(config(), {
      since: '2026-08-01T06:00:00Z',
      until: '2026-08-02',
      mode: 'alert',
      rules: ['CloudTrail*'],
      prefixes: [
        day('555555555555', 'eu-west-1', '2026/08/02'),
        day('444444444444', 'us-east-1', '2026/08/01'),
        day('555555555555', 'eu-west-1', '2026/08/02'),
      ],
    });
    expect(plan).toEqual({
      since: '2026-08-01T06:00:00.000Z',
      until: '2026-08-02T23:59:59.999Z',
      mode: 'alert',
      rules: ['CloudTrail*'],
      accounts: ['444444444444', '555555555555'],
      regions: ['eu-west-1', 'us-east-1'],
      days: ['2026/08/01', '2026/08/02'],
      prefixes: [
        day('444444444444', 'us-east-1', '2026/08/01'),
        day('555555555555', 'eu-west-1', '2026/08/02'),
      ],
    });
    expect(() =>
      planHunt(config(), {
        since: '2026-08-03',
        until: '2026-08-01',
        mode: 'report',
        prefixes: [plan.prefixes[0]],
      }),
    ).toThrow('is before --since');
    expect(() =>
      planHunt(config(), { since: '2026-08-01', until: '2026-08-01', mode: 'report', prefixes: [] }),
    ).toThrow('--prefix: no prefixes given');
  });

  it.each([
    ['another organization', 'org-logs/AWSLogs/o-otherorg0001/444444444444/CloudTrail/us-east-1/2026/08/01/'],
    ['no trail prefix', 'AWSLogs/o-testorg0001/444444444444/CloudTrail/us-east-1/2026/08/01/'],
    ['a digest folder', `${root}444444444444/CloudTrail-Digest/us-east-1/2026/08/01/`],
    ['an account folder', `${root}444444444444/`],
    ['month 13', `${root}444444444444/CloudTrail/us-east-1/2026/13/01/`],
    ['no trailing slash', `${root}444444444444/CloudTrail/us-east-1/2026/08/01`],
    ['a path climbing out', `${root}../444444444444/CloudTrail/us-east-1/2026/08/01/`],
  ])('refuses %s', (_name, prefix) => {
    expect(parseDayPrefix(prefix, root)).toBeUndefined();
    expect(() =>
      planHunt(config(), { since: '2026-08-01', until: '2026-08-01', mode: 'report', prefixes: [prefix] }),
    ).toThrow(`--prefix #1: expected ${root}<account>/CloudTrail/<region>/YYYY/MM/DD/`);
  });

  it('reads prefix lists as lines with comments or as a JSON array', () => {
    expect(parsePrefixList('# hunt again\n\n a/ \r\nb/\n', 'f.txt')).toEqual(['a/', 'b/']);
    expect(parsePrefixList(' ["a/", "b/"] ', 'f.json')).toEqual(['a/', 'b/']);
    expect(() => parsePrefixList('[1', 'f.json')).toThrow('f.json: not valid JSON');
    expect(() => parsePrefixList('["a/", {}]', 'f.json')).toThrow('f.json: [1]: expected a string');
  });
});
