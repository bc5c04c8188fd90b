/**
 * accounts.yaml and what is compiled from it: types, loader, validator, OU inheritance, exceptions,
 * routes, matchers, the account directory.
 */
export { compileActorPattern } from './actor-patterns';
export { loadAccountsConfig } from './config';
export { createAccountDirectory } from './create-directory';
export { lookupAccount, StaticAccountDirectory, type AccountDirectory } from './directory';
export { OrgPolicy, type EffectiveConfig } from './effective';
export {
  exceptionLabel,
  expiryInstant,
  findException,
  judgedAt,
  loadTrailAlertsExceptions,
  type CompiledException,
} from './exceptions';
export { compileIpRange } from './ip-match';
export { isOuId, normalizeOuPath, ouIdPaths } from './ou-path';
export { RoleCredentials } from './role-credentials';
export { routeAlert } from './routing';
export { compileRuleRef } from './rule-ref';
export type { AccountsConfig, EnrichmentConfig, ExceptionConfig } from './types';
export { validateAccountsConfig } from './validate';
