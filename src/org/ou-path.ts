/**
 * OU paths (`/`, `/Workloads/Production`) and OU ids (`ou-ab12-cdef3456`): parsing, ancestors,
 * and the id → path map that accounts.yaml declares (`organizationalUnits` entries with `id:` or
 * `path:`), so accounts that name an OU id find their place in the tree.
 */
import type { AccountsConfig } from './types';

const OU_ID = /^ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}$/;
const ROOT_ID = /^r-[0-9a-z]{4,32}$/;

export const isOuId = (value: string): boolean => OU_ID.test(value);
export const isRootId = (value: string): boolean => ROOT_ID.test(value);

/**
 * Normalizes an OU path: must start with `/`; a trailing `/` is dropped; empty segments and
 * control characters are refused. Returns undefined when it does not parse.
 */
export function normalizeOuPath(value: string): string | undefined {
  if (typeof value !== 'string' || !value.startsWith('/') || value.length > 1024) return undefined;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) return undefined;
  if (value === '/') return '/';
  const trimmed = value.endsWith('/') ? value.slice(0, -1) : value;
  const segments = trimmed.slice(1).split('/');
  if (segments.some((s) => s.trim() === '' || s.length > 128)) return undefined;
  return `/${segments.join('/')}`;
}

/** `/A/B` → [`/`, `/A`, `/A/B`]. */
export function ouAncestors(path: string): string[] {
  const out = ['/'];
  if (path === '/') return out;
  let current = '';
  for (const segment of path.slice(1).split('/')) {
    current += `/${segment}`;
    out.push(current);
  }
  return out;
}

/** Joins a parent path and a child OU name. */
export const childOuPath = (parent: string, name: string): string =>
  parent === '/' ? `/${name}` : `${parent}/${name}`;

/** OU id → path, as accounts.yaml declares it. */
export function ouIdPaths(config: AccountsConfig): Map<string, string> {
  const map = new Map<string, string>();
  for (const [key, ou] of Object.entries(config.organizationalUnits ?? {})) {
    if (isOuId(key) && ou.path) {
      const path = normalizeOuPath(ou.path);
      if (path) map.set(key, path);
    } else if (ou.id && isOuId(ou.id)) {
      const path = normalizeOuPath(key);
      if (path) map.set(ou.id, path);
    }
  }
  return map;
}
