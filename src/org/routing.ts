/**
 * Routing: which destinations an alert goes to, from the effective routes of its account
 * (org/effective.ts). A route applies when all its given filters hold: level at least `minLevel`,
 * the rule among `rules` (id, title, wildcard or path glob), a rule tag among `tags` (wildcards),
 * and for `correlationsOnly` a correlation alert. An empty result means unrouted (the caller counts it).
 */
import type { Alert } from '../alerts';
import { compileRuleRef, type RuleRefMatcher } from './rule-ref';
import type { RouteConfig } from './types';
import { wildcardMatch } from './wildcard';
import { LEVELS, levelRank, type Level } from '../core';

export type Route = RouteConfig;

/** Compiled rule references, shared across alerts (routes come from one configuration). */
const refs = new Map<string, RuleRefMatcher>();
function ruleRef(ref: string): RuleRefMatcher {
  let matcher = refs.get(ref);
  if (!matcher) {
    matcher = compileRuleRef(ref);
    if (refs.size < 10_000) refs.set(ref, matcher);
  }
  return matcher;
}

function levelOk(level: Level, minLevel: Level | undefined): boolean {
  if (!minLevel) return true;
  // An unknown level on the alert (never expected) ranks lowest rather than slipping through.
  const rank = LEVELS.includes(level) ? levelRank(level) : -1;
  return rank >= levelRank(minLevel);
}

/** Whether one route takes this alert. */
export function routeMatches(alert: Alert, route: Route): boolean {
  if (route.correlationsOnly && alert.kind !== 'correlation') return false;
  if (!levelOk(alert.level, route.minLevel)) return false;
  if (route.rules && !route.rules.some((ref) => ruleRef(ref)(alert.rule))) return false;
  if (route.tags && !route.tags.some((t) => alert.rule.tags.some((tag) => wildcardMatch(t, tag))))
    return false;
  return true;
}

/** Destination names for the alert, in route order, without duplicates. */
export function routeAlert(alert: Alert, routes: readonly Route[]): string[] {
  const names = new Set<string>();
  for (const route of routes) {
    if (routeMatches(alert, route)) for (const name of route.to) names.add(name);
  }
  return [...names];
}
