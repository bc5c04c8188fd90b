/** Tests for the account directories: static, Organizations (pagination, throttling, TTL, fallbacks), AssumeRole credentials. */
import {
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
  ListTagsForResourceCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { join } from 'node:path';
import { loadAccountsConfig, parseAccountsConfig } from '../../src/org/config';
import { createAccountDirectory } from '../../src/org/create-directory';
import { lookupAccount, StaticAccountDirectory } from '../../src/org/directory';
import { OrganizationsAccountDirectory } from '../../src/org/organizations-directory';
import { RoleCredentials } from '../../src/org/role-credentials';
import type { AccountsConfig } from '../../src/org/types';

const orgMock = mockClient(OrganizationsClient);
const stsMock = mockClient(STSClient);

const CONFIG_TEXT = `organization: { id: o-abc1234567, managementAccountId: '111111111111', securityAccountId: '222222222222', homeRegion: us-east-1 }
trail: { bucket: org-trail, accountId: '333333333333' }
destinations: {}
organizationalUnits:
  ou-ab12-prod0001: { path: /Workloads/Production }
accounts:
  '444444444444': { name: payments-prod-override, ou: /Workloads/Production, tags: { owner: payments } }
  '555555555555': { name: by-ou-id, ou: ou-ab12-prod0001 }
  '999999999999': { name: static-only, ou: /Sandbox }
`;
const config: AccountsConfig = parseAccountsConfig(CONFIG_TEXT, 'accounts.yaml').config!;

/** A two-level organization: root → Workloads → Production, with paginated listings. */
function organization() {
  orgMock.reset();
  orgMock.on(ListRootsCommand).resolves({ Roots: [{ Id: 'r-ab12', Name: 'Root' }] });
  orgMock
    .on(ListAccountsForParentCommand, { ParentId: 'r-ab12', NextToken: undefined })
    .resolves({ Accounts: [{ Id: '111111111111', Name: 'management' }], NextToken: 'page2' })
    .on(ListAccountsForParentCommand, { ParentId: 'r-ab12', NextToken: 'page2' })
    .resolves({ Accounts: [{ Id: '222222222222', Name: 'security' }] })
    .on(ListAccountsForParentCommand, { ParentId: 'ou-ab12-work0001' })
    .resolves({ Accounts: [] })
    .on(ListAccountsForParentCommand, { ParentId: 'ou-ab12-prod0001' })
    .resolves({
      Accounts: [
        { Id: '444444444444', Name: 'payments-prod' },
        { Id: '666666666666', Name: 'data-prod' },
      ],
    });
  orgMock
    .on(ListOrganizationalUnitsForParentCommand, { ParentId: 'r-ab12' })
    .resolves({ OrganizationalUnits: [{ Id: 'ou-ab12-work0001', Name: 'Workloads' }] })
    .on(ListOrganizationalUnitsForParentCommand, { ParentId: 'ou-ab12-work0001' })
    .resolves({ OrganizationalUnits: [{ Id: 'ou-ab12-prod0001', Name: 'Production' }] })
    .on(ListOrganizationalUnitsForParentCommand, { ParentId: 'ou-ab12-prod0001' })
    .resolves({ OrganizationalUnits: [] });
}

function directory(extra: Partial<ConstructorParameters<typeof OrganizationsAccountDirectory>[0]> = {}) {
  let now = 1_000_000;
  const clock = { advance: (ms: number) => (now += ms) };
  const sleeps: number[] = [];
  const dir = new OrganizationsAccountDirectory({
    config,
    client: new OrganizationsClient({ region: 'us-east-1' }),
    cacheTtlMs: 60_000,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    ...extra,
  });
  return { dir, clock, sleeps };
}

const callsOf = (command: unknown) => orgMock.commandCalls(command as typeof ListRootsCommand).length;

describe('StaticAccountDirectory', () => {
  it('serves accounts.yaml names and OUs, maps OU ids to paths, and resolves unknown accounts to the root', async () => {
    const dir = new StaticAccountDirectory(config);
    expect(await dir.resolve('444444444444')).toEqual({
      id: '444444444444',
      name: 'payments-prod-override',
      ouPath: '/Workloads/Production',
      ouId: 'ou-ab12-prod0001',
      tags: { owner: 'payments' },
      known: true,
    });
    expect(await dir.resolve('555555555555')).toMatchObject({
      name: 'by-ou-id',
      ouPath: '/Workloads/Production',
      ouId: 'ou-ab12-prod0001',
    });
    expect(await dir.resolve('000000000000')).toEqual({
      id: '000000000000',
      name: '000000000000',
      ouPath: '/',
      known: false,
    });
  });

  it('loads the repository accounts.yaml accounts', async () => {
    const repo = loadAccountsConfig(join(__dirname, '../../accounts.yaml')).config!;
    const dir = createAccountDirectory(repo);
    expect(dir).toBeInstanceOf(StaticAccountDirectory);
    expect(await dir.resolve('777788889999')).toMatchObject({
      name: 'sandbox-alice',
      ouPath: '/Sandbox',
      known: true,
    });
  });
});

describe('OrganizationsAccountDirectory', () => {
  beforeEach(() => {
    organization();
    stsMock.reset();
  });

  it('walks the organization with pagination and builds OU paths', async () => {
    const { dir } = directory({ config: undefined });
    expect(await dir.resolve('222222222222')).toEqual({
      id: '222222222222',
      name: 'security',
      ouPath: '/',
      ouId: undefined,
      known: true,
    });
    expect(await dir.resolve('666666666666')).toMatchObject({
      name: 'data-prod',
      ouPath: '/Workloads/Production',
      ouId: 'ou-ab12-prod0001',
      known: true,
    });
    expect(callsOf(ListAccountsForParentCommand)).toBe(4);
    expect(dir.stats.walks).toBe(1);
  });

  it('lets accounts.yaml override names and OUs, and serves static-only accounts', async () => {
    const { dir } = directory();
    expect(await dir.resolve('444444444444')).toMatchObject({
      name: 'payments-prod-override',
      ouPath: '/Workloads/Production',
      tags: { owner: 'payments' },
    });
    expect(await dir.resolve('999999999999')).toMatchObject({
      name: 'static-only',
      ouPath: '/Sandbox',
      known: true,
    });
    expect(await dir.resolve('000000000000')).toEqual({
      id: '000000000000',
      name: '000000000000',
      ouPath: '/',
      known: false,
    });
  });

  it('shares one walk between concurrent resolves and caches for the TTL', async () => {
    const { dir, clock } = directory();
    await Promise.all(
      ['111111111111', '222222222222', '444444444444', '666666666666', '000000000000'].map((id) =>
        dir.resolve(id),
      ),
    );
    expect(callsOf(ListRootsCommand)).toBe(1);
    for (let i = 0; i < 50; i++) await dir.resolve('666666666666');
    expect(callsOf(ListRootsCommand)).toBe(1);
    clock.advance(60_000);
    await dir.resolve('666666666666');
    expect(callsOf(ListRootsCommand)).toBe(2);
    expect(dir.stats.walks).toBe(2);
  });

  it('walks again for an account it has never seen, at most every missRefreshMs', async () => {
    const { dir, clock } = directory({ cacheTtlMs: 3_600_000, missRefreshMs: 300_000 });
    await dir.resolve('000000000000');
    clock.advance(10_000);
    await dir.resolve('000000000000');
    expect(dir.stats.walks).toBe(1);
    clock.advance(300_000);
    orgMock
      .on(ListAccountsForParentCommand, { ParentId: 'ou-ab12-work0001' })
      .resolves({ Accounts: [{ Id: '000000000000', Name: 'new-account' }] });
    expect(await dir.resolve('000000000000')).toMatchObject({
      name: 'new-account',
      ouPath: '/Workloads',
      known: true,
    });
    expect(dir.stats.walks).toBe(2);
  });

  it('retries throttling with exponential backoff and jitter', async () => {
    const throttle = Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' });
    orgMock
      .on(ListRootsCommand)
      .rejectsOnce(throttle)
      .rejectsOnce(throttle)
      .rejectsOnce(throttle)
      .resolves({ Roots: [{ Id: 'r-ab12' }] });
    const { dir, sleeps } = directory();
    expect(await dir.resolve('666666666666')).toMatchObject({ name: 'data-prod' });
    expect(sleeps).toEqual([125, 250, 500]);
    expect(dir.stats.throttled).toBe(3);
  });

  it('gives up after maxAttempts and falls back to accounts.yaml when nothing is cached', async () => {
    const throttle = Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' });
    orgMock.on(ListRootsCommand).rejects(throttle);
    const problems: string[] = [];
    const { dir, clock } = directory({ maxAttempts: 3, onProblem: (m) => problems.push(m) });
    expect(await dir.resolve('444444444444')).toMatchObject({ name: 'payments-prod-override', known: true });
    expect(await dir.resolve('666666666666')).toMatchObject({ name: '666666666666', known: false });
    expect(callsOf(ListRootsCommand)).toBe(3);
    expect(dir.stats).toMatchObject({ failedWalks: 1, staticFallbacks: 2 });
    expect(problems[0]).toMatch(/TooManyRequestsException/);
    // No retry storm: the next walk waits for retryAfterFailureMs.
    clock.advance(59_000);
    await dir.resolve('666666666666');
    expect(callsOf(ListRootsCommand)).toBe(3);
  });

  it('serves the stale map when a refresh fails, and counts it', async () => {
    const { dir, clock } = directory();
    await dir.resolve('666666666666');
    orgMock
      .on(ListRootsCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    clock.advance(61_000);
    expect(await dir.resolve('666666666666')).toMatchObject({
      name: 'data-prod',
      ouPath: '/Workloads/Production',
    });
    expect(dir.stats.staleServed).toBe(1);
    expect(dir.lastProblem).toMatch(/AccessDeniedException: denied/);
    organization();
    clock.advance(60_000);
    await dir.resolve('666666666666');
    expect(dir.stats.walks).toBe(3);
    expect(dir.lastProblem).toBeUndefined();
  });

  it('says which answers are fallbacks: none cached and the walk failed, and only those', async () => {
    const throttle = Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' });
    orgMock.on(ListRootsCommand).rejects(throttle);
    const { dir, clock } = directory({ maxAttempts: 2 });
    expect(await dir.lookup('666666666666')).toEqual({
      account: { id: '666666666666', name: '666666666666', ouPath: '/', known: false },
      fallback: true,
    });
    expect(await lookupAccount(dir, '444444444444')).toMatchObject({
      account: { name: 'payments-prod-override' },
      fallback: true,
    });
    // The directory answers again: after retryAfterFailureMs the next lookup walks.
    organization();
    clock.advance(60_000);
    expect(await dir.lookup('666666666666')).toEqual({
      account: expect.objectContaining({ name: 'data-prod', ouPath: '/Workloads/Production' }),
      fallback: false,
    });
    // A stale map is the organization's a TTL ago: not a fallback.
    orgMock.on(ListRootsCommand).rejects(throttle);
    clock.advance(61_000);
    expect(await dir.lookup('666666666666')).toMatchObject({ fallback: false });
    expect(dir.stats.staleServed).toBe(1);
    // Directories that cannot fail: every answer is final.
    expect(await lookupAccount(new StaticAccountDirectory(config), '999999999999')).toMatchObject({
      account: { name: 'static-only', ouPath: '/Sandbox' },
      fallback: false,
    });
  });

  it('reads tags in the bulk walk when asked', async () => {
    orgMock.on(ListTagsForResourceCommand).resolves({ Tags: [{ Key: 'env', Value: 'prod' }] });
    orgMock.on(ListTagsForResourceCommand, { ResourceId: '444444444444' }).resolves({
      Tags: [
        { Key: 'owner', Value: 'api' },
        { Key: 'env', Value: 'prod' },
      ],
    });
    const { dir } = directory({ includeTags: true });
    expect((await dir.resolve('666666666666')).tags).toEqual({ env: 'prod' });
    expect((await dir.resolve('444444444444')).tags).toEqual({ owner: 'payments', env: 'prod' });
    expect(callsOf(ListTagsForResourceCommand)).toBe(4);
  });

  it('picks the Organizations directory when accounts.yaml says so', () => {
    const orgConfig = {
      ...config,
      organization: {
        ...config.organization,
        accountDirectory: {
          source: 'organizations' as const,
          roleArn: 'arn:aws:iam::111111111111:role/ReadOnly',
        },
      },
    };
    expect(createAccountDirectory(orgConfig)).toBeInstanceOf(OrganizationsAccountDirectory);
    expect(createAccountDirectory(orgConfig, { offline: true })).toBeInstanceOf(StaticAccountDirectory);
  });
});

describe('OrganizationsAccountDirectory with a role to assume', () => {
  beforeEach(() => stsMock.reset());

  it('gives its Organizations client credentials from AssumeRole into the configured role', async () => {
    stsMock.on(AssumeRoleCommand).resolves({
      Credentials: {
        AccessKeyId: 'AKX',
        SecretAccessKey: 's',
        SessionToken: 't',
        Expiration: new Date(Date.now() + 3_600_000),
      },
    });
    const roleArn = 'arn:aws:iam::111111111111:role/TrailAlertsOrganizationsReadOnly';
    const orgConfig: AccountsConfig = {
      ...config,
      organization: { ...config.organization, accountDirectory: { source: 'organizations', roleArn } },
    };
    const dir = new OrganizationsAccountDirectory({
      config: orgConfig,
      sts: new STSClient({ region: 'us-east-1' }),
    });
    const client = (dir as unknown as { client: OrganizationsClient }).client;
    const credentials = await (client.config.credentials as () => Promise<{ accessKeyId: string }>)();
    expect(credentials.accessKeyId).toBe('AKX');
    expect(stsMock.commandCalls(AssumeRoleCommand)[0].args[0].input.RoleArn).toBe(roleArn);
  });
});

describe('RoleCredentials', () => {
  beforeEach(() => stsMock.reset());

  it('assumes the role once, shares concurrent calls, and refreshes before expiry', async () => {
    let now = Date.parse('2026-11-23T12:00:00Z');
    let n = 0;
    stsMock.on(AssumeRoleCommand).callsFake(async () => {
      n++;
      return {
        Credentials: {
          AccessKeyId: `AK${n}`,
          SecretAccessKey: 's',
          SessionToken: 't',
          Expiration: new Date(now + 3_600_000),
        },
      };
    });
    const creds = new RoleCredentials({
      sts: new STSClient({ region: 'us-east-1' }),
      roleArn: 'arn:aws:iam::111111111111:role/ReadOnly',
      now: () => now,
    });
    const [a, b] = await Promise.all([creds.get(), creds.get()]);
    expect(a.accessKeyId).toBe('AK1');
    expect(b).toBe(a);
    now += 54 * 60_000;
    expect((await creds.get()).accessKeyId).toBe('AK1');
    now += 2 * 60_000; // within 5 minutes of expiry
    expect((await creds.get()).accessKeyId).toBe('AK2');
    expect(stsMock.commandCalls(AssumeRoleCommand)[0].args[0].input).toMatchObject({
      RoleArn: 'arn:aws:iam::111111111111:role/ReadOnly',
    });
  });

  it('fails clearly when STS returns no credentials', async () => {
    stsMock.on(AssumeRoleCommand).resolves({});
    const creds = new RoleCredentials({
      sts: new STSClient({ region: 'us-east-1' }),
      roleArn: 'arn:aws:iam::1:role/R',
    });
    await expect(creds.get()).rejects.toThrow('returned no credentials');
  });
});

describe('createAccountDirectory', () => {
  it('takes includeTags from accounts.yaml for the Organizations walk', async () => {
    const { createAccountDirectory } = await import('../../src/org/create-directory');
    const { OrganizationsAccountDirectory } = await import('../../src/org/organizations-directory');
    const { parseAccountsConfig } = await import('../../src/org/config');
    const text = `
organization:
  id: o-testorg0001
  managementAccountId: '111111111111'
  securityAccountId: '222222222222'
  homeRegion: us-east-1
  accountDirectory: { source: organizations, includeTags: true }
trail: { bucket: trail, accountId: '333333333333' }
destinations: {}
`;
    const { config, diagnostics } = parseAccountsConfig(text, 'accounts.yaml');
    expect(diagnostics).toEqual([]);
    const directory = createAccountDirectory(config!);
    expect(directory).toBeInstanceOf(OrganizationsAccountDirectory);
    expect((directory as unknown as { options: { includeTags?: boolean } }).options.includeTags).toBe(true);
  });
});
