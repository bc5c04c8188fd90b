/**
 * Semantic checks of a loaded accounts.yaml, beyond what the schema can say: names that refer to
 * nothing (destinations, rule sets, rules), OU paths and ids that do not parse, account ids that
 * are not 12 digits, exceptions without a reason or already expired, actor patterns outside RE2's
 * syntax (backreferences, lookarounds), invalid CIDRs; and, as warnings, the silent mistakes: OU entries
 * and account OUs that miss each other (validate-ous.ts), selectors that select nothing, each with
 * "did you mean …" when a close name exists. Every diagnostic carries the line of its node.
 * (Duplicate account ids are found by the loader, at YAML level, where they are still visible.)
 */
import { compileIpRange } from './ip-match';
import { expiryInstant } from './exceptions';
import {
  ACCOUNT_ID,
  isGuardDutyRuleRef,
  LEVELS,
  ORGANIZATION_ID_SOURCE,
  REGION,
  type Diagnostic,
  type Severity,
  isProblem,
} from '../core';
import type { RuleMeta } from '../sigma';
import { lineOf } from './config';
import { isOuId, isRootId, normalizeOuPath, ouIdPaths } from './ou-path';
import { compileActorPattern } from './actor-patterns';
import { didYouMean } from './did-you-mean';
import { compileRuleRef, isPathRef, ruleRelativePath } from './rule-ref';
import type { AccountsConfig, ExceptionConfig, RouteConfig } from './types';
import { validateOus } from './validate-ous';
import { wildcardMatch } from './wildcard';
import { formatPath, type PathSegment } from './yaml-locate';

export interface ValidationContext {
  /** The loaded rules; without them, rule references are not checked. */
  rules?: RuleMeta[];
  /** Directory rule paths are relative to (for path-glob selectors). */
  rulesRoot?: string;
  now?: Date;
  file: string;
}

const ORG_ID = new RegExp(`^${ORGANIZATION_ID_SOURCE}$`);

const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
/** What a PagerDuty Events v2 routing (integration) key looks like: 32 letters and digits. */
const ROUTING_KEY_LIKE = /^[A-Za-z0-9]{32}$/;

/** Why `value` cannot be the name of the secret that holds a routing key; undefined when it can. */
function routingKeySecretProblem(value: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value))
    return 'must name a Secrets Manager secret that holds the routing key, not a URL';
  // Never echo it: it may be the key itself.
  if (ROUTING_KEY_LIKE.test(value) && /\d/.test(value) && /[a-z]/i.test(value))
    return 'looks like a routing key: name the Secrets Manager secret that holds it, never the key itself';
  if (value.startsWith('arn:'))
    return SECRET_ARN.test(value)
      ? undefined
      : 'expected a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)';
  if (!SECRET_NAME.test(value))
    return 'expected a Secrets Manager secret name (letters, digits and /_+=.@-, at most 512 characters)';
  return undefined;
}

export function validateAccountsConfig(config: AccountsConfig, ctx: ValidationContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const report = (severity: Severity, path: PathSegment[], message: string) =>
    out.push({
      severity,
      file: ctx.file,
      line: lineOf(config, path),
      path: formatPath(path) || undefined,
      message,
    });
  const now = ctx.now ?? new Date();
  const destinations = new Set(Object.keys(config.destinations ?? {}));
  const ruleSets = new Set(Object.keys(config.ruleSets ?? {}));
  const rules = ctx.rules;

  const accountId = (path: PathSegment[], value: unknown) => {
    if (typeof value !== 'string' || !ACCOUNT_ID.test(value))
      report('error', path, `expected a 12-digit AWS account id, got ${JSON.stringify(value)}`);
  };
  const refMatchesNothing = (ref: string) =>
    rules !== undefined &&
    ref.trim() !== '*' &&
    !isGuardDutyRuleRef(ref) &&
    !rules.some(compileRuleRef(ref, ctx.rulesRoot));
  const names = ruleNames(rules ?? [], ctx.rulesRoot);
  // A path-like reference is compared with rule paths and folders, any other with titles and ids.
  const ruleHint = (ref: string) =>
    didYouMean(ref.trim(), isPathRef(ref.trim()) ? names.paths : names.titles);

  // Organization, trail, pipeline.
  const org = config.organization;
  if (!ORG_ID.test(org.id))
    report(
      'error',
      ['organization', 'id'],
      `expected an organization id like o-abcd123456, got ${JSON.stringify(org.id)}`,
    );
  accountId(['organization', 'managementAccountId'], org.managementAccountId);
  accountId(['organization', 'securityAccountId'], org.securityAccountId);
  if (!REGION.test(org.homeRegion))
    report(
      'error',
      ['organization', 'homeRegion'],
      `expected an AWS region like us-east-1, got ${JSON.stringify(org.homeRegion)}`,
    );
  if (
    org.accountDirectory?.roleArn &&
    !/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/.test(org.accountDirectory.roleArn)
  ) {
    report(
      'error',
      ['organization', 'accountDirectory', 'roleArn'],
      'expected an IAM role ARN (arn:aws:iam::<management account>:role/<name>)',
    );
  }
  accountId(['trail', 'accountId'], config.trail.accountId);
  const prefix = config.trail.prefix;
  if (
    prefix !== undefined &&
    (prefix.startsWith('/') || prefix.endsWith('/') || prefix.includes('AWSLogs'))
  ) {
    report(
      'error',
      ['trail', 'prefix'],
      `expected the key prefix before AWSLogs/ without leading or trailing "/", got ${JSON.stringify(prefix)}`,
    );
  }
  config.trail.regions?.forEach((r, i) => {
    if (!REGION.test(r))
      report('error', ['trail', 'regions', i], `expected an AWS region, got ${JSON.stringify(r)}`);
  });
  config.deployment?.guardDutyRegions?.forEach((r, i) => {
    if (!REGION.test(r))
      report(
        'error',
        ['deployment', 'guardDutyRegions', i],
        `expected an AWS region, got ${JSON.stringify(r)}`,
      );
    else if (r === config.organization.homeRegion)
      report(
        'notice',
        ['deployment', 'guardDutyRegions', i],
        `${r} is the home region: its GuardDuty findings reach the processor without forwarding`,
      );
  });
  if (config.pipeline) {
    const p = config.pipeline;
    if (!p.codeCommit && !(p.connectionArn && p.repository)) {
      report(
        'error',
        ['pipeline'],
        'expected connectionArn and repository (CodeConnections), or codeCommit: { repositoryName }',
      );
    }
  }

  // Destinations.
  let securityHub: string | undefined;
  for (const [name, d] of Object.entries(config.destinations ?? {})) {
    if (d.type === 'webhook' && /^[a-z][a-z0-9+.-]*:\/\//i.test(d.urlSecret)) {
      report(
        'error',
        ['destinations', name, 'urlSecret'],
        'must name a Secrets Manager secret that holds the URL, not the URL itself',
      );
    }
    if (d.type === 'pagerduty') {
      const problem = routingKeySecretProblem(d.routingKeySecret);
      if (problem) report('error', ['destinations', name, 'routingKeySecret'], problem);
    }
    if (d.type === 'securityhub') {
      // Both would import the same finding (same Id) into the same account: the second adds nothing.
      if (securityHub !== undefined)
        report(
          'warning',
          ['destinations', name],
          `a second securityhub destination (the first is "${securityHub}"): both import the same findings into the security account; route to one`,
        );
      securityHub ??= name;
    }
  }

  // Rule sets.
  for (const [name, set] of Object.entries(config.ruleSets ?? {})) {
    const selectors: [PathSegment[], string][] = [
      ...set.rules.map((s, i): [PathSegment[], string] => [['ruleSets', name, 'rules', i], s]),
      ...(set.exclude ?? []).map((s, i): [PathSegment[], string] => [['ruleSets', name, 'exclude', i], s]),
    ];
    for (const [path, sel] of selectors) {
      const lower = sel.trim().toLowerCase();
      if (lower.startsWith('level:')) {
        const level = lower.slice(6).trim();
        if (!(LEVELS as readonly string[]).includes(level))
          report('error', path, `unknown level "${level}"; expected one of: ${LEVELS.join(', ')}`);
      } else if (lower.startsWith('tag:')) {
        const tag = sel.trim().slice(4);
        if (rules && !rules.some((r) => r.tags.some((t) => wildcardMatch(tag, t))))
          report('warning', path, `no rule has tag "${tag}"${didYouMean(tag, names.tags)}`);
      } else if (refMatchesNothing(sel)) {
        report(
          'warning',
          path,
          `selector "${sel}" matches no rule (expected a path glob relative to the rules directory, a rule id or title, tag:… or level:…)${ruleHint(sel)}`,
        );
      }
    }
  }

  // Routes, rule-set references, exceptions, wherever they are defined.
  const checkRoutes = (base: PathSegment[], routes: RouteConfig[] | undefined) =>
    routes?.forEach((route, i) => {
      route.to.forEach((name, j) => {
        if (!destinations.has(name))
          report(
            'error',
            [...base, i, 'to', j],
            `unknown destination "${name}"; expected one of: ${[...destinations].join(', ') || '(none defined)'}`,
          );
      });
      route.rules?.forEach((ref, j) => {
        if (refMatchesNothing(ref))
          report('error', [...base, i, 'rules', j], `rule "${ref}" matches no rule${ruleHint(ref)}`);
      });
    });
  const checkRuleSets = (base: PathSegment[], names: string[] | undefined) =>
    names?.forEach((name, i) => {
      if (!ruleSets.has(name))
        report(
          'error',
          [...base, i],
          `unknown rule set "${name}"; expected one of: ${[...ruleSets].join(', ') || '(none defined)'}`,
        );
    });
  const checkExceptions = (base: PathSegment[], list: ExceptionConfig[] | undefined) =>
    list?.forEach((e, i) => checkException([...base, i], e));
  const checkException = (path: PathSegment[], e: ExceptionConfig) => {
    if (typeof e.reason !== 'string' || e.reason.trim() === '')
      report('error', [...path, 'reason'], 'every exception needs a reason (why this activity is expected)');
    if (refMatchesNothing(e.rule))
      report('error', [...path, 'rule'], `rule "${e.rule}" matches no rule${ruleHint(e.rule)}`);
    const conditions = [
      'actors',
      'actorPatterns',
      'sourceIPs',
      'userAgents',
      'regions',
      'eventNames',
    ] as const;
    if (e.rule.trim() === '*' && !conditions.some((c) => e[c] !== undefined)) {
      report(
        'error',
        path,
        'an exception for every rule needs at least one condition (actors, sourceIPs, …); as written it would silence every alert',
      );
    }
    if (e.expires !== undefined) {
      const at = expiryInstant(String(e.expires));
      if (!at) report('error', [...path, 'expires'], `expected a date, got ${JSON.stringify(e.expires)}`);
      else if (at.getTime() <= now.getTime())
        report(
          'warning',
          [...path, 'expires'],
          `expired on ${e.expires}; it no longer applies (remove it or extend it)`,
        );
    }
    e.actorPatterns?.forEach((pattern, j) => {
      const checked = compileActorPattern(pattern);
      if (isProblem(checked)) report('error', [...path, 'actorPatterns', j], checked.problem);
      else for (const notice of checked.notices) report('notice', [...path, 'actorPatterns', j], notice);
    });
    e.sourceIPs?.forEach((ip, j) => {
      const range = compileIpRange(ip);
      if ('problem' in range) report('error', [...path, 'sourceIPs', j], range.problem);
    });
    for (const field of conditions) {
      if (e[field]?.length === 0)
        report('warning', [...path, field], `empty list: the exception can never apply`);
    }
  };

  checkExceptions(['exceptions'], config.exceptions);
  for (const [key, ou] of Object.entries(config.organizationalUnits ?? {})) {
    const base: PathSegment[] = ['organizationalUnits', key];
    if (isOuId(key)) {
      if (ou.path !== undefined && !normalizeOuPath(ou.path))
        report('error', [...base, 'path'], `"${ou.path}" is not an OU path (expected /Name/Child)`);
      if (ou.id !== undefined)
        report('error', [...base, 'id'], 'an OU keyed by its id takes `path:`, not `id:`');
    } else if (!normalizeOuPath(key)) {
      report(
        'error',
        base,
        `"${key}" is neither an OU path (/, /Workloads/Production) nor an OU id (ou-xxxx-yyyyyyyy)`,
      );
    } else {
      if (ou.id !== undefined && !isOuId(ou.id))
        report('error', [...base, 'id'], `"${ou.id}" is not an OU id (expected ou-xxxx-yyyyyyyy)`);
      if (ou.path !== undefined)
        report('error', [...base, 'path'], 'an OU keyed by its path takes `id:`, not `path:`');
    }
    checkRuleSets([...base, 'ruleSets'], ou.ruleSets);
    checkRoutes([...base, 'routes'], ou.routes);
    checkExceptions([...base, 'exceptions'], ou.exceptions);
  }
  const idPaths = ouIdPaths(config);
  for (const [id, account] of Object.entries(config.accounts ?? {})) {
    const base: PathSegment[] = ['accounts', id];
    if (isOuId(account.ou) && !idPaths.has(account.ou)) {
      report(
        'warning',
        [...base, 'ou'],
        `OU id ${account.ou} has no path in organizationalUnits (add \`${account.ou}: { path: /… }\`); offline it resolves to /`,
      );
    }
    if (!ACCOUNT_ID.test(id)) report('error', base, `expected a 12-digit AWS account id as key, got "${id}"`);
    if (!isOuId(account.ou) && !normalizeOuPath(account.ou)) {
      report(
        'error',
        [...base, 'ou'],
        `"${account.ou}" is neither an OU path (/Workloads/Production) nor an OU id (ou-xxxx-yyyyyyyy)`,
      );
    }
    checkRuleSets([...base, 'ruleSets'], account.ruleSets);
    checkRoutes([...base, 'routes'], account.routes);
    checkExceptions([...base, 'exceptions'], account.exceptions);
  }
  validateOus(config, (severity, path, message) => report(severity, path, message));

  config.grants?.targets.organizationalUnits.forEach((target, i) => {
    if (!isOuId(target) && !isRootId(target))
      report(
        'error',
        ['grants', 'targets', 'organizationalUnits', i],
        `"${target}" is not an OU id (ou-xxxx-yyyyyyyy) or root id (r-xxxx)`,
      );
  });
  config.grants?.regions?.forEach((r, i) => {
    if (!REGION.test(r))
      report('error', ['grants', 'regions', i], `expected an AWS region, got ${JSON.stringify(r)}`);
  });
  return out;
}

/** What a rule reference may have meant: titles and ids; rule paths and the folder globs above them. */
function ruleNames(
  rules: RuleMeta[],
  rulesRoot?: string,
): { titles: string[]; paths: string[]; tags: string[] } {
  const titles = new Set<string>();
  const paths = new Set<string>();
  const tags = new Set<string>();
  for (const rule of rules) {
    titles.add(rule.title);
    titles.add(rule.id);
    const rel = ruleRelativePath(rule.file, rulesRoot);
    paths.add(rel);
    const parts = rel.split('/');
    for (let i = 1; i < parts.length; i++) paths.add(`${parts.slice(0, i).join('/')}/**`);
    for (const tag of rule.tags) tags.add(tag);
  }
  return { titles: [...titles], paths: [...paths], tags: [...tags] };
}
