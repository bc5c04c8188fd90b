/**
 * The effective configuration of one account: what rules it runs, which exceptions apply, where
 * its alerts go and its cooldown. Settings apply from the root `/`, then each OU on the account's
 * path, then the account itself:
 *   - rule sets: inherited, a level adds its own (default) or replaces them (`ruleSetsMode: replace`);
 *     when no level names a usable rule set, the account runs every rule;
 *   - exceptions: all of them apply (org-wide first, then down the path, then the account);
 *   - routes: the nearest definition wins (`routesMode: add` keeps the inherited routes as well);
 *   - cooldown: the nearest `cooldownMinutes` wins (default 15).
 * Results are cached per OU (and per account for accounts with overrides).
 */
import type { AccountInfo } from '../core';
import { compileExceptions, type CompiledException } from './exceptions';
import type { Route } from './routing';
import { LEVELS, levelRank, type Level } from '../core';
import { type RuleMeta } from '../sigma';
import { fileOf, lineOf } from './config';
import { isOuId, normalizeOuPath, ouAncestors, ouIdPaths } from './ou-path';
import { compileRuleRef } from './rule-ref';
import type { AccountConfig, AccountsConfig, OuConfig, RuleSetConfig } from './types';
import { wildcardMatch } from './wildcard';

export const DEFAULT_COOLDOWN_MINUTES = 15;

export interface EffectiveConfig {
  /** Ids of the rules (and correlations) this account runs. */
  ruleIds: ReadonlySet<string>;
  /** Stable key of the rule selection (`*` for all rules, else the sorted rule-set names joined by `+`). */
  ruleSetKey: string;
  /** Org-wide, then OU chain from the root down, then the account's. */
  exceptions: CompiledException[];
  routes: Route[];
  cooldownSeconds: number;
  /** The OU path the settings were taken from. */
  ouPath: string;
  /** Where the settings came from, root first (`organizationalUnits./`, …, `accounts.444455556666`). */
  sources: string[];
}

/** One level of the chain: an OU entry or an account entry, with where it is in accounts.yaml. */
interface ChainLevel {
  configPath: (string | number)[];
  settings: OuConfig | AccountConfig;
}

/** Compiles one rule-set selector. */
function selector(sel: string, rulesRoot?: string): (rule: RuleMeta) => boolean {
  const trimmed = sel.trim();
  if (trimmed.toLowerCase().startsWith('tag:')) {
    const tag = trimmed.slice(4);
    return (rule) => rule.tags.some((t) => wildcardMatch(tag, t));
  }
  if (trimmed.toLowerCase().startsWith('level:')) {
    const level = trimmed.slice(6).trim().toLowerCase();
    return (rule) => rule.level === level;
  }
  return compileRuleRef(trimmed, rulesRoot);
}

/** The rule ids a rule set selects. */
export function selectRules(set: RuleSetConfig, rules: readonly RuleMeta[], rulesRoot?: string): Set<string> {
  const include = set.rules.map((s) => selector(s, rulesRoot));
  const exclude = (set.exclude ?? []).map((s) => selector(s, rulesRoot));
  const min = set.minLevel && LEVELS.includes(set.minLevel) ? levelRank(set.minLevel as Level) : 0;
  const ids = new Set<string>();
  for (const rule of rules) {
    if (levelRank(rule.level) < min) continue;
    if (include.some((m) => m(rule)) && !exclude.some((m) => m(rule))) ids.add(rule.id);
  }
  return ids;
}

export class OrgPolicy {
  private readonly allIds: ReadonlySet<string>;
  private readonly setCache = new Map<string, Set<string>>();
  private readonly cache = new Map<string, EffectiveConfig>();
  private readonly idPaths: Map<string, string>;
  private readonly orgExceptions: CompiledException[];
  private readonly file?: string;

  constructor(
    private readonly config: AccountsConfig,
    private readonly rules: RuleMeta[],
    private readonly rulesRoot?: string,
    /** Extra org-wide exceptions, e.g. from TrailAlerts' exceptions.json (loadTrailAlertsExceptions). */
    extraExceptions: CompiledException[] = [],
  ) {
    this.allIds = new Set(rules.map((r) => r.id));
    this.idPaths = ouIdPaths(config);
    this.file = fileOf(config);
    this.orgExceptions = [...this.compile(config.exceptions, ['exceptions']), ...extraExceptions];
  }

  /** The effective configuration for an account (cached per OU, or per account with overrides). */
  forAccount(account: AccountInfo): EffectiveConfig {
    const accountEntry = Object.prototype.hasOwnProperty.call(this.config.accounts ?? {}, account.id)
      ? this.config.accounts![account.id]
      : undefined;
    const ouPath = this.pathOf(account);
    const key = `${ouPath}\u0000${account.ouId ?? ''}\u0000${accountEntry ? account.id : ''}`;
    let effective = this.cache.get(key);
    if (!effective) {
      effective = this.build(ouPath, account, accountEntry);
      this.cache.set(key, effective);
    }
    return effective;
  }

  /** The account's OU path; an OU id known only from accounts.yaml is mapped to its path. */
  private pathOf(account: AccountInfo): string {
    const path = normalizeOuPath(account.ouPath);
    if (path && path !== '/') return path;
    if (account.ouId && this.idPaths.has(account.ouId)) return this.idPaths.get(account.ouId)!;
    return '/';
  }

  private chain(ouPath: string, account: AccountInfo, accountEntry: AccountConfig | undefined): ChainLevel[] {
    const ous = this.config.organizationalUnits ?? {};
    const levels: ChainLevel[] = [];
    const used = new Set<string>();
    const byPath = new Map<string, string[]>();
    for (const key of Object.keys(ous)) {
      const path = isOuId(key) ? this.idPaths.get(key) : normalizeOuPath(key);
      if (path) byPath.set(path, [...(byPath.get(path) ?? []), key]);
    }
    for (const ancestor of ouAncestors(ouPath)) {
      for (const key of byPath.get(ancestor) ?? []) {
        used.add(key);
        levels.push({ configPath: ['organizationalUnits', key], settings: ous[key] });
      }
    }
    // An OU keyed by an id whose path accounts.yaml does not give: the account's own OU.
    if (account.ouId && !used.has(account.ouId) && Object.prototype.hasOwnProperty.call(ous, account.ouId)) {
      levels.push({ configPath: ['organizationalUnits', account.ouId], settings: ous[account.ouId] });
    }
    if (accountEntry) levels.push({ configPath: ['accounts', account.id], settings: accountEntry });
    return levels;
  }

  private build(
    ouPath: string,
    account: AccountInfo,
    accountEntry: AccountConfig | undefined,
  ): EffectiveConfig {
    const levels = this.chain(ouPath, account, accountEntry);
    let setNames: string[] = [];
    let routes: Route[] = [];
    let cooldownMinutes = DEFAULT_COOLDOWN_MINUTES;
    const exceptions = [...this.orgExceptions];
    for (const { configPath, settings: level } of levels) {
      if (level.ruleSets)
        setNames = level.ruleSetsMode === 'replace' ? [...level.ruleSets] : [...setNames, ...level.ruleSets];
      if (level.routes)
        routes = level.routesMode === 'add' ? [...routes, ...level.routes] : [...level.routes];
      if (typeof level.cooldownMinutes === 'number' && level.cooldownMinutes >= 0)
        cooldownMinutes = level.cooldownMinutes;
      exceptions.push(...this.compile(level.exceptions, [...configPath, 'exceptions']));
    }
    const known = [...new Set(setNames)]
      .filter((n) => Object.prototype.hasOwnProperty.call(this.config.ruleSets ?? {}, n))
      .sort();
    let ruleIds: ReadonlySet<string> = this.allIds;
    let ruleSetKey = '*';
    if (known.length > 0) {
      const ids = new Set<string>();
      for (const name of known) for (const id of this.ruleSet(name)) ids.add(id);
      ruleIds = ids;
      ruleSetKey = known.join('+');
    }
    return {
      ruleIds,
      ruleSetKey,
      exceptions,
      routes,
      cooldownSeconds: Math.round(cooldownMinutes * 60),
      ouPath,
      sources: levels.map((l) => l.configPath.join('.')),
    };
  }

  private ruleSet(name: string): Set<string> {
    let ids = this.setCache.get(name);
    if (!ids) {
      ids = selectRules(this.config.ruleSets![name], this.rules, this.rulesRoot);
      this.setCache.set(name, ids);
    }
    return ids;
  }

  private compile(list: AccountsConfig['exceptions'], path: (string | number)[]): CompiledException[] {
    if (!list || list.length === 0) return [];
    const where = path.map(String).join('.');
    return compileExceptions(list, {
      where,
      file: this.file,
      lineOf: (i) => lineOf(this.config, [...path, i]),
    });
  }
}
