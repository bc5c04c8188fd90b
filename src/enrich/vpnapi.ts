/**
 * IP context from VPNAPI.io (`GET <base>/api/<ip>?key=<key>`): VPN / proxy / Tor / relay flags,
 * location and network, mapped to the alert's IpContext. Only public IP addresses are looked up;
 * results are cached per IP; each call times out (at most 2 s); on any failure the lookup
 * resolves undefined and a counter goes up. The API key never appears in errors, logs or counters.
 */
import type { IpContext } from '../alerts';
import type { ApiKeyProvider } from './api-key';
import type { IpContextCache } from './cache';
import { publicIp } from './public-ip';
import { TrailAlertsError } from '../core';

export const VPNAPI_BASE_URL = 'https://vpnapi.io';
/** Upper bound for one lookup's timeout, whatever the options say. */
export const MAX_TIMEOUT_MS = 2000;
/** Largest response body accepted. */
const MAX_BODY_BYTES = 64 * 1024;

export type FailureReason = 'key' | 'timeout' | 'network' | 'http' | 'invalid-response';

export interface IpContextCounters {
  /** Calls to lookup() with a public IP. */
  lookups: number;
  /** Calls skipped because the value is not a public IP address. */
  skipped: number;
  cacheHits: number;
  /** Requests sent to the API. */
  requests: number;
  /** Failed lookups (any reason), and by reason. */
  failures: number;
  failuresByReason: Record<FailureReason, number>;
}

export interface VpnApiOptions {
  apiKey: ApiKeyProvider;
  cache: IpContextCache;
  /** Default https://vpnapi.io; tests point it at a local server. */
  baseUrl?: string;
  /** Per-request timeout in ms (capped at 2000). Default 2000. */
  timeoutMs?: number;
  /** How long results are cached. Default 24 h. */
  cacheTtlSeconds?: number;
  /** Told about each failure (reason and a key-free detail), e.g. to log a warning. */
  onFailure?: (reason: FailureReason, detail: string) => void;
  fetch?: typeof fetch;
}

type Obj = Record<string, unknown>;

function obj(value: unknown): Obj | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Obj) : undefined;
}

function text(value: unknown, max = 200): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  return value.length > max ? value.slice(0, max) : value;
}

function flag(value: unknown): boolean | undefined {
  return typeof value === 'boolean' ? value : undefined;
}

/** Maps a VPNAPI.io response body to IpContext; undefined when it is not one. */
export function ipContextFromVpnApi(ip: string, body: unknown): IpContext | undefined {
  const root = obj(body);
  if (!root) return undefined;
  const security = obj(root.security);
  const location = obj(root.location);
  const network = obj(root.network);
  if (!security && !location && !network) return undefined;
  const ctx: IpContext = { ip };
  const set = <K extends keyof IpContext>(key: K, value: IpContext[K] | undefined): void => {
    if (value !== undefined) ctx[key] = value;
  };
  set('vpn', flag(security?.vpn));
  set('proxy', flag(security?.proxy));
  set('tor', flag(security?.tor));
  set('relay', flag(security?.relay));
  set('country', text(location?.country));
  set('countryCode', text(location?.country_code, 8));
  set('city', text(location?.city));
  const asn = text(network?.autonomous_system_number, 32);
  set('asn', asn === undefined ? undefined : asn.toUpperCase().startsWith('AS') ? asn : `AS${asn}`);
  set('isp', text(network?.autonomous_system_organization));
  return ctx;
}

class LookupFailure extends TrailAlertsError {
  constructor(
    readonly reason: FailureReason,
    detail: string,
  ) {
    super(detail);
  }
}

/** Removes every occurrence of `secret` (and its URL-encoded form) from `value`. */
function redact(value: string, secret: string | undefined): string {
  if (!secret) return value;
  return value.split(secret).join('[redacted]').split(encodeURIComponent(secret)).join('[redacted]');
}

/** IP-context lookups against VPNAPI.io. Implements the processor's IpContextLookup port. */
export class VpnApiIpContext {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly ttlSeconds: number;
  private readonly fetchFn: typeof fetch;
  private readonly inFlight = new Map<string, Promise<IpContext | undefined>>();
  private readonly stats: IpContextCounters = {
    lookups: 0,
    skipped: 0,
    cacheHits: 0,
    requests: 0,
    failures: 0,
    failuresByReason: { key: 0, timeout: 0, network: 0, http: 0, 'invalid-response': 0 },
  };

  constructor(private readonly options: VpnApiOptions) {
    this.baseUrl = (options.baseUrl ?? VPNAPI_BASE_URL).replace(/\/+$/, '');
    this.timeoutMs = Math.min(MAX_TIMEOUT_MS, Math.max(1, options.timeoutMs ?? MAX_TIMEOUT_MS));
    this.ttlSeconds = options.cacheTtlSeconds ?? 24 * 3600;
    this.fetchFn = options.fetch ?? fetch;
  }

  /** A copy of the counters. */
  get counters(): IpContextCounters {
    return { ...this.stats, failuresByReason: { ...this.stats.failuresByReason } };
  }

  /** IP context for `value`, or undefined when it is not a public IP or the lookup failed. Never rejects. */
  async lookup(value: string): Promise<IpContext | undefined> {
    const ip = publicIp(value);
    if (!ip) {
      this.stats.skipped++;
      return undefined;
    }
    this.stats.lookups++;
    const running = this.inFlight.get(ip);
    if (running) return running;
    const promise = this.resolve(ip).finally(() => this.inFlight.delete(ip));
    this.inFlight.set(ip, promise);
    return promise;
  }

  private async resolve(ip: string): Promise<IpContext | undefined> {
    try {
      const cached = await this.options.cache.get(ip);
      if (cached) {
        this.stats.cacheHits++;
        return cached;
      }
    } catch {
      // A cache outage must not stop enrichment; fall through to the API.
    }
    let key: string | undefined;
    try {
      try {
        key = await this.options.apiKey();
      } catch (error) {
        throw new LookupFailure('key', error instanceof Error ? error.message : 'API key unavailable');
      }
      const ctx = await this.request(ip, key);
      try {
        await this.options.cache.put(ip, ctx, this.ttlSeconds);
      } catch {
        // Not cached this time; the result is still good.
      }
      return ctx;
    } catch (error) {
      const failure =
        error instanceof LookupFailure ? error : new LookupFailure('network', 'unexpected error');
      this.stats.failures++;
      this.stats.failuresByReason[failure.reason]++;
      this.options.onFailure?.(failure.reason, redact(`IP context for ${ip}: ${failure.message}`, key));
      return undefined;
    }
  }

  private async request(ip: string, key: string): Promise<IpContext> {
    const url = `${this.baseUrl}/api/${encodeURIComponent(ip)}?key=${encodeURIComponent(key)}`;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    this.stats.requests++;
    try {
      let response: Response;
      try {
        response = await this.fetchFn(url, {
          signal: controller.signal,
          headers: { accept: 'application/json' },
          redirect: 'error',
        });
      } catch {
        // The error may carry the URL (and so the key): only its kind is kept.
        if (controller.signal.aborted)
          throw new LookupFailure('timeout', `no answer within ${this.timeoutMs} ms`);
        throw new LookupFailure('network', 'request failed');
      }
      if (!response.ok) {
        await response.body?.cancel().catch(() => undefined);
        throw new LookupFailure('http', `HTTP ${response.status}`);
      }
      let body: string;
      try {
        body = await readLimited(response, MAX_BODY_BYTES);
      } catch (error) {
        if (controller.signal.aborted)
          throw new LookupFailure('timeout', `no answer within ${this.timeoutMs} ms`);
        if (error instanceof LookupFailure) throw error;
        throw new LookupFailure('network', 'response body could not be read');
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        throw new LookupFailure('invalid-response', 'response is not JSON');
      }
      const ctx = ipContextFromVpnApi(ip, parsed);
      if (!ctx) throw new LookupFailure('invalid-response', 'response has no security, location or network');
      return ctx;
    } finally {
      clearTimeout(timer);
    }
  }
}

async function readLimited(response: Response, maxBytes: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new LookupFailure('invalid-response', `response larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
