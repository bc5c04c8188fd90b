/** Tests for VPNAPI.io IP-context enrichment against a local HTTP server standing in for the API. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  MemoryIpContextCache,
  VpnApiIpContext,
  ipContextFromVpnApi,
  type FailureReason,
} from '../../src/enrich';

const KEY = 'sk-SECRET/KEY+123';

const body = (ip: string) => ({
  ip,
  security: { vpn: true, proxy: false, tor: false, relay: false },
  location: {
    city: 'Amsterdam',
    region: 'North Holland',
    country: 'Netherlands',
    continent: 'Europe',
    region_code: 'NH',
    country_code: 'NL',
    continent_code: 'EU',
    latitude: '52.3',
    longitude: '4.9',
    time_zone: 'Europe/Amsterdam',
    locale_code: 'nl',
    metro_code: '',
    is_in_european_union: true,
  },
  network: {
    network: '185.220.0.0/16',
    autonomous_system_number: 'AS60729',
    autonomous_system_organization: 'Zwiebelfreunde e.V.',
  },
});

let server: Server;
let baseUrl: string;
let requests: { url: string }[];
let handler: (req: IncomingMessage, res: ServerResponse, ip: string) => void;

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push({ url: req.url ?? '' });
    const ip = decodeURIComponent((req.url ?? '').replace(/^\/api\//, '').replace(/\?.*$/, ''));
    handler(req, res, ip);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  requests = [];
  handler = (req, res, ip) => {
    const key = new URL(req.url ?? '', 'http://x').searchParams.get('key');
    if (key !== KEY) {
      res.writeHead(401).end('{"message":"bad key"}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body(ip)));
  };
});

function client(extra: Partial<ConstructorParameters<typeof VpnApiIpContext>[0]> = {}) {
  const failures: { reason: FailureReason; detail: string }[] = [];
  const c = new VpnApiIpContext({
    apiKey: async () => KEY,
    cache: new MemoryIpContextCache(),
    baseUrl,
    onFailure: (reason, detail) => failures.push({ reason, detail }),
    ...extra,
  });
  return { c, failures };
}

describe('VpnApiIpContext', () => {
  it('maps the API response to IpContext and sends the key as a query parameter', async () => {
    const { c } = client();
    expect(await c.lookup('185.220.101.4')).toEqual({
      ip: '185.220.101.4',
      vpn: true,
      proxy: false,
      tor: false,
      relay: false,
      country: 'Netherlands',
      countryCode: 'NL',
      city: 'Amsterdam',
      asn: 'AS60729',
      isp: 'Zwiebelfreunde e.V.',
    });
    expect(requests).toEqual([{ url: `/api/185.220.101.4?key=${encodeURIComponent(KEY)}` }]);
  });

  it('looks up public IPv6 too', async () => {
    const { c } = client();
    expect((await c.lookup('2a03:2880:f12f:83:face:b00c::25de'))?.countryCode).toBe('NL');
  });

  it('caches per IP and shares concurrent lookups', async () => {
    const { c } = client();
    const [a, b] = await Promise.all([c.lookup('185.220.101.4'), c.lookup('185.220.101.4')]);
    expect(a).toEqual(b);
    await c.lookup('185.220.101.4');
    expect(requests).toHaveLength(1);
    expect(c.counters).toMatchObject({ lookups: 3, requests: 1, cacheHits: 1, failures: 0 });
  });

  it('expires cached results after the TTL', async () => {
    let now = 1_000_000;
    const cache = new MemoryIpContextCache({ now: () => now });
    const { c } = client({ cache, cacheTtlSeconds: 60 });
    await c.lookup('185.220.101.4');
    now += 59_000;
    await c.lookup('185.220.101.4');
    expect(requests).toHaveLength(1);
    now += 2_000;
    await c.lookup('185.220.101.4');
    expect(requests).toHaveLength(2);
  });

  it('skips private, reserved and non-IP values without a request', async () => {
    const { c } = client();
    for (const value of [
      '10.1.2.3',
      '192.168.0.1',
      '172.16.5.5',
      '127.0.0.1',
      '100.64.0.1',
      '169.254.169.254',
      '0.0.0.0',
      '::1',
      'fe80::1',
      'fd00::1',
      '2001:db8::1',
      '::ffff:10.0.0.1',
      's3.amazonaws.com',
      'AWS Internal',
      '1.2.3',
      '',
      '8.8.8.8.8',
    ]) {
      expect(await c.lookup(value)).toBeUndefined();
    }
    expect(requests).toEqual([]);
    expect(c.counters).toMatchObject({ skipped: 17, lookups: 0, failures: 0 });
  });

  it('times out within the limit, returns undefined and counts a timeout', async () => {
    handler = (_req, res) => {
      setTimeout(() => res.writeHead(200).end(JSON.stringify(body('x'))), 1500).unref();
    };
    const { c, failures } = client({ timeoutMs: 150 });
    const started = Date.now();
    expect(await c.lookup('185.220.101.4')).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(c.counters.failuresByReason.timeout).toBe(1);
    expect(failures[0].reason).toBe('timeout');
  });

  it('caps the timeout at 2 s', async () => {
    handler = () => undefined; // never answers
    const { c } = client({ timeoutMs: 60_000 });
    const started = Date.now();
    expect(await c.lookup('185.220.101.5')).toBeUndefined();
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(1900);
    expect(took).toBeLessThan(3500);
  });

  it('counts HTTP errors, invalid bodies and network failures, and does not cache failures', async () => {
    handler = (_req, res) => res.writeHead(500).end('oops');
    const { c, failures } = client();
    expect(await c.lookup('185.220.101.4')).toBeUndefined();
    expect(await c.lookup('185.220.101.4')).toBeUndefined();
    expect(requests).toHaveLength(2);
    handler = (_req, res) => res.writeHead(200).end('<html>not json</html>');
    expect(await c.lookup('185.220.101.6')).toBeUndefined();
    handler = (_req, res) => res.writeHead(200).end('{"message":"rate limited"}');
    expect(await c.lookup('185.220.101.7')).toBeUndefined();
    handler = (_req, res) => res.writeHead(200).end(JSON.stringify({ pad: 'x'.repeat(100_000) }));
    expect(await c.lookup('185.220.101.8')).toBeUndefined();
    const closed = client({ baseUrl: 'http://127.0.0.1:1' });
    expect(await closed.c.lookup('185.220.101.9')).toBeUndefined();
    expect(c.counters.failuresByReason).toEqual({
      key: 0,
      timeout: 0,
      network: 0,
      http: 2,
      'invalid-response': 3,
    });
    expect(closed.c.counters.failuresByReason.network).toBe(1);
    expect(failures.map((f) => f.detail)).toContain('IP context for 185.220.101.4: HTTP 500');
  });

  it('still answers when the cache is down', async () => {
    const broken = {
      get: async () => Promise.reject(new Error('ddb down')),
      put: async () => Promise.reject(new Error('ddb down')),
    };
    const { c } = client({ cache: broken });
    expect((await c.lookup('185.220.101.4'))?.vpn).toBe(true);
    expect(c.counters.failures).toBe(0);
  });

  it('counts a key provider failure and never rejects', async () => {
    const { c, failures } = client({
      apiKey: async () =>
        Promise.reject(new Error('secret trailalerts/vpnapi: could not be read (AccessDenied)')),
    });
    expect(await c.lookup('185.220.101.4')).toBeUndefined();
    expect(requests).toEqual([]);
    expect(c.counters.failuresByReason.key).toBe(1);
    expect(failures[0].detail).toContain('AccessDenied');
  });

  it('never puts the key in failure details, even when fetch errors carry the URL', async () => {
    const leaky: typeof fetch = async (input) => {
      throw new Error(`request to ${String(input)} failed`);
    };
    const { c, failures } = client({ fetch: leaky });
    expect(await c.lookup('185.220.101.4')).toBeUndefined();
    handler = (_req, res) => res.writeHead(403).end(KEY);
    const second = client();
    await second.c.lookup('185.220.101.4');
    const everything = JSON.stringify([failures, second.failures, c.counters, second.c.counters]);
    expect(everything).not.toContain(KEY);
    expect(everything).not.toContain(encodeURIComponent(KEY));
    expect(everything).not.toContain('SECRET');
  });
});

describe('ipContextFromVpnApi', () => {
  it('keeps only well-typed fields and rejects bodies that are not answers', () => {
    expect(
      ipContextFromVpnApi('1.1.1.1', {
        security: { vpn: 'yes', tor: true },
        network: { autonomous_system_number: 13335 },
      }),
    ).toEqual({ ip: '1.1.1.1', tor: true, asn: 'AS13335' });
    expect(ipContextFromVpnApi('1.1.1.1', { message: 'Invalid API key' })).toBeUndefined();
    expect(ipContextFromVpnApi('1.1.1.1', null)).toBeUndefined();
    expect(ipContextFromVpnApi('1.1.1.1', [1])).toBeUndefined();
    expect(ipContextFromVpnApi('1.1.1.1', { location: { city: 'c'.repeat(1000) } })?.city).toHaveLength(200);
  });
});
