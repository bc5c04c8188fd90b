/**
 * Picks the account directory accounts.yaml asks for: `organization.accountDirectory.source: organizations`
 * walks AWS Organizations (directly or through the configured read-only role); anything else, or
 * offline use, serves the static `accounts:` entries.
 */
import { StaticAccountDirectory, type AccountDirectory } from './directory';
import { OrganizationsAccountDirectory, type OrganizationsDirectoryOptions } from './organizations-directory';
import type { AccountsConfig } from './types';

export function createAccountDirectory(
  config: AccountsConfig,
  options: Omit<OrganizationsDirectoryOptions, 'config'> & { offline?: boolean } = {},
): AccountDirectory {
  if (options.offline || config.organization.accountDirectory?.source !== 'organizations')
    return new StaticAccountDirectory(config);
  const includeTags = options.includeTags ?? config.organization.accountDirectory?.includeTags;
  return new OrganizationsAccountDirectory({ ...options, ...(includeTags ? { includeTags } : {}), config });
}
