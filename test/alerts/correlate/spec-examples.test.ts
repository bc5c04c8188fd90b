/**
 * The correlation specification's examples, adapted to CloudTrail, through the real parser:
 * a chained correlation (event_count inside temporal_ordered) and field name aliases.
 */
import { parseRules } from '../../../src/sigma/parse';
import { CorrelationEngine } from '../../../src/alerts/correlate/engine';
import { MemoryStateStore } from '../../../src/alerts/state/memory-store';
import type { CloudTrailRecord } from '../../../src/core';
import { event } from './helpers';

const CHAIN = `title: Multiple Failed Logins Followed by Successful Login
id: b180ead8-d58f-40b2-ae54-c8940995b9b6
correlation:
  type: temporal_ordered
  rules:
    - multiple_failed_login
    - successful_login
  group-by:
    - userIdentity.arn
  timespan: 10m
level: high
---
title: Multiple failed logons
id: a8418a5a-5fc4-46b5-b23b-6c73beb19d41
name: multiple_failed_login
correlation:
  type: event_count
  rules:
    - failed_login
  group-by:
    - userIdentity.arn
  timespan: 10m
  condition:
    gte: 3
---
title: Single failed login
id: 53ba33fd-3a50-4468-a5ef-c583635cfa92
name: failed_login
logsource: { product: aws, service: cloudtrail }
detection:
  selection:
    eventName: ConsoleLogin
    responseElements.ConsoleLogin: Failure
  condition: selection
---
title: Successful login
id: 4d0a2c83-c62c-4ed4-b475-c7e23a9269b8
name: successful_login
logsource: { product: aws, service: cloudtrail }
detection:
  selection:
    eventName: ConsoleLogin
    responseElements.ConsoleLogin: Success
  condition: selection
`;

const ALIASES = `title: Role created and then assumed
id: 6f1e7c64-6c0e-4d5e-9a57-6f0b2b3c9d11
correlation:
  type: temporal
  rules:
    - role_created
    - role_assumed
  group-by:
    - role
  timespan: 5m
  aliases:
    role:
      role_created: responseElements.role.arn
      role_assumed: requestParameters.roleArn
level: medium
---
title: Role created
id: 0c7d7f0e-0f4a-4f3b-8f5e-2b8b8c1f6a01
name: role_created
logsource: { product: aws, service: cloudtrail }
detection:
  selection:
    eventName: CreateRole
  condition: selection
---
title: Role assumed
id: 0c7d7f0e-0f4a-4f3b-8f5e-2b8b8c1f6a02
name: role_assumed
logsource: { product: aws, service: cloudtrail }
detection:
  selection:
    eventName: AssumeRole
  condition: selection
`;

async function replay(
  text: string,
  records: CloudTrailRecord[],
): Promise<{ title: string; groupBy: Record<string, string> }[]> {
  const bundle = parseRules(text, 'spec-example.yml');
  expect(bundle.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const engine = new CorrelationEngine(bundle.correlations, new MemoryStateStore());
  const out: { title: string; groupBy: Record<string, string> }[] = [];
  for (const record of records) {
    for (const rule of bundle.rules) {
      if (!rule.match(record)) continue;
      expect(engine.generates(rule.meta)).toBe(false);
      for (const hit of await engine.observe({ rule: rule.meta, record, accountId: '111122223333' })) {
        out.push({ title: hit.correlation.meta.title, groupBy: hit.groupBy });
      }
    }
  }
  return out;
}

const login = (minute: number, result: 'Failure' | 'Success') =>
  event(minute, { responseElements: { ConsoleLogin: result } });

describe('specification examples', () => {
  it('failed logins followed by a successful login (chained correlation)', async () => {
    const hits = await replay(CHAIN, [
      login(0, 'Failure'),
      login(1, 'Failure'),
      login(2, 'Failure'),
      login(3, 'Success'),
    ]);
    expect(hits).toEqual([
      {
        title: 'Multiple Failed Logins Followed by Successful Login',
        groupBy: { 'userIdentity.arn': 'arn:aws:iam::111122223333:user/alice' },
      },
    ]);
    expect(await replay(CHAIN, [login(0, 'Failure'), login(1, 'Failure'), login(3, 'Success')])).toEqual([]);
    expect(
      await replay(CHAIN, [
        login(0, 'Success'),
        login(1, 'Failure'),
        login(2, 'Failure'),
        login(3, 'Failure'),
      ]),
    ).toEqual([]);
  });

  it('aliases join different fields of different rules', async () => {
    const arn = 'arn:aws:iam::111122223333:role/backdoor';
    const created = event(0, { eventName: 'CreateRole', responseElements: { role: { arn } } });
    const assumedOther = event(1, { eventName: 'AssumeRole', requestParameters: { roleArn: `${arn}-2` } });
    const assumed = event(2, { eventName: 'AssumeRole', requestParameters: { roleArn: arn } });
    expect(await replay(ALIASES, [created, assumedOther])).toEqual([]);
    expect(await replay(ALIASES, [created, assumedOther, assumed])).toEqual([
      {
        title: 'Role created and then assumed',
        groupBy: { role: arn },
      },
    ]);
  });
});
