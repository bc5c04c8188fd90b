/**
 * Sends alerts to PagerDuty as Events API v2 triggers: the routing key comes from Secrets Manager
 * through the shared reader (never an env var, never logged, never in an error or the outbox) and
 * the event goes to its service region's events host only (pagerDutyEventsUrl), https, no
 * redirects, 5 s per request. Delivered means a 2xx whose body says `"status": "success"`; 429, 5xx and network failures are retried
 * with backoff within the send's time (`signal`), as for webhooks.
 */
import type { Alert } from '../alerts';
import type { SecretReader } from '../secrets';
import type { NamedDestination } from './destination';
import { NotificationError, type Notifier } from './notifier';
import { postJson, retryableStatus } from './post-json';
import { pagerDutyEvent, pagerDutyEventsUrl } from './render-pagerduty';
import { withRetry, type RetryOptions, type SendOptions } from './retry';

export interface PagerDutyNotifierOptions {
  secrets: SecretReader;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Per request, in ms. Default 5000. */
  timeoutMs?: number;
  retry?: RetryOptions;
}

const ROUTING_KEY = /^[A-Za-z0-9]{20,64}$/;
/** Answers that may mean the key was revoked or rotated: read the secret again next time. */
const REFUSED = [400, 401, 403, 404];

/** The routing key in a secret: the bare key, or JSON `{"routingKey": "…"}`. Errors never show it. */
export function routingKeyFromSecret(where: string, secret: string): string {
  let key: unknown = secret.trim();
  if (typeof key === 'string' && key.startsWith('{')) {
    try {
      key = (JSON.parse(key) as { routingKey?: unknown }).routingKey;
    } catch {
      key = undefined;
    }
  }
  if (typeof key !== 'string' || !ROUTING_KEY.test(key))
    throw new NotificationError(
      `${where}: the secret does not hold a routing key (letters and digits, or JSON {"routingKey": "…"})`,
      false,
    );
  return key;
}

export class PagerDutyNotifier implements Notifier {
  private readonly fetchFn: typeof fetch;
  private readonly timeoutMs: number;

  constructor(private readonly options: PagerDutyNotifierOptions) {
    this.fetchFn = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? 5000;
  }

  async send(alert: Alert, named: NamedDestination, options: SendOptions = {}): Promise<void> {
    const destination = named.destination;
    if (destination.type !== 'pagerduty')
      throw new Error(`destination ${named.name}: expected a pagerduty destination, got ${destination.type}`);
    const where = `pagerduty ${named.name}`;
    const routingKey = routingKeyFromSecret(
      where,
      await this.options.secrets.read(destination.routingKeySecret),
    );
    const body = JSON.stringify({ routing_key: routingKey, ...pagerDutyEvent(alert) });
    const { signal } = options;
    try {
      const url = pagerDutyEventsUrl(destination.serviceRegion);
      await withRetry(
        () => this.post(where, url, body, signal),
        (e) => e instanceof NotificationError && e.retryable,
        this.options.retry,
        signal,
      );
    } catch (error) {
      if (error instanceof NotificationError && error.status !== undefined && REFUSED.includes(error.status))
        this.options.secrets.forget?.(destination.routingKeySecret);
      throw error;
    }
  }

  private async post(where: string, url: string, body: string, outer?: AbortSignal): Promise<void> {
    const response = await postJson(where, url, body, {
      fetchFn: this.fetchFn,
      timeoutMs: this.timeoutMs,
      signal: outer,
    });
    // The answer is read only for its status field; its text is never logged.
    const text = await response.text().catch(() => '');
    if (response.status >= 200 && response.status < 300) {
      if (statusOf(text) === 'success') return;
      throw new NotificationError(
        `${where}: answered HTTP ${response.status} without "status": "success"`,
        false,
        response.status,
      );
    }
    throw new NotificationError(
      `${where}: answered HTTP ${response.status}`,
      retryableStatus(response.status),
      response.status,
    );
  }
}

function statusOf(text: string): unknown {
  try {
    const parsed = JSON.parse(text) as unknown;
    return typeof parsed === 'object' && parsed !== null
      ? (parsed as { status?: unknown }).status
      : undefined;
  } catch {
    return undefined;
  }
}
