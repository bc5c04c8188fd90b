/**
 * IP-context enrichment, wired from accounts.yaml's `enrichment.ipContext`: the VPNAPI.io client
 * with its key read through the shared secret reader, and a cache. Returns undefined when not configured.
 */
import type { EnrichmentConfig } from '../org';
import type { SecretReader } from '../secrets';
import { secretApiKey } from './api-key';
import { MemoryIpContextCache, type IpContextCache } from './cache';
import { VpnApiIpContext, type FailureReason } from './vpnapi';

export { publicIp, isPublicIp } from './public-ip';
export { MemoryIpContextCache, type IpContextCache } from './cache';
export { DynamoIpContextCache, type DynamoIpContextCacheOptions } from './dynamodb-cache';
export { secretApiKey, keyFromSecretString, type ApiKeyProvider } from './api-key';
export {
  VpnApiIpContext,
  ipContextFromVpnApi,
  type IpContextCounters,
  type VpnApiOptions,
  type FailureReason,
} from './vpnapi';

export interface IpContextDeps {
  /** The shared secret reader (the key is read through it, and cached by it). */
  secrets: SecretReader;
  /** Default: an in-memory cache. */
  cache?: IpContextCache;
  baseUrl?: string;
  onFailure?: (reason: FailureReason, detail: string) => void;
}

/** The configured IP-context lookup, or undefined when accounts.yaml does not enable it. */
export function ipContextFromConfig(
  config: EnrichmentConfig | undefined,
  deps: IpContextDeps,
): VpnApiIpContext | undefined {
  const settings = config?.ipContext;
  if (!settings || settings.provider !== 'vpnapi') return undefined;
  return new VpnApiIpContext({
    apiKey: secretApiKey(deps.secrets, settings.apiKeySecret),
    cache: deps.cache ?? new MemoryIpContextCache(),
    cacheTtlSeconds: Math.round((settings.cacheTtlHours ?? 24) * 3600),
    ...(deps.baseUrl ? { baseUrl: deps.baseUrl } : {}),
    ...(deps.onFailure ? { onFailure: deps.onFailure } : {}),
  });
}
