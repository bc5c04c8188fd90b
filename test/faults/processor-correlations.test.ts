/**
 * Fault injection, processor side: two correlations hit on one event (Brute Force Alpha groups by
 * user, Beta by source IP; both fire on the second failed sign-in). The real processor handler on
 * dynalite, SES and SNS mocked. Before leases, only the failed hit's window was released, so the
 * other hit was lost with the retry; a DynamoDB error after a claim lost the claimed hit too.
 */
import { Container, failedIds, failedLogin, until, VISIBILITY_TIMEOUT_MS, World } from './processor-fixture';

const ALPHA = /Brute Force Alpha/;
const BETA = /Brute Force Beta/;
const ONCE = { soc: 1, audit: 1, pager: 1 };

describe('processor faults: correlation hits', () => {
  const world = new World();
  beforeAll(() => world.start(), 30_000);
  afterAll(() => world.stop());
  beforeEach(() => world.reset());

  async function burst(actor: string, ip: string) {
    const [first, second] = await world.messages([
      failedLogin(`${actor}-1`, actor, '2026-11-20T10:00:00Z', ip),
      failedLogin(`${actor}-2`, actor, '2026-11-20T10:01:00Z', ip),
    ]);
    const container = await Container.create(world);
    expect(failedIds(await container.invoke([first]))).toEqual([]);
    return { second, container };
  }

  it('two correlations with the first failing → the second goes out at once, the retry serves the first', async () => {
    const { second, container } = await burst('brute-a', '10.9.9.1');
    let failures = 1;
    world.send = (to, subject) =>
      to === 'soc' && ALPHA.test(subject) && failures-- > 0 ? new Error('Throttling') : 'ok';
    expect(failedIds(await container.invoke([second]))).toEqual([second.messageId]);
    expect(world.counts(ALPHA)).toEqual({ soc: 0, audit: 1, pager: 1 });
    expect(world.counts(BETA)).toEqual(ONCE);

    world.advance(VISIBILITY_TIMEOUT_MS);
    const retry = await Container.create(world);
    expect(failedIds(await retry.invoke([second]))).toEqual([]);
    expect(world.counts(ALPHA)).toEqual(ONCE);
    expect(world.counts(BETA)).toEqual(ONCE);
    // Beta was done: the retry raised it again (same id) and found it delivered.
    expect(retry.metrics.count('Alerts_duplicate')).toBe(1);
    expect(retry.metrics.count('Alerts_sent')).toBe(1);

    world.advance(VISIBILITY_TIMEOUT_MS);
    expect(failedIds(await (await Container.create(world)).invoke([second]))).toEqual([]);
    expect(world.counts()).toEqual({ soc: 2, audit: 2, pager: 2 });
  });

  it('a DynamoDB error inside correlation observe after a claim → the retry raises both hits, once each', async () => {
    const { second, container } = await burst('brute-b', '10.9.9.2');
    let fired = 0;
    // The first claim (Alpha) is written; the second (Beta) is throttled, inside observe.
    world.dynamo = (command, input) =>
      command === 'PutItemCommand' && input.includes('"sk":{"S":"fired"}') && ++fired === 2
        ? 'throttle'
        : undefined;
    expect(failedIds(await container.invoke([second]))).toEqual([second.messageId]);
    expect(fired).toBe(2);
    expect(world.counts()).toEqual({ soc: 0, audit: 0, pager: 0 });
    expect(container.metrics.count('MatchFailures')).toBe(1);

    world.dynamo = () => undefined;
    world.advance(VISIBILITY_TIMEOUT_MS);
    const retry = await Container.create(world);
    expect(failedIds(await retry.invoke([second]))).toEqual([]);
    expect(world.counts(ALPHA)).toEqual(ONCE);
    expect(world.counts(BETA)).toEqual(ONCE);
  });

  it('a kill between the two correlation alerts → the redelivery sends the second and does not repeat the first', async () => {
    const { second } = await burst('brute-c', '10.9.9.3');
    world.send = (_to, subject) => (BETA.test(subject) ? 'hang' : 'ok');
    const doomed = await Container.create(world);
    void doomed.invoke([second]);
    // Beta's sends begin once Alpha is delivered and done (hits go one after the other).
    await until(() => world.attempted.filter((a) => BETA.test(a.subject)).length === 3, "Beta's sends");
    doomed.kill();
    expect(world.counts(ALPHA)).toEqual(ONCE);
    expect(world.counts(BETA)).toEqual({ soc: 0, audit: 0, pager: 0 });

    world.send = () => 'ok';
    world.advance(VISIBILITY_TIMEOUT_MS);
    const fresh = await Container.create(world);
    expect(failedIds(await fresh.invoke([second]))).toEqual([]);
    expect(world.counts(ALPHA)).toEqual(ONCE);
    expect(world.counts(BETA)).toEqual(ONCE);
    expect(fresh.metrics.count('LeasesExpired')).toBe(2);
  });
});
