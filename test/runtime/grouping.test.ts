/**
 * Grouping through the processor, as production and `scan` run it: a Terraform run over many
 * routes is one alert and one digest, a different attack by the same actor is never held back,
 * exact repeats are counted, digests go out with the next alert or when their window closes, and
 * a failed send is retried without losing or double-counting anything.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Alert, AlertOutcome } from '../../src/alerts/alert';
import { MemoryStateStore } from '../../src/alerts/state/memory-store';
import type { NamedDestination } from '../../src/notify/destination';
import { parseAccountsConfig } from '../../src/org/config';
import { StaticAccountDirectory } from '../../src/org/directory';
import { Analyzer } from '../../src/runtime/analyze';
import { assembleProcessor } from '../../src/runtime/assemble';
import { buildPolicy, type DetectionContent } from '../../src/runtime/build';
import { scan } from '../../src/runtime/scan';
import { parseRules } from '../../src/sigma/index';

const RULES = `
title: Route Changed
id: 6f0e8a51-0d1e-4b7e-9c55-1a2b3c4d5e01
logsource: { product: aws, service: cloudtrail }
detection:
  sel: { eventSource: ec2.amazonaws.com, eventName: [CreateRoute, ReplaceRoute, DeleteRoute] }
  condition: sel
level: medium
---
title: Ingress Opened
id: 6f0e8a51-0d1e-4b7e-9c55-1a2b3c4d5e02
logsource: { product: aws, service: cloudtrail }
detection:
  sel: { eventSource: ec2.amazonaws.com, eventName: AuthorizeSecurityGroupIngress }
  condition: sel
level: high
---
title: Security Group Changed
id: 6f0e8a51-0d1e-4b7e-9c55-1a2b3c4d5e03
logsource: { product: aws, service: cloudtrail }
detection:
  sel: { eventSource: ec2.amazonaws.com, eventName: AuthorizeSecurityGroupIngress }
  condition: sel
level: low
---
title: Access Denied
id: 6f0e8a51-0d1e-4b7e-9c55-1a2b3c4d5e04
logsource: { product: aws, service: cloudtrail }
detection:
  sel: { errorCode: AccessDenied }
  condition: sel
level: low
`;

const CONFIG = `
organization: { id: o-testorg0001, managementAccountId: '111111111111', securityAccountId: '222222222222', homeRegion: us-east-1 }
trail: { bucket: trail, accountId: '333333333333' }
destinations:
  soc: { type: email, from: a@example.com, to: [b@example.com] }
  pager: { type: sns, topicArn: 'arn:aws:sns:us-east-1:222222222222:pager' }
organizationalUnits:
  /: { routes: [{ to: [soc], minLevel: low }, { to: [pager], minLevel: medium }], cooldownMinutes: 15 }
accounts:
  '444455556666': { name: payments-prod, ou: /Production }
`;

const at = (hhmmss: string) => `2026-11-20T${hhmmss}Z`;

function call(id: string, name: string, params: Record<string, unknown>, time: string, extra = {}) {
  return {
    eventVersion: '1.10',
    eventID: id,
    eventTime: time,
    eventSource: name === 'CreateService' ? 'ecs.amazonaws.com' : 'ec2.amazonaws.com',
    eventName: name,
    awsRegion: 'eu-west-1',
    sourceIPAddress: '10.0.0.9',
    recipientAccountId: '444455556666',
    requestParameters: params,
    userIdentity: {
      type: 'AssumedRole',
      arn: 'arn:aws:sts::444455556666:assumed-role/terraform/run-42',
      accountId: '444455556666',
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          arn: 'arn:aws:iam::444455556666:role/terraform',
          userName: 'terraform',
        },
      },
    },
    ...extra,
  };
}

const route = (i: number, time: string) =>
  call(`route-${i}`, 'CreateRoute', { routeTableId: 'rtb-1', destinationCidrBlock: `10.0.${i}.0/24` }, time);

const ingress = (id: string, port: number, time: string) =>
  call(
    id,
    'AuthorizeSecurityGroupIngress',
    {
      groupId: 'sg-0a1b2c3d',
      ipPermissions: {
        items: [
          { ipProtocol: 'tcp', fromPort: port, toPort: port, ipRanges: { items: [{ cidrIp: '0.0.0.0/0' }] } },
        ],
      },
    },
    time,
  );

const denied = (id: string, time: string) =>
  call(id, 'CreateService', { cluster: 'payments', serviceName: 'ledger-api' }, time, {
    errorCode: 'AccessDenied',
  });

function setup(fail: (alert: Alert, to: string) => boolean = () => false) {
  let wall = Date.parse(at('10:05:00'));
  const now = () => new Date(wall);
  const bundle = parseRules(RULES, 'rules/test.yml');
  expect(bundle.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const config = parseAccountsConfig(CONFIG, 'accounts.yaml').config!;
  const content: DetectionContent = { bundle, correlations: [], importedExceptions: [], diagnostics: [] };
  const policy = buildPolicy(config, content);
  const directory = new StaticAccountDirectory(config);
  const sent: { alert: Alert; to: string }[] = [];
  const sender = {
    async send(alert: Alert, d: NamedDestination) {
      if (fail(alert, d.name)) throw new Error('throttled');
      sent.push({ alert: structuredClone(alert), to: d.name });
    },
  };
  const store = new MemoryStateStore({ now });
  const processor = assembleProcessor(config, content, policy, { store, directory, sender, now });
  const analyzer = new Analyzer({ rules: bundle.rules, policy, directory });
  let index = 0;
  const run = async (record: Record<string, unknown>) => {
    const outcomes: AlertOutcome[] = [];
    for (const m of await analyzer.analyze({ record, source: { file: 'f', index: index++ } }))
      outcomes.push(...(await processor.process(m)));
    return outcomes;
  };
  return { run, sent, processor, analyzer, setWall: (time: string) => (wall = Date.parse(time)) };
}

/** Event ids a notification delivers: its own (unless it is a digest alone) and its digest's. */
function delivered(alert: Alert): string[] {
  const own = alert.digest?.standalone ? [] : [alert.eventID ?? ''];
  return [...own, ...(alert.digest?.entries.map((e) => e.eventID ?? '') ?? [])];
}

describe('grouping in the processor', () => {
  it('a Terraform run over 30 routes: the first alert at once, then ONE digest listing the other 29', async () => {
    const { run, sent, processor, setWall } = setup();
    const outcomes: AlertOutcome[] = [];
    for (let i = 0; i < 30; i++)
      outcomes.push(...(await run(route(i, at(`10:00:${String(i).padStart(2, '0')}`)))));
    expect(outcomes.map((o) => o.kind)).toEqual(['sent']);
    expect(sent.map((s) => s.to)).toEqual(['soc', 'pager']);

    // Not before the window (15 min) has closed, plus the grace for late events (10 min).
    expect((await processor.flushDigests()).outcomes).toEqual([]);
    setWall(at('10:25:00'));
    const flushed = await processor.flushDigests();
    expect(flushed.outcomes.map((o) => o.kind)).toEqual(['sent']);
    const digest = flushed.outcomes[0].alert;
    expect(digest.digest).toMatchObject({
      standalone: true,
      repeats: 0,
      since: at('10:00:01.000'),
      until: at('10:00:29.000'),
    });
    expect(digest.digest?.entries).toHaveLength(29);
    expect(digest.digest?.entries[0]).toEqual({
      time: at('10:00:01'),
      eventID: 'route-1',
      eventName: 'CreateRoute',
      target: 'route table rtb-1, destination 10.0.1.0/24',
      alertId: expect.any(String),
    });
    expect(sent).toHaveLength(4);
    const ids = sent.filter((s) => s.to === 'soc').flatMap((s) => delivered(s.alert));
    expect(ids.sort()).toEqual(Array.from({ length: 30 }, (_, i) => `route-${i}`).sort());
    expect(processor.counters).toMatchObject({ sent: 2, folded: 29, digests: 1, suppressed: 0 });
    expect((await processor.flushDigests({ all: true })).outcomes).toEqual([]);
  });

  it('port 22 opened three seconds after port 443 on the same group goes out at once, alone', async () => {
    const { run, sent } = setup();
    const first = await run(ingress('p443', 443, at('10:00:00')));
    const second = await run(ingress('p22', 22, at('10:00:03')));
    expect(first.map((o) => [o.kind, o.alert.rule.title])).toEqual([
      ['sent', 'Ingress Opened'],
      ['sent', 'Security Group Changed'],
    ]);
    // High: an alert of its own. Low: folded into the digest of that rule (never suppressed).
    expect(second.map((o) => [o.kind, o.alert.rule.title])).toEqual([['sent', 'Ingress Opened']]);
    expect(second[0].alert.target?.label).toBe('group sg-0a1b2c3d, tcp 22 from 0.0.0.0/0');
    expect(sent.filter((s) => s.alert.eventID === 'p22').map((s) => s.to)).toEqual(['soc', 'pager']);
  });

  it('exact repeats are counted, not sent, and the next notification of the key counts them', async () => {
    const { run, sent } = setup();
    const outcomes = [];
    for (let m = 0; m < 5; m++) outcomes.push(...(await run(denied(`d${m}`, at(`10:0${m}:00`)))));
    expect(outcomes.map((o) => o.kind)).toEqual([
      'sent',
      'suppressed',
      'suppressed',
      'suppressed',
      'suppressed',
    ]);
    expect(outcomes[1]).toMatchObject({ kind: 'suppressed', until: at('10:15:00.000') });
    const next = await run(denied('d-late', at('10:30:00')));
    expect(next.map((o) => o.kind)).toEqual(['sent']);
    expect(sent[sent.length - 1].alert.digest).toEqual({
      since: at('10:01:00.000'),
      until: at('10:04:00.000'),
      entries: [],
      repeats: 4,
    });
  });

  it('the next alert of the key carries the open digest, and nothing is left to flush', async () => {
    const { run, processor, setWall } = setup();
    await run(route(1, at('10:00:00')));
    expect(await run(route(2, at('10:01:00')))).toEqual([]);
    const carrier = await run(route(3, at('10:20:00')));
    expect(carrier.map((o) => o.kind)).toEqual(['sent']);
    expect(carrier[0].alert.digest).toMatchObject({
      entries: [expect.objectContaining({ eventID: 'route-2' })],
      repeats: 0,
    });
    expect(carrier[0].alert.digest?.standalone).toBeUndefined();
    setWall(at('12:00:00'));
    expect((await processor.flushDigests()).outcomes).toEqual([]);
  });

  it('a failed carrier send is retried: served destinations are skipped, the digest and count are not doubled', async () => {
    let failures = 1;
    const { run, sent, processor, analyzer } = setup(
      (alert, to) => to === 'pager' && !!alert.digest && failures-- > 0,
    );
    await run(route(1, at('10:00:00')));
    await run(route(2, at('10:01:00')));
    const repeat = call(
      'route-2b',
      'CreateRoute',
      { routeTableId: 'rtb-1', destinationCidrBlock: '10.0.2.0/24' },
      at('10:02:00'),
    );
    expect((await run(repeat)).map((o) => o.kind)).toEqual(['suppressed']);
    const carrier = route(3, at('10:20:00'));
    await expect(run(carrier)).rejects.toThrow(/1 of 2 sends failed/);
    expect(sent.filter((s) => s.alert.eventID === 'route-3').map((s) => s.to)).toEqual(['soc']);
    // SQS redelivers the match.
    const [match] = await analyzer.analyze({ record: carrier, source: { file: 'f', index: 99 } });
    expect((await processor.process(match)).map((o) => o.kind)).toEqual(['sent']);
    const carried = sent.filter((s) => s.alert.eventID === 'route-3');
    expect(carried.map((s) => s.to)).toEqual(['soc', 'pager']);
    for (const c of carried)
      expect(c.alert.digest).toMatchObject({
        entries: [expect.objectContaining({ eventID: 'route-2' })],
        repeats: 1,
      });
    expect(processor.counters.suppressed).toBe(1);
  });

  it('a digest whose send fails stays due and goes out with the next flush', async () => {
    let failures = 1;
    const { run, sent, processor, setWall } = setup(
      (alert, to) => to === 'pager' && !!alert.digest?.standalone && failures-- > 0,
    );
    await run(route(1, at('10:00:00')));
    await run(route(2, at('10:01:00')));
    setWall(at('10:30:00'));
    const failed = await processor.flushDigests();
    expect(failed.outcomes).toEqual([]);
    expect(failed.failures).toEqual([
      { digest: expect.any(String), error: expect.stringMatching(/throttled/) },
    ]);
    // The next scheduled run.
    setWall(at('10:35:00'));
    const retried = await processor.flushDigests();
    expect(retried.outcomes.map((o) => o.kind)).toEqual(['sent']);
    // soc had it already (delivery receipt): only the destination that failed receives it now.
    expect(sent.filter((s) => s.alert.digest?.standalone).map((s) => s.to)).toEqual(['soc', 'pager']);
  });

  it('scan sends every open digest at the end: nothing folded stays unsent', async () => {
    const { processor, analyzer } = setup();
    const dir = mkdtempSync(join(tmpdir(), 'ta-grouping-'));
    try {
      const records = Array.from({ length: 5 }, (_, i) => route(i, at(`10:00:0${i}`)));
      writeFileSync(join(dir, 'trail.json'), JSON.stringify({ Records: records }));
      const seen: AlertOutcome[] = [];
      const result = await scan({
        inputs: [dir],
        analyzer,
        processor,
        onProblem: () => {},
        onOutcome: (o) => seen.push(o),
      });
      expect(result.outcomes).toEqual(seen);
      // The file was small enough to be read whole ahead of its turn: its bytes are counted all the same.
      expect(result.bytes).toBe(statSync(join(dir, 'trail.json')).size);
      expect(result.outcomes.map((o) => [o.kind, Boolean(o.alert.digest?.standalone)])).toEqual([
        ['sent', false],
        ['sent', true],
      ]);
      expect(result.outcomes.flatMap((o) => delivered(o.alert)).sort()).toEqual(
        records.map((r) => r.eventID).sort(),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
