/**
 * The processor Lambda with GuardDuty events on its queue (the real handler, a dynalite state
 * table, SES and SNS mocked): a finding is sent like a CloudTrail alert; a malformed one fails its
 * message (kept for the DLQ), counted. And the dashboard's metrics: per-OU outcomes, detection lag,
 * exceptions expiring soon.
 */
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context, SQSRecord } from 'aws-lambda';
import type { AccountsConfig } from '../../src/org/types';
import {
  exceptionsExpiringWithin,
  OU_DIMENSION,
  OU_METRICS,
  PROCESSOR_METRICS,
} from '../../src/processor/counter-metrics';
import { Container, contextWith, failedIds, World } from '../faults/processor-fixture';
import { envelope, finding } from './fixtures';

const message = (id: string, body: unknown): SQSRecord =>
  ({ messageId: id, body: JSON.stringify(body), receiptHandle: id, eventSource: 'aws:sqs' }) as SQSRecord;

/** A finding without a remote IP (no IP context lookup leaves the test). */
const quiet = (overrides: Record<string, unknown> = {}) =>
  finding({ service: { serviceName: 'guardduty', count: 1 }, ...overrides });

function recordSingles(container: Container): { ou: string; name: string; value: number }[] {
  const seen: { ou: string; name: string; value: number }[] = [];
  container.metrics.singleMetric = () => {
    let ou = '';
    const single = {
      addDimension: (key: string, value: string) => {
        if (key === OU_DIMENSION) ou = value;
        return single;
      },
      addMetric: (name: string, _unit: unknown, value: number) => {
        seen.push({ ou, name, value });
        return single;
      },
    };
    return single as unknown as Metrics;
  };
  return seen;
}

describe('processor Lambda with GuardDuty findings', () => {
  const world = new World();
  beforeAll(() => world.start(), 30_000);
  afterAll(() => world.stop());
  beforeEach(() => world.reset());

  it('sends a finding to the routes of its OU and publishes the dashboard metrics', async () => {
    const container = await Container.create(world);
    const singles = recordSingles(container);
    const res = await container.invoke([message('m1', envelope(quiet()))]);
    expect(failedIds(res)).toEqual([]);
    expect(world.counts(/GuardDuty: UnauthorizedAccess:IAMUser\/TorIPCaller/)).toEqual({
      soc: 1,
      audit: 1,
      pager: 1,
    });
    expect(container.metrics.count('Alerts_sent')).toBe(1);
    // updatedAt 10:00:00, the world's clock 10:05:00.
    expect(container.metrics.count(PROCESSOR_METRICS.detectionLag)).toBe(5 * 60_000);
    expect(singles).toEqual(
      expect.arrayContaining([
        { ou: '/Production', name: OU_METRICS.matches, value: 1 },
        { ou: '/Production', name: OU_METRICS.sent, value: 1 },
      ]),
    );
  });

  it('fails a malformed finding (kept for the DLQ), counts it, and processes the rest of the batch', async () => {
    const container = await Container.create(world);
    const res = await container.invoke([
      message('bad', envelope(quiet({ accountId: 'not-an-account' }))),
      message('other-source', {
        ...envelope(quiet({ id: 'abababababababababababababababab' })),
        source: 'aws.ec2',
      }),
      message('good', envelope(quiet({ id: 'cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd' }))),
    ]);
    expect(failedIds(res).sort()).toEqual(['bad', 'other-source']);
    expect(container.metrics.count(PROCESSOR_METRICS.guardDutyRejected)).toBe(2);
    expect(container.metrics.count(PROCESSOR_METRICS.matchFailures)).toBe(2);
    expect(container.metrics.count('Alerts_sent')).toBe(1);
  });

  it('publishes the exceptions expiring soon on its scheduled run', async () => {
    const container = await Container.create(world);
    await container.handler(
      { source: 'aws.events', 'detail-type': 'Scheduled Event' } as never,
      contextWith(60_000) as Context,
    );
    expect(container.metrics.counts.has(PROCESSOR_METRICS.exceptionsExpiringSoon)).toBe(true);
  });
});

describe('exceptions expiring within 14 days', () => {
  const now = new Date('2026-11-20T10:00:00Z');
  const config = {
    exceptions: [
      { rule: '*', reason: 'r', expires: '2026-11-25' },
      { rule: '*', reason: 'r', expires: '2026-12-31' },
      { rule: '*', reason: 'r', expires: '2026-11-01' },
      { rule: '*', reason: 'r' },
    ],
    organizationalUnits: {
      '/Sandbox': { exceptions: [{ rule: '*', reason: 'r', expires: '2026-12-03T12:00:00Z' }] },
    },
    accounts: {
      '444455556666': { name: 'p', ou: '/', exceptions: [{ rule: '*', reason: 'r', expires: '2026-12-04' }] },
    },
  } as unknown as AccountsConfig;

  it('counts those still in force whose expiry falls within the window, wherever defined', () => {
    // 11-25 and 12-03 12:00 are within 14 days; 12-04 ends on 12-05 00:00, past the window.
    expect(exceptionsExpiringWithin(config, now)).toBe(2);
    expect(exceptionsExpiringWithin(config, now, 30)).toBe(3);
    expect(exceptionsExpiringWithin(config, now, 14, [new Date('2026-11-21T00:00:00Z'), undefined])).toBe(3);
  });
});
