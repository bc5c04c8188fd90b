/**
 * recheck's synchronous check, whatever the packaging. Its default backend runs in a worker file
 * that a bundler (a Lambda bundle, the benchmark's bundle) may leave out; when that cannot start,
 * the pure JavaScript backend does the same check in-process (the Lambdas also set
 * RECHECK_SYNC_BACKEND=pure from the start).
 */
import { checkSync } from 'recheck';

export function recheckSync(pattern: string, flags: string, timeout: number): ReturnType<typeof checkSync> {
  try {
    return checkSync(pattern, flags, { timeout });
  } catch (err) {
    if (process.env.RECHECK_SYNC_BACKEND === 'pure') throw err;
    process.env.RECHECK_SYNC_BACKEND = 'pure';
    return checkSync(pattern, flags, { timeout });
  }
}

/** How both regex checks key their verdicts (and regex-checks.json lists them): `flags/source`. */
export function regexKey(source: string, flags: string): string {
  return `${flags}/${source}`;
}

/** The regular expression a regexKey names, or undefined when it does not compile. */
export function regexOfKey(key: string): RegExp | undefined {
  const slash = key.indexOf('/');
  if (slash < 0) return undefined;
  try {
    return new RegExp(key.slice(slash + 1), key.slice(0, slash));
  } catch {
    return undefined;
  }
}
