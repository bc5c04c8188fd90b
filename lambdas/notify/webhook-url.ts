/**
 * Which webhook URLs may be called: https only, no credentials in the URL, and only hosts on the
 * destination's allow list (defaults per format: Slack `hooks.slack.com`; Teams
 * `*.webhook.office.com`, `*.logic.azure.com`, `*.environment.api.powerplatform.com`; JSON has no
 * default and must list its hosts). Errors never include the URL, which is a secret.
 *
 * `allowInsecureLocalhost` exists for tests only: it additionally accepts `http://127.0.0.1:<port>`
 * (and nothing else over http), whatever the allow list says.
 */
import type { WebhookFormat } from './destination';

export const DEFAULT_ALLOWED_HOSTS: Record<WebhookFormat, string[]> = {
  slack: ['hooks.slack.com'],
  teams: ['*.webhook.office.com', '*.logic.azure.com', '*.environment.api.powerplatform.com'],
  json: [],
};

/** The URL held by a secret: the plain string, or JSON `{ "url": "…" }`. */
export function webhookUrlFromSecret(secretId: string, value: string): string {
  const trimmed = value.trim();
  if (trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      throw new Error(`secret ${secretId}: expected a URL or JSON {"url": "https://…"}, got invalid JSON`);
    }
    const url = (parsed as { url?: unknown } | null)?.url;
    if (typeof url !== 'string' || url === '')
      throw new Error(`secret ${secretId}: expected JSON with a string "url" member`);
    return url.trim();
  }
  return trimmed;
}

/** True when `host` matches `pattern`: exact, or `*.suffix` for any subdomain of suffix. */
export function hostMatches(host: string, pattern: string): boolean {
  const h = host.toLowerCase();
  const p = pattern.toLowerCase().trim();
  if (p.startsWith('*.')) {
    const suffix = p.slice(1); // ".webhook.office.com"
    return h.length > suffix.length && h.endsWith(suffix);
  }
  return h === p;
}

export interface WebhookUrlPolicy {
  format: WebhookFormat;
  allowedHosts?: string[];
  allowInsecureLocalhost?: boolean;
}

/** Parses and checks a webhook URL; throws with `where` (destination name) and the reason, never the URL. */
export function checkWebhookUrl(where: string, raw: string, policy: WebhookUrlPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`${where}: the webhook URL in the secret is not a valid URL`);
  }
  if (url.username || url.password) throw new Error(`${where}: the webhook URL must not contain credentials`);
  if (policy.allowInsecureLocalhost && url.protocol === 'http:' && url.hostname === '127.0.0.1') return url;
  if (url.protocol !== 'https:')
    throw new Error(`${where}: the webhook URL must use https (got ${url.protocol})`);
  const allowed =
    policy.allowedHosts && policy.allowedHosts.length > 0
      ? policy.allowedHosts
      : DEFAULT_ALLOWED_HOSTS[policy.format];
  if (allowed.length === 0) {
    throw new Error(
      `${where}: webhook format ${policy.format} needs allowedHosts in the destination configuration`,
    );
  }
  if (!allowed.some((pattern) => hostMatches(url.hostname, pattern))) {
    throw new Error(
      `${where}: the webhook host ${url.hostname} is not in the allowed hosts (${allowed.join(', ')})`,
    );
  }
  return url;
}
