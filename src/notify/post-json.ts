import { NotificationError } from './notifier';

export interface PostJsonOptions {
  fetchFn: typeof fetch;
  timeoutMs: number;
  headers?: Record<string, string>;
  /** The invocation's remaining time: aborting it ends the request. */
  signal?: AbortSignal;
}

/**
 * POSTs a JSON body over https with no redirects, within `timeoutMs`. A failure to get an answer
 * becomes a NotificationError that names only its kind: network errors can carry the URL (a
 * secret) in their message or cause. The caller reads the response's status and body.
 */
export async function postJson(where: string, url: string | URL, body: string, options: PostJsonOptions) {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const outer = options.signal;
  try {
    return await options.fetchFn(url, {
      method: 'POST',
      headers: { ...options.headers, 'content-type': 'application/json; charset=utf-8' },
      body,
      redirect: 'error',
      signal: outer ? AbortSignal.any([timeout, outer]) : timeout,
    });
  } catch (error) {
    // The invocation's time ran out: not the endpoint's fault, and not worth another attempt.
    if (outer?.aborted) throw new NotificationError(`${where}: stopped, no time left in this run`, false);
    const name =
      typeof error === 'object' && error !== null && 'name' in error
        ? String((error as { name: unknown }).name)
        : 'Error';
    const reason =
      name === 'TimeoutError' || name === 'AbortError'
        ? `timed out after ${options.timeoutMs} ms`
        : `request failed (${name})`;
    throw new NotificationError(`${where}: ${reason}`, true);
  }
}

/** Whether a status that is not 2xx may succeed when sent again. */
export const retryableStatus = (status: number): boolean => status === 429 || status >= 500;
