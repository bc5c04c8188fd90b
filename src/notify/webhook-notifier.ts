/**
 * Sends alerts to webhooks (Slack, Teams, generic JSON): the URL comes from Secrets Manager
 * (never an env var, never logged), is checked against https and the allowed hosts, and gets a
 * JSON POST with a 5 s timeout and no redirects. 429, 5xx and network failures are retried with
 * backoff; any other non-2xx is an error naming the destination and the status, never the URL.
 * Requests and backoffs stop when the send's `signal` fires (the invocation's time is up).
 */
import type { Alert } from '../alerts';
import type { NamedDestination, WebhookDestination } from './destination';
import { NotificationError, type Notifier } from './notifier';
import { postJson, retryableStatus } from './post-json';
import { renderJson } from './render-json';
import { renderSlack } from './render-slack';
import { renderTeams } from './render-teams';
import { withRetry, type RetryOptions, type SendOptions } from './retry';
import type { SecretReader } from '../secrets';
import { checkWebhookUrl, webhookFromSecret } from './webhook-url';

export interface WebhookNotifierOptions {
  secrets: SecretReader;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Per request, in ms. Default 5000. */
  timeoutMs?: number;
  retry?: RetryOptions;
  /** TEST ONLY: also accept http://127.0.0.1:<port> URLs (see webhook-url.ts). */
  allowInsecureLocalhost?: boolean;
}

/** The request body for a webhook format. */
export function webhookPayload(alert: Alert, destination: WebhookDestination): unknown {
  switch (destination.format) {
    case 'slack':
      return renderSlack(alert);
    case 'teams':
      return renderTeams(alert);
    case 'json':
      return renderJson(alert);
    default:
      throw new Error(
        `webhook format ${String((destination as { format: unknown }).format)}: expected slack, teams or json`,
      );
  }
}

export class WebhookNotifier implements Notifier {
  private readonly fetchFn: typeof fetch;
  private readonly timeoutMs: number;

  constructor(private readonly options: WebhookNotifierOptions) {
    this.fetchFn = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? 5000;
  }

  async send(alert: Alert, named: NamedDestination, options: SendOptions = {}): Promise<void> {
    const destination = named.destination;
    if (destination.type !== 'webhook')
      throw new Error(`destination ${named.name}: expected a webhook destination, got ${destination.type}`);
    const where = `webhook ${named.name}`;
    const secret = await this.options.secrets.read(destination.urlSecret);
    const target = webhookFromSecret(destination.urlSecret, secret);
    const url = checkWebhookUrl(where, target.url, {
      format: destination.format,
      allowedHosts: destination.allowedHosts,
      allowInsecureLocalhost: this.options.allowInsecureLocalhost,
    });
    const body = JSON.stringify(webhookPayload(alert, destination));
    const { signal } = options;
    try {
      await withRetry(
        () => this.post(where, url, body, target.headers, signal),
        (e) => e instanceof NotificationError && e.retryable,
        this.options.retry,
        signal,
      );
    } catch (error) {
      // A revoked or rotated URL: read the secret again next time instead of reusing the cached one.
      if (
        error instanceof NotificationError &&
        error.status !== undefined &&
        [401, 403, 404, 410].includes(error.status)
      ) {
        this.options.secrets.forget?.(destination.urlSecret);
      }
      throw error;
    }
  }

  private async post(
    where: string,
    url: URL,
    body: string,
    extraHeaders: Record<string, string>,
    outer?: AbortSignal,
  ): Promise<void> {
    const response = await postJson(where, url, body, {
      fetchFn: this.fetchFn,
      timeoutMs: this.timeoutMs,
      headers: extraHeaders,
      signal: outer,
    });
    // Drain the body so the connection can be reused; its content is not needed.
    await response.arrayBuffer().catch(() => undefined);
    if (response.status >= 200 && response.status < 300) return;
    throw new NotificationError(
      `${where}: answered HTTP ${response.status}`,
      retryableStatus(response.status),
      response.status,
    );
  }
}
