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
  return webhookFromSecret(secretId, value).url;
}

/** What a webhook secret holds: the URL, and custom headers (an API token, say) kept beside it. */
export interface WebhookSecret {
  url: string;
  headers: Record<string, string>;
}

/** Headers the sender owns: a secret may not set or override them. */
const RESERVED_HEADERS = new Set([
  'host',
  'content-type',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'expect',
]);
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/;
const MAX_HEADERS = 20;
const MAX_HEADER_VALUE = 8192;

/**
 * Parses a webhook secret: a plain URL, or JSON `{ "url": "…", "headers": { "Name": "value" } }`.
 * Errors name the secret and the header, never a value: header values are secrets too.
 */
export function webhookFromSecret(secretId: string, value: string): WebhookSecret {
  const trimmed = value.trim();
  if (!trimmed.startsWith('{')) return { url: trimmed, headers: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    throw new Error(`secret ${secretId}: expected a URL or JSON {"url": "https://…"}, got invalid JSON`);
  }
  const obj = (parsed ?? {}) as { url?: unknown; headers?: unknown };
  if (typeof obj.url !== 'string' || obj.url === '')
    throw new Error(`secret ${secretId}: expected JSON with a string "url" member`);
  return { url: obj.url.trim(), headers: headersOf(secretId, obj.headers) };
}

function headersOf(secretId: string, raw: unknown): Record<string, string> {
  if (raw === undefined) return {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new Error(`secret ${secretId}: "headers" must be an object of header names to string values`);
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length > MAX_HEADERS)
    throw new Error(`secret ${secretId}: at most ${MAX_HEADERS} headers, got ${entries.length}`);
  const headers: Record<string, string> = {};
  for (const [name, v] of entries) {
    const shown = JSON.stringify(name.slice(0, 64));
    if (!HEADER_NAME.test(name))
      throw new Error(`secret ${secretId}: header ${shown} is not a valid header name`);
    if (RESERVED_HEADERS.has(name.toLowerCase()))
      throw new Error(`secret ${secretId}: header ${shown} is set by the sender and cannot be overridden`);
    // CR, LF or NUL would let a value start another header.
    if (typeof v !== 'string' || v.length > MAX_HEADER_VALUE || /[\r\n\0]/.test(v))
      throw new Error(
        `secret ${secretId}: header ${shown} must be a string of at most ${MAX_HEADER_VALUE} characters without line breaks`,
      );
    headers[name] = v;
  }
  return headers;
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
