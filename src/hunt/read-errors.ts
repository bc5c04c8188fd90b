/**
 * Failures to read a trail object, told apart: transient ones (throttling, S3's SlowDown, KMS
 * throttling, 5xx, connection resets and timeouts) are retried by the worker with backoff; the
 * others (AccessDenied, a missing KMS grant, a deleted object) are not worth retrying at once.
 * Either way, an object that stays unread is *unread*, never *damaged*: its prefix is hunted again
 * once the cause is gone. Damage is only what the content itself says (worker.ts).
 */

const TRANSIENT_NAMES = new Set([
  'SlowDown',
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestTimeout',
  'RequestTimeoutException',
  'InternalError',
  'ServiceUnavailable',
  'KMS.ThrottlingException',
  'KMSThrottlingException',
  'KMS.KMSInternalException',
  'KMSInternalException',
  'TimeoutError',
  'AbortError',
]);

const TRANSIENT_CODES =
  /^(?:ECONNRESET|ECONNREFUSED|ECONNABORTED|EPIPE|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH|ERR_STREAM_PREMATURE_CLOSE)$/;
const TRANSIENT_TEXT =
  /throttl|slow ?down|reduce your request rate|socket hang up|connection reset|timed? ?out|premature close|service unavailable|internal error/i;

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  $retryable?: unknown;
}

/** True when reading again soon may succeed. */
export function isTransientReadError(err: unknown): boolean {
  if (err === null || typeof err !== 'object') return false;
  const e = err as ErrorLike;
  const status = e.$metadata?.httpStatusCode;
  if (typeof status === 'number' && (status >= 500 || status === 429)) return true;
  if (typeof e.name === 'string' && TRANSIENT_NAMES.has(e.name)) return true;
  if (typeof e.code === 'string' && (TRANSIENT_CODES.test(e.code) || TRANSIENT_NAMES.has(e.code)))
    return true;
  if (e.$retryable !== undefined && e.$retryable !== null) return true;
  // Denials are never transient, whatever their text says.
  if (typeof e.name === 'string' && /AccessDenied|Forbidden|NoSuchKey|NoSuchBucket/.test(e.name))
    return false;
  return typeof e.message === 'string' && TRANSIENT_TEXT.test(e.message);
}

/** Backoff before read attempt `attempt + 1`: 200 ms doubling, at most 3.2 s, with full jitter. */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const cap = Math.min(200 * 2 ** Math.max(0, attempt - 1), 3_200);
  return Math.round(cap / 2 + (random() * cap) / 2);
}

/** An S3, KMS or network error in one line: its name (or code), then its message. */
export function readFailure(err: unknown): string {
  const e = (err ?? {}) as { name?: unknown; code?: unknown; message?: unknown };
  const name =
    typeof e.name === 'string' && e.name !== 'Error' ? e.name : typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : String(err);
  return `${name !== '' ? `${name}: ` : ''}${message}`.slice(0, 300);
}
