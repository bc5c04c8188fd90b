/** Test helpers: hand-built rule metadata, correlation models and CloudTrail-like records. */
import type { CloudTrailRecord } from '../../../src/core';
import type { CorrelationRuleModel, CorrelationType, RuleMeta } from '../../../src/sigma/model';

export function rule(id: string, name?: string, title = `Rule ${id}`): RuleMeta {
  return {
    id,
    name,
    title,
    level: 'low',
    tags: [],
    references: [],
    falsepositives: [],
    file: `rules/${id}.yml`,
    line: 1,
  };
}

export function correlation(
  id: string,
  type: CorrelationType,
  rules: string[],
  extra: Partial<Omit<CorrelationRuleModel, 'meta' | 'type' | 'rules'>> & { name?: string } = {},
): CorrelationRuleModel {
  const { name, ...rest } = extra;
  return {
    meta: { ...rule(id, name, `Correlation ${id}`), level: 'high' },
    type,
    rules,
    groupBy: ['userIdentity.arn'],
    timespanMs: 10 * 60 * 1000,
    timespan: '10m',
    aliases: {},
    generate: false,
    ...rest,
  };
}

let counter = 0;
const BASE = Date.parse('2026-11-20T10:00:00Z');

/** A record at `minute` minutes (fractions allowed) after a fixed base time. */
export function event(minute: number, fields: Record<string, unknown> = {}): CloudTrailRecord {
  return {
    eventVersion: '1.08',
    eventID: `evt-${++counter}`,
    eventTime: new Date(BASE + minute * 60_000).toISOString(),
    eventName: 'ConsoleLogin',
    eventSource: 'signin.amazonaws.com',
    recipientAccountId: '111122223333',
    userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/alice' },
    ...fields,
  };
}

export function at(minute: number): string {
  return new Date(BASE + minute * 60_000).toISOString();
}
