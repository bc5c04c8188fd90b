/**
 * Fault injection, processor side: a run that dies part-way (a timeout, out of memory, a crash).
 * The real processor handler on dynalite, SES and SNS mocked; the same message then reaches a
 * fresh container after the visibility timeout, as SQS delivers it. Before leases, the dead run
 * left a "duplicate" behind and the alert was lost; now the redelivery resumes from the receipts.
 */
import { eventAlertId } from '../../src/alerts/dedupe';
import {
  Container,
  contextWith,
  failedIds,
  stopLogging,
  until,
  VISIBILITY_TIMEOUT_MS,
  World,
} from './processor-fixture';

const STOP_RULE = '7c1f0a52-0d3e-4c1a-9a7e-5b2d3c4e5f01';

describe('processor faults: a run that dies, and sends that cannot finish in time', () => {
  const world = new World();
  beforeAll(() => world.start(), 30_000);
  afterAll(() => world.stop());
  beforeEach(() => world.reset());

  it('kill after the first of three destinations → the redelivery serves audit and pager, soc stays at one', async () => {
    const [message] = await world.messages([stopLogging('kill-1', 'kill-first')]);
    const alertId = eventAlertId(STOP_RULE, 'kill-1');
    world.send = (to) => (to === 'soc' ? 'ok' : 'hang');
    const doomed = await Container.create(world);
    void doomed.invoke([message]);
    await until(async () => (await world.receipt(alertId, 'soc')) === 'sent', 'the soc receipt');
    doomed.kill();
    expect(world.counts()).toEqual({ soc: 1, audit: 0, pager: 0 });

    world.send = () => 'ok';
    world.advance(VISIBILITY_TIMEOUT_MS);
    const fresh = await Container.create(world);
    expect(failedIds(await fresh.invoke([message]))).toEqual([]);
    expect(world.counts()).toEqual({ soc: 1, audit: 1, pager: 1 });
    expect(fresh.metrics.count('LeasesExpired')).toBe(1);
    // audit and pager were begun by the dead run: sent again, counted as possible duplicates.
    expect(fresh.metrics.count('RepeatedSends')).toBe(2);
    expect(fresh.metrics.count('Alerts_sent')).toBe(1);

    const later = await Container.create(world);
    expect(failedIds(await later.invoke([message]))).toEqual([]);
    expect(later.metrics.count('Alerts_duplicate')).toBe(1);
    expect(world.counts()).toEqual({ soc: 1, audit: 1, pager: 1 });
  });

  it('kill before any send (SES hangs) → nothing went out, the redelivery sends to all three once', async () => {
    const [message] = await world.messages([stopLogging('kill-2', 'kill-before')]);
    const alertId = eventAlertId(STOP_RULE, 'kill-2');
    world.send = () => 'hang';
    const doomed = await Container.create(world);
    void doomed.invoke([message]);
    await until(
      async () =>
        (await world.receipt(alertId, 'pager')) === 'sending' &&
        (await world.receipt(alertId, 'soc')) === 'sending',
      'the sends to start',
    );
    doomed.kill();
    expect(world.counts()).toEqual({ soc: 0, audit: 0, pager: 0 });

    world.send = () => 'ok';
    // Before the lease runs out, a redelivery (a duplicate message) waits: the message fails.
    world.advance(60_000);
    const early = await Container.create(world);
    expect(failedIds(await early.invoke([message]))).toEqual([message.messageId]);
    expect(early.metrics.count('LeasesBusy')).toBe(1);
    expect(early.metrics.count('MatchFailures')).toBe(0);
    expect(world.counts()).toEqual({ soc: 0, audit: 0, pager: 0 });

    world.advance(VISIBILITY_TIMEOUT_MS);
    const fresh = await Container.create(world);
    expect(failedIds(await fresh.invoke([message]))).toEqual([]);
    expect(world.counts()).toEqual({ soc: 1, audit: 1, pager: 1 });
    expect(fresh.metrics.count('LeasesExpired')).toBe(1);
    expect(fresh.metrics.count('RepeatedSends')).toBe(3);
  });

  it('SES hangs with 7 s left → the sends stop at the margin, the message fails cleanly, the retry sends', async () => {
    const [message] = await world.messages([stopLogging('slow-1', 'ses-hangs')]);
    world.send = (to) => (to === 'pager' ? 'ok' : 'hang');
    const container = await Container.create(world);
    const started = Date.now();
    // 7 s left, 5 s of them kept for receipts and releases: the sends get 2 s.
    const res = await container.invoke([message], contextWith(7_000));
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(failedIds(res)).toEqual([message.messageId]);
    expect(world.counts()).toEqual({ soc: 0, audit: 0, pager: 1 });
    expect(container.metrics.count('SendTimeouts')).toBe(2);
    expect(container.metrics.count('MatchFailures')).toBe(1);

    // The lease was released: the retry resumes at once, without waiting for it to run out.
    world.send = () => 'ok';
    const retry = await container.invoke([message]);
    expect(failedIds(retry)).toEqual([]);
    expect(world.counts()).toEqual({ soc: 1, audit: 1, pager: 1 });
    expect(container.metrics.count('DeliveriesResumed')).toBe(1);
    expect(container.metrics.count('LeasesExpired')).toBe(0);
  }, 15_000);

  it('a run with less than the margin left takes nothing → the message fails before any send', async () => {
    const [message] = await world.messages([stopLogging('slow-2', 'no-time')]);
    const container = await Container.create(world);
    expect(failedIds(await container.invoke([message], contextWith(3_000)))).toEqual([message.messageId]);
    expect(world.counts()).toEqual({ soc: 0, audit: 0, pager: 0 });
    expect(failedIds(await container.invoke([message]))).toEqual([]);
    expect(world.counts()).toEqual({ soc: 1, audit: 1, pager: 1 });
    expect(container.metrics.count('DeliveriesResumed')).toBe(0);
  });
});
