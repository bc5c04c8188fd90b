/**
 * Account directory backed by AWS Organizations: walks the whole organization (ListRoots, then
 * ListOrganizationalUnitsForParent / ListAccountsForParent per OU, all paginated), caches the
 * account map for a TTL and refreshes it in bulk — concurrent resolves during a refresh share one
 * walk, and there is never one API call per alert. Throttling is retried with exponential backoff
 * and full jitter. accounts.yaml entries override the names and OUs the API returns. When the API
 * fails it serves the stale map (counted); with nothing cached it falls back to accounts.yaml and
 * says so (lookup: `fallback`), so callers keep that answer briefly, and walks again at most every
 * retryAfterFailureMs.
 */
import {
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
  ListTagsForResourceCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { STSClient } from '@aws-sdk/client-sts';
import type { AccountInfo } from '../core';
import { staticAccounts, unknownAccount, type AccountDirectory, type AccountResolution } from './directory';
import { childOuPath } from './ou-path';
import { RoleCredentials } from './role-credentials';
import type { AccountsConfig } from './types';

export interface OrganizationsDirectoryOptions {
  /** accounts.yaml: static overrides, and `organization.accountDirectory` (roleArn, cacheTtlMinutes). */
  config?: AccountsConfig;
  /** A client to use as is (tests, or custom credentials). Otherwise one is built from the options below. */
  client?: OrganizationsClient;
  /** STS client for AssumeRole (default: a new one in `region`). */
  sts?: STSClient;
  /** Overrides `organization.accountDirectory.roleArn`. */
  roleArn?: string;
  /** Organizations is served from us-east-1 in the commercial partition. */
  region?: string;
  /** Overrides `cacheTtlMinutes` (default 60 minutes). */
  cacheTtlMs?: number;
  /** Also read account tags (one ListTagsForResource per account, during the bulk walk only). */
  includeTags?: boolean;
  /** Parallel API calls during a walk (default 4). */
  concurrency?: number;
  /** Attempts per call when throttled (default 6). */
  maxAttempts?: number;
  /** After a failed walk, wait this long before trying again (default 60 s). */
  retryAfterFailureMs?: number;
  /** A fresh map lacks an account: walk again at most this often (default 5 minutes). */
  missRefreshMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Called with problems (no secrets in them); default: silent, counted in `stats`. */
  onProblem?: (message: string) => void;
}

export interface DirectoryStats {
  walks: number;
  apiCalls: number;
  throttled: number;
  failedWalks: number;
  /** Resolves answered from a stale map because a refresh failed. */
  staleServed: number;
  /** Resolves answered from accounts.yaml because nothing was cached and the walk failed. */
  staticFallbacks: number;
}

const THROTTLE_NAMES = new Set([
  'TooManyRequestsException',
  'ThrottlingException',
  'Throttling',
  'RequestLimitExceeded',
]);

function isThrottle(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  return THROTTLE_NAMES.has(e?.name ?? '') || e?.$metadata?.httpStatusCode === 429;
}

export class OrganizationsAccountDirectory implements AccountDirectory {
  readonly stats: DirectoryStats = {
    walks: 0,
    apiCalls: 0,
    throttled: 0,
    failedWalks: 0,
    staleServed: 0,
    staticFallbacks: 0,
  };
  private readonly client: OrganizationsClient;
  private readonly overrides: Map<string, AccountInfo>;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private cache?: { accounts: Map<string, AccountInfo>; fetchedAt: number };
  private refreshing?: Promise<void>;
  private lastFailureAt?: number;
  private lastError?: string;

  constructor(private readonly options: OrganizationsDirectoryOptions = {}) {
    const settings = options.config?.organization.accountDirectory;
    this.overrides = options.config ? staticAccounts(options.config) : new Map();
    this.ttlMs = options.cacheTtlMs ?? (settings?.cacheTtlMinutes ?? 60) * 60_000;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.random = options.random ?? Math.random;
    this.client = options.client ?? this.buildClient(options.roleArn ?? settings?.roleArn);
  }

  private buildClient(roleArn: string | undefined): OrganizationsClient {
    const region = this.options.region ?? 'us-east-1';
    if (!roleArn) return new OrganizationsClient({ region });
    const credentials = new RoleCredentials({
      sts: this.options.sts ?? new STSClient({ region }),
      roleArn,
      now: this.now,
    });
    return new OrganizationsClient({ region, credentials: () => credentials.get() });
  }

  /** The error of the last failed walk, for health output (no secrets). */
  get lastProblem(): string | undefined {
    return this.lastError;
  }

  async resolve(accountId: string): Promise<AccountInfo> {
    return (await this.lookup(accountId)).account;
  }

  /**
   * resolve(), saying whether the answer is the accounts.yaml fallback (no map: the walk failed).
   * A stale map is not a fallback: it was the organization's a TTL ago.
   */
  async lookup(accountId: string): Promise<AccountResolution> {
    await this.ensureFresh(accountId);
    const fromApi = this.cache?.accounts.get(accountId);
    const override = this.overrides.get(accountId);
    if (!this.cache) {
      this.stats.staticFallbacks++;
      return { account: override ? copy(override) : unknownAccount(accountId), fallback: true };
    }
    if (this.isStale()) this.stats.staleServed++;
    if (fromApi && override) {
      return {
        account: {
          ...fromApi,
          name: override.name,
          ouPath: override.ouPath,
          ouId: override.ouId ?? (override.ouPath === fromApi.ouPath ? fromApi.ouId : undefined),
          tags: { ...fromApi.tags, ...override.tags },
        },
        fallback: false,
      };
    }
    if (fromApi) return { account: copy(fromApi), fallback: false };
    return { account: override ? copy(override) : unknownAccount(accountId), fallback: false };
  }

  /** Walks the organization now (shared with any walk already running). */
  refresh(): Promise<void> {
    this.refreshing ??= this.walk()
      .then((accounts) => {
        this.cache = { accounts, fetchedAt: this.now() };
        this.lastFailureAt = undefined;
        this.lastError = undefined;
      })
      .catch((err: unknown) => {
        this.stats.failedWalks++;
        this.lastFailureAt = this.now();
        this.lastError = `Organizations walk failed: ${(err as Error)?.name ?? 'Error'}: ${(err as Error)?.message ?? String(err)}`;
        this.options.onProblem?.(this.lastError);
      })
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }

  private isStale(): boolean {
    return !this.cache || this.now() - this.cache.fetchedAt >= this.ttlMs;
  }

  private async ensureFresh(accountId: string): Promise<void> {
    if (this.refreshing) return this.refreshing;
    const now = this.now();
    if (
      this.lastFailureAt !== undefined &&
      now - this.lastFailureAt < (this.options.retryAfterFailureMs ?? 60_000)
    )
      return;
    if (this.isStale()) return this.refresh();
    const missing = !this.cache!.accounts.has(accountId) && !this.overrides.has(accountId);
    if (missing && now - this.cache!.fetchedAt >= (this.options.missRefreshMs ?? 5 * 60_000))
      return this.refresh();
  }

  /** One AWS call, retried with exponential backoff and full jitter while throttled. */
  private async call<T>(send: () => Promise<T>): Promise<T> {
    const maxAttempts = this.options.maxAttempts ?? 6;
    for (let attempt = 1; ; attempt++) {
      this.stats.apiCalls++;
      try {
        return await send();
      } catch (err) {
        if (!isThrottle(err) || attempt >= maxAttempts) throw err;
        this.stats.throttled++;
        const cap = Math.min(20_000, 250 * 2 ** (attempt - 1));
        await this.sleep(Math.floor(this.random() * cap));
      }
    }
  }

  /** Every page of a paginated call. */
  private async pages<T extends { NextToken?: string }>(send: (token?: string) => Promise<T>): Promise<T[]> {
    const out: T[] = [];
    let token: string | undefined;
    const seen = new Set<string>();
    do {
      const page = await this.call(() => send(token));
      out.push(page);
      token = page.NextToken;
      if (token !== undefined) {
        if (seen.has(token)) throw new Error('pagination token repeated');
        seen.add(token);
      }
    } while (token);
    return out;
  }

  private async walk(): Promise<Map<string, AccountInfo>> {
    this.stats.walks++;
    const accounts = new Map<string, AccountInfo>();
    const roots = (
      await this.pages((NextToken) => this.client.send(new ListRootsCommand({ NextToken })))
    ).flatMap((p) => p.Roots ?? []);
    if (roots.length === 0) throw new Error('ListRoots returned no root');
    type Parent = { id: string; path: string; isRoot: boolean };
    let level: Parent[] = roots.map((r) => ({ id: r.Id!, path: '/', isRoot: true }));
    // Breadth first, one tree level at a time, with bounded parallel calls within a level.
    for (let depth = 0; level.length > 0; depth++) {
      if (depth > 10) throw new Error('OU tree deeper than Organizations allows (5 levels)');
      const children: Parent[] = [];
      await this.pool(level, async (parent) => {
        const accountPages = await this.pages((NextToken) =>
          this.client.send(new ListAccountsForParentCommand({ ParentId: parent.id, NextToken })),
        );
        for (const a of accountPages.flatMap((p) => p.Accounts ?? [])) {
          if (!a.Id) continue;
          accounts.set(a.Id, {
            id: a.Id,
            name: a.Name || a.Id,
            ouPath: parent.path,
            ouId: parent.isRoot ? undefined : parent.id,
            known: true,
          });
        }
        const ouPages = await this.pages((NextToken) =>
          this.client.send(new ListOrganizationalUnitsForParentCommand({ ParentId: parent.id, NextToken })),
        );
        for (const ou of ouPages.flatMap((p) => p.OrganizationalUnits ?? [])) {
          if (ou.Id && ou.Name)
            children.push({ id: ou.Id, path: childOuPath(parent.path, ou.Name), isRoot: false });
        }
      });
      level = children;
    }
    if (this.options.includeTags) {
      await this.pool([...accounts.values()], async (info) => {
        const pages = await this.pages((NextToken) =>
          this.client.send(new ListTagsForResourceCommand({ ResourceId: info.id, NextToken })),
        );
        const tags: Record<string, string> = {};
        for (const t of pages.flatMap((p) => p.Tags ?? []))
          if (t.Key !== undefined) tags[t.Key] = t.Value ?? '';
        info.tags = tags;
      });
    }
    return accounts;
  }

  /** Runs `work` over the items with bounded concurrency; the first failure stops the others and fails. */
  private async pool<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
    let next = 0;
    let failed = false;
    const worker = async () => {
      while (!failed && next < items.length) {
        try {
          await work(items[next++]);
        } catch (err) {
          failed = true;
          throw err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, this.options.concurrency ?? 4) }, worker));
  }
}

function copy(info: AccountInfo): AccountInfo {
  return { ...info, tags: info.tags && { ...info.tags } };
}
