/**
 * Security Hub keeps what the latest import of a finding says: the processor remembers each
 * finding's first and last observed times (runtime/finding-times.ts) so a repeat or a late retry
 * does not move CreatedAt and FirstObservedAt forward or LastObservedAt back.
 */
import { MemoryStateStore, type StateStore } from '../../src/alerts/state';
import type { AsffFinding } from '../../src/notify/asff';
import { NotificationError } from '../../src/notify/notifier';
import { asffFinding } from '../../src/notify/render-asff';
import { observedFinding, SecurityHubNotifier } from '../../src/notify/securityhub-notifier';
import { FINDING_TIMES_TTL_DAYS, findingTimesKey, StoredFindingTimes } from '../../src/runtime/finding-times';
import { sampleAlert } from '../notify/fixtures';

const SECURITY = { accountId: '222222222222', region: 'us-east-1' };
const T = (hhmm: string) => `2026-11-20T${hhmm}:00.000Z`;

function importerOf(sent: AsffFinding[]) {
  return {
    batchImport: async (findings: AsffFinding[]) => {
      sent.push(...findings);
      return [];
    },
  };
}

describe('StoredFindingTimes', () => {
  it('keeps the earliest first and the latest last of every import, in any order', async () => {
    const times = new StoredFindingTimes(new MemoryStateStore());
    expect(await times.observe('f', T('10:00'), T('10:00'))).toEqual({ first: T('10:00'), last: T('10:00') });
    expect(await times.observe('f', T('10:30'), T('10:30'))).toEqual({ first: T('10:00'), last: T('10:30') });
    // A retry of an earlier alert, delivered late: neither time moves the wrong way.
    expect(await times.observe('f', T('10:10'), T('10:10'))).toEqual({ first: T('10:00'), last: T('10:30') });
    expect(await times.observe('f', T('09:00'), T('09:05'))).toEqual({ first: T('09:00'), last: T('10:30') });
    // Other findings are their own.
    expect(await times.observe('g', T('11:00'), T('11:00'))).toEqual({ first: T('11:00'), last: T('11:00') });
  });

  it('merges concurrent imports of one finding: each ends with both times', async () => {
    const times = new StoredFindingTimes(new MemoryStateStore());
    const results = await Promise.all([
      times.observe('f', T('10:00'), T('10:00')),
      times.observe('f', T('10:20'), T('10:20')),
      times.observe('f', T('09:50'), T('09:50')),
    ]);
    expect(await times.observe('f', T('10:05'), T('10:05'))).toEqual({ first: T('09:50'), last: T('10:20') });
    // The last writer saw everything before it.
    expect(results.some((r) => r.first === T('09:50') && r.last === T('10:20'))).toBe(true);
  });

  it('expires a finding’s times the TTL after its last import, and ignores a stored value that is not a time', async () => {
    let nowMs = Date.parse(T('10:00'));
    const store = new MemoryStateStore({ now: () => new Date(nowMs) });
    const times = new StoredFindingTimes(store, () => nowMs);
    await times.observe('f', T('10:00'), T('10:00'));
    nowMs += (FINDING_TIMES_TTL_DAYS - 1) * 86_400_000;
    await times.observe('f', T('11:00'), T('11:00'));
    // Still there a TTL after the first import: the second one moved the expiry.
    nowMs += 2 * 86_400_000;
    expect(await times.observe('f', T('12:00'), T('12:00'))).toEqual({ first: T('10:00'), last: T('12:00') });
    nowMs += (FINDING_TIMES_TTL_DAYS + 1) * 86_400_000;
    expect(await times.observe('f', T('13:00'), T('13:00'))).toEqual({ first: T('13:00'), last: T('13:00') });
    await store.putIfVersion(
      findingTimesKey('h'),
      { first: '<b>not a time</b>', last: 7 },
      undefined,
      nowMs / 1000 + 60,
    );
    expect(await times.observe('h', T('10:00'), T('10:00'))).toEqual({ first: T('10:00'), last: T('10:00') });
  });

  it('gives up with an error when it keeps losing the race for one finding', async () => {
    const inner = new MemoryStateStore();
    const losing: StateStore = {
      ...inner,
      get: (key) => inner.get(key),
      getMany: (keys) => inner.getMany(keys),
      putIfAbsent: (...a) => inner.putIfAbsent(...a),
      delete: (key) => inner.delete(key),
      putIfVersion: async () => false,
    };
    await expect(new StoredFindingTimes(losing).observe('f', T('10:00'), T('10:00'))).rejects.toThrow(
      'the times of finding f changed under 5 writes in a row',
    );
  });
});

describe('SecurityHubNotifier with finding times', () => {
  const named = { name: 'hub', destination: { type: 'securityhub' as const } };

  it('imports a repeat with the first observation of its finding and the latest last one', async () => {
    const sent: AsffFinding[] = [];
    const notifier = new SecurityHubNotifier({
      importer: importerOf(sent),
      account: SECURITY,
      times: new StoredFindingTimes(new MemoryStateStore()),
      now: () => new Date(T('12:00')),
    });
    await notifier.send(sampleAlert({ time: '2026-11-20T10:00:00Z' }), named);
    await notifier.send(sampleAlert({ time: '2026-11-20T11:00:00Z' }), named);
    await notifier.send(sampleAlert({ time: '2026-11-20T10:30:00Z' }), named);
    expect(new Set(sent.map((f) => f.Id)).size).toBe(1);
    expect(sent.map((f) => [f.CreatedAt, f.FirstObservedAt, f.LastObservedAt])).toEqual([
      [T('10:00'), T('10:00'), T('10:00')],
      [T('10:00'), T('10:00'), T('11:00')],
      [T('10:00'), T('10:00'), T('11:00')],
    ]);
    for (const f of sent) expect(f.UpdatedAt >= f.LastObservedAt!).toBe(true);
  });

  it('fails the send, retryable, when the times cannot be read, and imports nothing', async () => {
    const sent: AsffFinding[] = [];
    const notifier = new SecurityHubNotifier({
      importer: importerOf(sent),
      account: SECURITY,
      times: { observe: () => Promise.reject(new Error('ProvisionedThroughputExceededException')) },
    });
    const failure = await notifier.send(sampleAlert(), named).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(NotificationError);
    expect((failure as NotificationError).retryable).toBe(true);
    expect((failure as Error).message).toMatch(
      /could not read the observed times of finding trailalerts\/.*ProvisionedThroughput/,
    );
    expect(sent).toEqual([]);
  });

  it('leaves a finding as rendered without a store of times', async () => {
    const finding = asffFinding(sampleAlert(), SECURITY, new Date(T('12:00')));
    expect(await observedFinding(finding, undefined)).toBe(finding);
  });
});
