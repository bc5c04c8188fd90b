/**
 * The account directory port: account id → name, OU path and tags, for rule sets, exceptions,
 * routing and the alert text. StaticAccountDirectory serves accounts.yaml's `accounts:`;
 * OrganizationsAccountDirectory (organizations-directory.ts) walks AWS Organizations.
 */
import type { AccountInfo } from '../core';
import { isOuId, normalizeOuPath, ouIdPaths } from './ou-path';
import type { AccountsConfig } from './types';

export interface AccountDirectory {
  /** Never rejects for an unknown account: it resolves to the root OU with the id as name. */
  resolve(accountId: string): Promise<AccountInfo>;
  /**
   * resolve(), saying whether the answer is a fallback. Directories that can fail (AWS
   * Organizations) implement it; for the others every answer is final.
   */
  lookup?(accountId: string): Promise<AccountResolution>;
}

/** An account as the directory resolved it. */
export interface AccountResolution {
  account: AccountInfo;
  /**
   * True when the directory could not answer (AWS Organizations failed and nothing was cached) and
   * accounts.yaml's entry, or the root OU, was served instead. Such an answer may put the account
   * in the wrong OU, so callers keep it only briefly and ask again.
   */
  fallback: boolean;
}

/** The directory's answer for an account, with whether it is a fallback. */
export async function lookupAccount(
  directory: AccountDirectory,
  accountId: string,
): Promise<AccountResolution> {
  if (directory.lookup) return directory.lookup(accountId);
  return { account: await directory.resolve(accountId), fallback: false };
}

/** What an account the directory does not know resolves to. */
export function unknownAccount(accountId: string): AccountInfo {
  return { id: accountId, name: accountId, ouPath: '/', known: false };
}

/** The account entries of accounts.yaml as AccountInfo (OU ids mapped to paths where given). */
export function staticAccounts(config: AccountsConfig): Map<string, AccountInfo> {
  const idPaths = ouIdPaths(config);
  const pathIds = new Map([...idPaths].map(([id, path]) => [path, id]));
  const out = new Map<string, AccountInfo>();
  for (const [id, entry] of Object.entries(config.accounts ?? {})) {
    const info: AccountInfo = { id, name: entry.name, ouPath: '/', known: true };
    if (isOuId(entry.ou)) {
      info.ouId = entry.ou;
      info.ouPath = idPaths.get(entry.ou) ?? '/';
    } else {
      info.ouPath = normalizeOuPath(entry.ou) ?? '/';
      const ouId = pathIds.get(info.ouPath);
      if (ouId) info.ouId = ouId;
    }
    if (entry.tags) info.tags = { ...entry.tags };
    out.set(id, info);
  }
  return out;
}

/** Names and OUs from accounts.yaml only (offline use, tests, `source: static`). */
export class StaticAccountDirectory implements AccountDirectory {
  private readonly accounts: Map<string, AccountInfo>;

  constructor(config: AccountsConfig) {
    this.accounts = staticAccounts(config);
  }

  async resolve(accountId: string): Promise<AccountInfo> {
    const info = this.accounts.get(accountId);
    return info ? { ...info, tags: info.tags && { ...info.tags } } : unknownAccount(accountId);
  }
}
