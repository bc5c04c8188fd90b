/**
 * GuardDuty findings through the processor with the repository's accounts.yaml: routed by the
 * account's OU exactly as CloudTrail alerts, with the account's name and OU, exceptions applied,
 * the cooldown keyed on the finding id, and every finding value escaped where it is rendered.
 */
import type { Alert, AlertOutcome } from '../../src/alerts/alert';
import { MemoryStateStore } from '../../src/alerts/state/memory-store';
import { guardDutyMatch } from '../../src/guardduty/match';
import { checkFinding } from '../../src/guardduty/finding';
import { renderEmail } from '../../src/notify/render-email';
import { renderSlack } from '../../src/notify/render-slack';
import { renderText } from '../../src/notify/render-text';
import type { NamedDestination } from '../../src/notify/destination';
import { StaticAccountDirectory } from '../../src/org/directory';
import { assembleProcessor } from '../../src/runtime/assemble';
import { buildPolicy, loadConfig, type DetectionContent } from '../../src/runtime/build';
import type { AlertProcessor } from '../../src/runtime/process';
import { parseRules } from '../../src/sigma/index';
import { again, DEV_ACCOUNT, finding, PROD_ACCOUNT } from './fixtures';

type Json = Record<string, unknown>;

const loaded = loadConfig('accounts.yaml');
const baseConfig = loaded.config!;
const NOW = new Date('2026-11-20T10:05:00Z');

interface Sent {
  alert: Alert;
  to: string;
}

function processorWith(extra: Json = {}): { processor: AlertProcessor; sent: Sent[] } {
  const config = { ...baseConfig, ...extra } as typeof baseConfig;
  const bundle = parseRules('', 'rules/none.yml');
  const content: DetectionContent = { bundle, correlations: [], importedExceptions: [], diagnostics: [] };
  const sent: Sent[] = [];
  const processor = assembleProcessor(config, content, buildPolicy(config, content), {
    store: new MemoryStateStore({ now: () => NOW }),
    directory: new StaticAccountDirectory(config),
    sender: {
      send: async (alert: Alert, d: NamedDestination) => {
        sent.push({ alert, to: d.name });
      },
    },
    now: () => NOW,
  });
  return { processor, sent };
}

const matchOf = (f: Json, index = 0) => guardDutyMatch(checkFinding(f), { file: 'findings.json', index });

describe('GuardDuty findings through the processor', () => {
  it('has no configuration errors to start from', () => {
    expect(loaded.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it("routes a Production account's finding by the Production OU's routes, with its name and OU", async () => {
    const { processor, sent } = processorWith();
    const [outcome] = await processor.process(matchOf(finding({ severity: 7.5 })));
    expect(outcome.kind).toBe('sent');
    const destinations = (outcome as Extract<AlertOutcome, { kind: 'sent' }>).destinations;
    // `/` sends medium and above to the SOC; /Workloads/Production adds the pager for high.
    expect(destinations).toEqual(expect.arrayContaining(['soc-email', 'prod-pager']));
    expect(destinations).not.toContain('dev-chat');
    const alert = sent[0].alert;
    expect(alert.level).toBe('high');
    expect(alert.account).toMatchObject({
      id: PROD_ACCOUNT,
      name: 'payments-prod',
      ouPath: '/Workloads/Production',
    });
    expect(alert.guardDuty).toMatchObject({
      type: 'UnauthorizedAccess:IAMUser/TorIPCaller',
      count: 1,
      severity: 7.5,
    });
    const text = renderText(alert);
    expect(text).toContain('payments-prod');
    expect(text).toContain('/Workloads/Production');
    expect(text).toContain('GuardDuty: UnauthorizedAccess:IAMUser/TorIPCaller');
  });

  it("routes a Development account's finding by the Development routes (no pager)", async () => {
    const { processor } = processorWith();
    const [outcome] = await processor.process(matchOf(finding({ accountId: DEV_ACCOUNT, severity: 7.5 })));
    expect(outcome.kind).toBe('sent');
    const destinations = (outcome as Extract<AlertOutcome, { kind: 'sent' }>).destinations;
    expect(destinations).toEqual(expect.arrayContaining(['soc-email', 'dev-chat']));
    expect(destinations).not.toContain('prod-pager');
  });

  it('takes the level from the severity, so a low finding in Production reaches no medium+ route', async () => {
    const { processor } = processorWith();
    const [outcome] = await processor.process(matchOf(finding({ severity: 2.0 })));
    expect(outcome.alert.level).toBe('low');
    expect(outcome.kind).toBe('unrouted');
  });

  it('counts repeats of one finding within the cooldown; a new finding always goes out', async () => {
    const { processor } = processorWith();
    const first = finding();
    expect((await processor.process(matchOf(first))).map((o) => o.kind)).toEqual(['sent']);
    // The same event delivered again: the same alert.
    expect((await processor.process(matchOf(first))).map((o) => o.kind)).toEqual(['duplicate']);
    // GuardDuty aggregated more occurrences into the finding, 20 minutes later: within the hour.
    const later = again(first, 14, '2026-11-20T10:20:00.000Z');
    expect((await processor.process(matchOf(later))).map((o) => o.kind)).toEqual(['suppressed']);
    // Another finding of the same type, account and user: not hidden by the first one's cooldown.
    const other = finding({ id: '9e0d1c2b3a4f5e6d7c8b9a0f1e2d3c4b' });
    expect((await processor.process(matchOf(other))).map((o) => o.kind)).toEqual(['sent']);
    // After the cooldown (60 minutes at `/`): the finding alerts again with its count.
    const next = again(first, 30, '2026-11-20T11:30:00.000Z');
    const [outcome] = await processor.process(matchOf(next));
    expect(outcome.kind).toBe('sent');
    expect(outcome.alert.guardDuty?.count).toBe(30);
  });

  it('applies exceptions: by finding type (eventNames), by actor, by region', async () => {
    const byType = processorWith({
      exceptions: [
        { rule: '*', eventNames: ['UnauthorizedAccess:IAMUser/*'], reason: 'test: a type excepted' },
      ],
    });
    expect((await byType.processor.process(matchOf(finding())))[0].kind).toBe('excepted');
    const byActor = processorWith({
      exceptions: [
        { rule: '*', actors: [`arn:aws:iam::${PROD_ACCOUNT}:user/ci-deployer`], reason: 'test: actor' },
      ],
    });
    expect((await byActor.processor.process(matchOf(finding())))[0].kind).toBe('excepted');
    const otherRegion = processorWith({
      exceptions: [{ rule: '*', regions: ['eu-west-1'], reason: 'test: another region' }],
    });
    expect((await otherRegion.processor.process(matchOf(finding())))[0].kind).toBe('sent');
  });

  it('escapes every finding value it renders', async () => {
    const { processor, sent } = processorWith();
    const hostile = finding({
      title: '<img src=x onerror=alert(1)> *bold* <https://evil.example|click>',
      description: '</td><script>alert(1)</script> visit https://evil.example/x',
      resource: {
        resourceType: 'AccessKey',
        accessKeyDetails: {
          accessKeyId: 'AKIA<b>X</b>',
          userName: '<script>alert(2)</script>',
          principalId: 'P',
          userType: 'IAMUser',
        },
      },
    });
    await processor.process(matchOf(hostile));
    const alert = sent[0].alert;
    const email = renderEmail(alert);
    expect(email.html).not.toMatch(/<script|<img|<b>/i);
    expect(email.html).not.toContain('https://evil.example');
    const slack = JSON.stringify(renderSlack(alert));
    expect(slack).not.toContain('<https://evil.example|click>');
    expect(slack).not.toContain('<script>');
    expect(renderText(alert)).not.toContain('https://evil.example');
  });
});
