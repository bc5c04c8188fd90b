/**
 * The one cached secret reader (src/secrets/secrets-manager-reader.ts, Powertools parameters)
 * that webhook URLs, PagerDuty routing keys and the VPNAPI key go through: one GetSecretValue per
 * secret and period however many alerts ask, concurrent first reads sharing one request, a fresh
 * read after `forget`, and errors that name the secret and the kind of failure, never a value.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { SecretsManagerReader } from '../../src/secrets/secrets-manager-reader';

const KEY = 'e93facc04764012d7bfb002500d5d1a6';

describe('SecretsManagerReader', () => {
  const sm = mockClient(SecretsManagerClient);
  afterEach(() => sm.reset());
  afterAll(() => sm.restore());

  const reader = (maxAgeSeconds?: number) =>
    new SecretsManagerReader(new SecretsManagerClient({ region: 'us-east-1' }), { maxAgeSeconds });
  const calls = (id: string) =>
    sm.commandCalls(GetSecretValueCommand).filter((c) => c.args[0].input.SecretId === id).length;

  it('reads each secret once for many alerts, concurrent first reads included', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'trailalerts/pagerduty' }).resolves({ SecretString: KEY });
    sm.on(GetSecretValueCommand, { SecretId: 'trailalerts/chat' }).resolves({ SecretString: 'https://x' });
    const r = reader();
    const values = await Promise.all(Array.from({ length: 20 }, () => r.read('trailalerts/pagerduty')));
    expect(new Set(values)).toEqual(new Set([KEY]));
    expect(await r.read('trailalerts/pagerduty')).toBe(KEY);
    expect(await r.read('trailalerts/chat')).toBe('https://x');
    expect(calls('trailalerts/pagerduty')).toBe(1);
    expect(calls('trailalerts/chat')).toBe(1);
  });

  it('fetches again after forget (a key the endpoint refused as revoked)', async () => {
    sm.on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: 'old-key-0000000000000000000000000' })
      .resolves({ SecretString: KEY });
    const r = reader();
    expect(await r.read('trailalerts/pagerduty')).toBe('old-key-0000000000000000000000000');
    r.forget('trailalerts/pagerduty');
    expect(await r.read('trailalerts/pagerduty')).toBe(KEY);
    expect(await r.read('trailalerts/pagerduty')).toBe(KEY);
    expect(calls('trailalerts/pagerduty')).toBe(2);
  });

  it('names the secret and the failure kind, never the value or the service message', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'denied' }).rejects(
      Object.assign(new Error(`not allowed, value was ${KEY}`), { name: 'AccessDeniedException' }),
    );
    sm.on(GetSecretValueCommand, { SecretId: 'binary' }).resolves({ SecretBinary: new Uint8Array([1, 2]) });
    sm.on(GetSecretValueCommand, { SecretId: 'empty' }).resolves({ SecretString: '' });
    const r = reader();
    const denied = (await r.read('denied').catch((e: unknown) => e)) as Error;
    expect(denied.message).toBe('secret denied: could not be read (AccessDeniedException)');
    expect(JSON.stringify({ message: denied.message, stack: denied.stack })).not.toContain(KEY);
    await expect(r.read('binary')).rejects.toThrow('secret binary: expected a non-empty SecretString');
    await expect(r.read('empty')).rejects.toThrow(/^secret empty: /);
  });

  it('tries a failed read again on the next alert', async () => {
    sm.on(GetSecretValueCommand)
      .rejectsOnce(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }))
      .resolves({ SecretString: KEY });
    const r = reader();
    await expect(r.read('trailalerts/pagerduty')).rejects.toThrow(/ThrottlingException/);
    expect(await r.read('trailalerts/pagerduty')).toBe(KEY);
  });
});
