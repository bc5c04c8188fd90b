/** Tests for the public-IP filter, the memory cache, the API key read through the secret reader and the config wiring. */
import {
  MemoryIpContextCache,
  ipContextFromConfig,
  isPublicIp,
  keyFromSecretString,
  publicIp,
  secretApiKey,
} from '../../src/enrich';
import type { SecretReader } from '../../src/secrets/secret-reader';

describe('publicIp', () => {
  it('accepts public unicast IPv4 and IPv6 and canonicalises IPv4-mapped IPv6', () => {
    expect(publicIp('8.8.8.8')).toBe('8.8.8.8');
    expect(publicIp('2001:4860:4860::8888')).toBe('2001:4860:4860::8888');
    expect(publicIp('::ffff:8.8.4.4')).toBe('8.8.4.4');
    expect(isPublicIp('52.95.110.1')).toBe(true);
  });
  it('rejects private, reserved, malformed and service names', () => {
    for (const v of [
      '10.0.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '127.0.0.1',
      '169.254.1.1',
      '100.100.1.1',
      '224.0.0.1',
      '255.255.255.255',
      '192.0.2.1',
      '::',
      '::1',
      'fc00::1',
      'fe80::1%eth0',
      '2001:db8::',
      '0x8.8.8.8',
      '010.8.8.8',
      '8.8.8',
      'ec2.amazonaws.com',
      'AWS Internal',
      42,
      null,
      undefined,
      '8.8.8.8 ',
      'a'.repeat(100),
    ]) {
      expect(publicIp(v)).toBeUndefined();
    }
  });
});

describe('MemoryIpContextCache', () => {
  it('expires entries and drops the oldest when full', async () => {
    let now = 0;
    const cache = new MemoryIpContextCache({ maxEntries: 2, now: () => now });
    await cache.put('1.1.1.1', { ip: '1.1.1.1', vpn: true }, 10);
    await cache.put('2.2.2.2', { ip: '2.2.2.2' }, 10);
    await cache.put('3.3.3.3', { ip: '3.3.3.3' }, 10);
    expect(await cache.get('1.1.1.1')).toBeUndefined();
    expect(await cache.get('2.2.2.2')).toEqual({ ip: '2.2.2.2' });
    now = 10_000;
    expect(await cache.get('3.3.3.3')).toBeUndefined();
    await cache.put('4.4.4.4', { ip: '4.4.4.4' }, 0);
    expect(await cache.get('4.4.4.4')).toBeUndefined();
  });
  it('returns copies, so callers cannot change the cached entry', async () => {
    const cache = new MemoryIpContextCache();
    await cache.put('1.1.1.1', { ip: '1.1.1.1' }, 10);
    const got = await cache.get('1.1.1.1');
    got!.vpn = true;
    expect(await cache.get('1.1.1.1')).toEqual({ ip: '1.1.1.1' });
  });
});

/** A reader over fixed values, counting reads. */
function fakeReader(values: Record<string, string | Error>): SecretReader & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    async read(id: string) {
      reads.push(id);
      const v = values[id];
      if (v === undefined) throw new Error(`secret ${id}: could not be read (ResourceNotFoundException)`);
      if (v instanceof Error) throw v;
      return v;
    },
  };
}

describe('secretApiKey', () => {
  it('reads the key through the shared reader each time (the reader caches)', async () => {
    const reader = fakeReader({ 'trailalerts/vpnapi': '{"apiKey":"k-1"}' });
    const provider = secretApiKey(reader, 'trailalerts/vpnapi');
    expect(await Promise.all([provider(), provider()])).toEqual(['k-1', 'k-1']);
    expect(reader.reads).toEqual(['trailalerts/vpnapi', 'trailalerts/vpnapi']);
  });

  it('fails with the secret id and error name only', async () => {
    const denied = secretApiKey(
      fakeReader({
        'trailalerts/vpnapi': new Error(
          'secret trailalerts/vpnapi: could not be read (AccessDeniedException)',
        ),
      }),
      'trailalerts/vpnapi',
    );
    await expect(denied()).rejects.toThrow(
      'IP-context API key secret trailalerts/vpnapi: could not be read (AccessDeniedException)',
    );
    const wrong = secretApiKey(
      fakeReader({ 'trailalerts/vpnapi': '{"other":"k-secret"}' }),
      'trailalerts/vpnapi',
    );
    await expect(wrong()).rejects.toThrow('expected the key, or JSON with "apiKey"');
    await expect(wrong()).rejects.not.toThrow(/k-secret/);
  });

  it('accepts bare keys and JSON with apiKey, key or api_key', () => {
    expect(keyFromSecretString('  abc \n')).toBe('abc');
    expect(keyFromSecretString('{"key":"k"}')).toBe('k');
    expect(keyFromSecretString('{"api_key":"k2"}')).toBe('k2');
    expect(keyFromSecretString('{"apiKey":""}')).toBeUndefined();
    expect(keyFromSecretString('{broken')).toBeUndefined();
    expect(keyFromSecretString('')).toBeUndefined();
  });
});

describe('ipContextFromConfig', () => {
  it('is undefined unless enrichment.ipContext is configured', () => {
    const secrets = fakeReader({});
    expect(ipContextFromConfig(undefined, { secrets })).toBeUndefined();
    expect(ipContextFromConfig({}, { secrets })).toBeUndefined();
    expect(
      ipContextFromConfig(
        { ipContext: { provider: 'vpnapi', apiKeySecret: 'trailalerts/vpnapi' } },
        { secrets },
      ),
    ).toBeDefined();
  });
});
