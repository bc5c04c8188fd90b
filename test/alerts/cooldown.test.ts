/** Cooldown: suppression per (rule, account, actor) and the suppressed count on the next alert. */
import { Cooldown } from '../../lambdas/alerts/cooldown';
import { MemoryStateStore } from '../../lambdas/alerts/state/memory-store';
import type { StateStore } from '../../lambdas/alerts/state/store';

const key = { ruleId: 'rule-1', accountId: '111122223333', actorId: 'arn:aws:iam::111122223333:user/alice' };
const t = (minute: number) => new Date(Date.parse('2026-11-20T10:00:00Z') + minute * 60_000).toISOString();

describe('Cooldown', () => {
  it('allows the first alert, suppresses within the cooldown, then reports the suppressed count', async () => {
    const cooldown = new Cooldown(new MemoryStateStore());
    expect(await cooldown.check(key, t(0), 600)).toEqual({ allowed: true });
    expect(await cooldown.check(key, t(3), 600)).toEqual({ allowed: false, until: t(10) });
    expect(await cooldown.check(key, t(9.9), 600)).toEqual({ allowed: false, until: t(10) });
    expect(await cooldown.check(key, t(10), 600)).toEqual({
      allowed: true,
      suppressedSince: { count: 2, since: t(3) },
    });
    expect(await cooldown.check(key, t(12), 600)).toEqual({ allowed: false, until: t(20) });
    expect(await cooldown.check(key, t(25), 600)).toEqual({
      allowed: true,
      suppressedSince: { count: 1, since: t(12) },
    });
    expect(await cooldown.check(key, t(40), 600)).toEqual({ allowed: true });
  });

  it('keys on rule, account and actor separately', async () => {
    const cooldown = new Cooldown(new MemoryStateStore());
    expect((await cooldown.check(key, t(0), 600)).allowed).toBe(true);
    expect(
      (await cooldown.check({ ...key, actorId: 'arn:aws:iam::111122223333:user/bob' }, t(1), 600)).allowed,
    ).toBe(true);
    expect((await cooldown.check({ ...key, accountId: '444455556666' }, t(1), 600)).allowed).toBe(true);
    expect((await cooldown.check({ ...key, ruleId: 'rule-2' }, t(1), 600)).allowed).toBe(true);
    expect((await cooldown.check(key, t(1), 600)).allowed).toBe(false);
  });

  it('cooldown 0 always allows', async () => {
    const cooldown = new Cooldown(new MemoryStateStore());
    for (let i = 0; i < 3; i++) expect(await cooldown.check(key, t(0), 0)).toEqual({ allowed: true });
  });

  it('suppresses a late event that lies shortly before the last alert', async () => {
    const cooldown = new Cooldown(new MemoryStateStore());
    expect((await cooldown.check(key, t(30), 600)).allowed).toBe(true);
    expect(await cooldown.check(key, t(25), 600)).toEqual({ allowed: false, until: t(40) });
    expect((await cooldown.check(key, t(5), 600)).allowed).toBe(true);
  });

  it('treats an unreadable event time as now', async () => {
    const now = () => new Date(t(0));
    const cooldown = new Cooldown(new MemoryStateStore({ now }), now);
    expect((await cooldown.check(key, 'not a time', 600)).allowed).toBe(true);
    expect((await cooldown.check(key, t(1), 600)).allowed).toBe(false);
  });

  it('lets exactly one of concurrent checks through and counts the others', async () => {
    const cooldown = new Cooldown(new MemoryStateStore());
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => cooldown.check(key, t(i * 0.1), 600)),
    );
    expect(results.filter((r) => r.allowed)).toHaveLength(1);
    const next = await cooldown.check(key, t(30), 600);
    expect(next).toEqual({ allowed: true, suppressedSince: expect.objectContaining({ count: 7 }) });
  });

  it('retries a lost conditional write instead of double-counting', async () => {
    const store = new MemoryStateStore();
    let conflicts = 1;
    const flaky: StateStore = {
      putIfAbsent: (...a) => store.putIfAbsent(...a),
      get: (k) => store.get(k),
      delete: (k) => store.delete(k),
      putIfVersion: async (...a) => {
        if (conflicts-- > 0) return false;
        return store.putIfVersion(...a);
      },
    };
    const cooldown = new Cooldown(flaky);
    expect((await cooldown.check(key, t(0), 600)).allowed).toBe(true);
    expect(await cooldown.check(key, t(1), 600)).toEqual({ allowed: false, until: t(10) });
  });

  it('names the rule when conflicts never end', async () => {
    const stuck: StateStore = {
      putIfAbsent: async () => false,
      get: async () => undefined,
      delete: async () => undefined,
      putIfVersion: async () => false,
    };
    await expect(new Cooldown(stuck).check(key, t(0), 600)).rejects.toThrow(
      /cooldown for rule rule-1: gave up/,
    );
  });
});
