/**
 * The IP-context cache port and its in-memory implementation (TTL, bounded size). A DynamoDB
 * implementation can serve the deployed processor later behind the same port.
 */
import type { IpContext } from '../alerts';

/** Where IP-context lookups are remembered, per IP address. */
export interface IpContextCache {
  get(ip: string): Promise<IpContext | undefined>;
  put(ip: string, ctx: IpContext, ttlSeconds: number): Promise<void>;
}

export interface MemoryIpContextCacheOptions {
  /** Most entries kept; the oldest are dropped first. Default 10,000. */
  maxEntries?: number;
  now?: () => number;
}

/** In-process cache: entries expire after their TTL and the oldest go first when full. */
export class MemoryIpContextCache implements IpContextCache {
  private readonly entries = new Map<string, { ctx: IpContext; expires: number }>();
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: MemoryIpContextCacheOptions = {}) {
    this.maxEntries = Math.max(1, options.maxEntries ?? 10_000);
    this.now = options.now ?? Date.now;
  }

  async get(ip: string): Promise<IpContext | undefined> {
    const entry = this.entries.get(ip);
    if (!entry) return undefined;
    if (entry.expires <= this.now()) {
      this.entries.delete(ip);
      return undefined;
    }
    return { ...entry.ctx };
  }

  async put(ip: string, ctx: IpContext, ttlSeconds: number): Promise<void> {
    if (!(ttlSeconds > 0)) return;
    this.entries.delete(ip);
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    this.entries.set(ip, { ctx: { ...ctx }, expires: this.now() + ttlSeconds * 1000 });
  }

  /** Number of entries held (expired ones included until read). */
  get size(): number {
    return this.entries.size;
  }
}
