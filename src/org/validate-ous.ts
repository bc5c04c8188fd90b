/**
 * The OU checks of accounts.yaml that catch silent mistakes, as warnings with their lines:
 *   - an OU entry that applies to no account listed and to no ancestor of one (a typo in its key,
 *     `/Workloads/Prodcution:`, switches its rule sets, exceptions and routes off);
 *   - an account that no route applies to (its alerts are counted as unrouted, never sent);
 *   - an account whose OU has no entry of its own or above it but `/`, when its name is a near
 *     miss of an OU entry (`ou: /Workloads/Prodcution`). An OU without an entry that simply
 *     inherits from `/` is normal and is not reported.
 * With `accountDirectory.source: organizations` accounts.yaml need not list every account, so an
 * OU entry without listed accounts is reported only when it is a near miss of a listed OU.
 */
import { closest } from './did-you-mean';
import { staticAccounts } from './directory';
import { OrgPolicy } from './effective';
import { isOuId, normalizeOuPath, ouAncestors, ouIdPaths } from './ou-path';
import type { AccountsConfig } from './types';
import type { PathSegment } from './yaml-locate';

export type Report = (severity: 'warning', path: PathSegment[], message: string) => void;

const ROOT_SOURCE = 'organizationalUnits./';

export function validateOus(config: AccountsConfig, report: Report): void {
  const ous = config.organizationalUnits ?? {};
  const accounts = config.accounts ?? {};
  const idPaths = ouIdPaths(config);
  const pathOf = (ou: string) => (isOuId(ou) ? idPaths.get(ou) : normalizeOuPath(ou));

  // The OUs accounts.yaml's accounts are in, with every ancestor, and the OU ids they name.
  const covered = new Set<string>();
  const namedIds = new Set<string>();
  for (const account of Object.values(accounts)) {
    if (typeof account?.ou !== 'string') continue;
    if (isOuId(account.ou)) namedIds.add(account.ou);
    const path = pathOf(account.ou);
    if (path) for (const ancestor of ouAncestors(path)) covered.add(ancestor);
  }
  const accountOus = [...covered].filter((p) => p !== '/');
  const live = config.organization?.accountDirectory?.source === 'organizations';
  for (const [key, ou] of Object.entries(ous)) {
    if (key === '/') continue;
    const path = isOuId(key) ? idPaths.get(key) : normalizeOuPath(key);
    // A key that is neither a path nor an id is already an error.
    if (!path && !isOuId(key)) continue;
    const id = isOuId(key) ? key : ou?.id;
    if ((path !== undefined && covered.has(path)) || (id !== undefined && namedIds.has(id))) continue;
    const hint = path ? closest(path, accountOus) : undefined;
    if (live && !hint) continue;
    report(
      'warning',
      ['organizationalUnits', key],
      `OU ${key} matches no account in accounts: and no ancestor of one, so its settings (rule sets, routes, exceptions) apply to nothing` +
        (hint
          ? `; did you mean ${hint}?`
          : live
            ? ''
            : '; expected the OU path of an account or of an OU above one'),
    );
  }

  // OU entries an account's OU may have been meant to name.
  const entryPaths = Object.keys(ous)
    .map((key) => (isOuId(key) ? idPaths.get(key) : normalizeOuPath(key)))
    .filter((p): p is string => p !== undefined && p !== '/');
  const policy = new OrgPolicy(config, []);
  for (const [id, info] of staticAccounts(config)) {
    const ou = accounts[id].ou;
    const path = pathOf(ou);
    const effective = policy.forAccount(info);
    // Only the root's settings reach the account: no entry for its OU nor any OU above it.
    const rootOnly = !effective.sources.some(
      (s) => s.startsWith('organizationalUnits.') && s !== ROOT_SOURCE,
    );
    const hint = path && path !== '/' && rootOnly ? closest(path, entryPaths) : undefined;
    if (effective.routes.length === 0) {
      report(
        'warning',
        ['accounts', id, 'ou'],
        `no route applies to account ${id} (OU ${ou}): its alerts are counted as unrouted and never sent` +
          (hint
            ? `; did you mean ${hint}?`
            : '; expected routes on its OU, an OU above it, the account or organizationalUnits./'),
      );
    } else if (hint) {
      report(
        'warning',
        ['accounts', id, 'ou'],
        `OU ${ou} has no entry in organizationalUnits, nor has any OU above it but /, so the account gets only the settings of /; ` +
          `did you mean ${hint}? (if the OU is right, add "${path}: {}" to organizationalUnits)`,
      );
    }
  }
}
