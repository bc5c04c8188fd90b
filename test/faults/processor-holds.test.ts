/**
 * Fault injection, processor side: the five behaviours that already held before leases and must
 * keep holding. The real processor handler on dynalite, SES and SNS mocked.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SQSRecord } from 'aws-lambda';
import { Container, failedIds, record, stopLogging, VISIBILITY_TIMEOUT_MS, World } from './processor-fixture';

describe('processor faults: what already held', () => {
  const world = new World();
  beforeAll(() => world.start(), 30_000);
  afterAll(() => world.stop());
  beforeEach(() => world.reset());

  /** Delivers again, as SQS does after the visibility timeout, until nothing fails (bounded). */
  async function redeliver(messages: SQSRecord[], failed: string[]): Promise<void> {
    for (let round = 0; failed.length > 0 && round < 5; round++) {
      world.advance(VISIBILITY_TIMEOUT_MS);
      const again = messages.filter((m) => failed.includes(m.messageId));
      failed = failedIds(await (await Container.create(world)).invoke(again));
    }
    expect(failed).toEqual([]);
  }

  it('the same match delivered 3× concurrently → one send per destination', async () => {
    const [message] = await world.messages([stopLogging('conc-1', 'concurrent')]);
    const copies = [0, 1, 2].map((i) => ({ ...message, messageId: `${message.messageId}-${i}` }));
    const containers = await Promise.all(copies.map(() => Container.create(world)));
    const results = await Promise.all(containers.map((c, i) => c.invoke([copies[i]])));
    const failed = results.flatMap(failedIds);
    // The others found the lease held (failed, to come back) or the id done (duplicate).
    expect(failed.length).toBeLessThanOrEqual(2);
    expect(containers.reduce((n, c) => n + c.metrics.count('LeasesBusy'), 0)).toBe(failed.length);
    await redeliver(copies, failed);
    expect(world.counts()).toEqual({ soc: 1, audit: 1, pager: 1 });

    // Three copies in one batch of one container: the same.
    const [other] = await world.messages([stopLogging('conc-2', 'concurrent-batch')]);
    const batch = [0, 1, 2].map((i) => ({ ...other, messageId: `${other.messageId}-${i}` }));
    await redeliver(batch, failedIds(await (await Container.create(world)).invoke(batch)));
    expect(world.counts()).toEqual({ soc: 2, audit: 2, pager: 2 });
  });

  it('SES failing for 1 of 3 destinations → exactly one each after redelivery', async () => {
    const [message] = await world.messages([stopLogging('ses-1', 'ses-one-fails')]);
    let failures = 1;
    world.send = (to) =>
      to === 'audit' && failures-- > 0
        ? Object.assign(new Error('Maximum sending rate exceeded'), { name: 'TooManyRequestsException' })
        : 'ok';
    const failed = failedIds(await (await Container.create(world)).invoke([message]));
    expect(failed).toEqual([message.messageId]);
    expect(world.counts()).toEqual({ soc: 1, audit: 0, pager: 1 });
    await redeliver([message], failed);
    expect(world.counts()).toEqual({ soc: 1, audit: 1, pager: 1 });
  });

  it('duplicate S3 events and an analyzer dying half-way → deduped (processor side)', async () => {
    const records = [1, 2, 3, 4].map((i) => stopLogging(`dup-${i}`, `dup-actor-${i}`));
    // The analyzer queued the first half, then died; its object came back and was analyzed whole,
    // and a duplicate S3 event for the same object was analyzed whole again.
    const half = await world.messages(records.slice(0, 2));
    const whole = await world.messages(records);
    const duplicate = await world.messages(records);
    const container = await Container.create(world);
    for (const batch of [half, whole, duplicate])
      expect(failedIds(await container.invoke(batch))).toEqual([]);
    expect(world.counts()).toEqual({ soc: 4, audit: 4, pager: 4 });
    expect(container.metrics.count('Alerts_sent')).toBe(4);
    expect(container.metrics.count('Alerts_duplicate')).toBe(6);
  });

  it('VPNAPI hanging → the alert goes out unenriched within 2 s', async () => {
    const api = createServer(() => undefined);
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', () => resolve()));
    try {
      const port = (api.address() as AddressInfo).port;
      const container = await Container.create(world, { ipContextBaseUrl: `http://127.0.0.1:${port}` });
      const [message] = await world.messages([
        record('vpn-1', 'vpn-user', { sourceIPAddress: '185.220.101.34' }),
      ]);
      const started = Date.now();
      expect(failedIds(await container.invoke([message]))).toEqual([]);
      expect(Date.now() - started).toBeLessThan(2_000 + 1_000);
      expect(world.counts()).toEqual({ soc: 1, audit: 1, pager: 1 });
      expect(container.metrics.count('IpContextFailure_timeout')).toBe(1);
    } finally {
      api.closeAllConnections();
      await new Promise((resolve) => api.close(resolve));
    }
  }, 15_000);

  it('poison messages → batch item failure, i.e. the DLQ after maxReceiveCount (5 receives)', async () => {
    const [good] = await world.messages([stopLogging('poison-ok', 'beside-poison')]);
    const poison = { ...good, messageId: 'poison', body: '{"not":"a match"}' };
    const container = await Container.create(world);
    const receives = new Map<string, number>();
    const dlq: string[] = [];
    let pending = [poison, good];
    while (pending.length > 0) {
      for (const m of pending) receives.set(m.messageId, (receives.get(m.messageId) ?? 0) + 1);
      const failed = failedIds(await container.invoke(pending));
      const back = pending.filter((m) => failed.includes(m.messageId));
      for (const m of back.filter((m) => receives.get(m.messageId)! >= 5)) dlq.push(m.messageId);
      pending = back.filter((m) => !dlq.includes(m.messageId));
    }
    expect(dlq).toEqual(['poison']);
    expect(receives.get('poison')).toBe(5);
    expect(receives.get(good.messageId)).toBe(1);
    expect(container.metrics.count('MatchFailures')).toBe(5);
    expect(world.counts()).toEqual({ soc: 1, audit: 1, pager: 1 });
  });
});
