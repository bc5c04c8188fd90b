/**
 * Reads a correlation's group-by and value fields from a CloudTrail record, with the detection
 * engine's path rules: dotted paths, a literal key containing dots is tried before traversal,
 * and a path that meets an array continues into its elements (the first that resolves wins).
 */
import type { CloudTrailRecord } from '../../core';
import { clip } from '../state';

const own = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** The value at `path`, or undefined when absent. Never throws on any input shape. */
export function readPath(record: CloudTrailRecord, path: string): unknown {
  return resolve(record, path.split('.'), 0);
}

function resolve(node: unknown, parts: string[], depth: number): unknown {
  if (parts.length === 0) return node;
  if (node === null || typeof node !== 'object' || depth > 64) return undefined;
  if (Array.isArray(node)) {
    for (const element of node) {
      const found = resolve(element, parts, depth + 1);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (let take = parts.length; take >= 1; take--) {
    const key = parts.slice(0, take).join('.');
    if (own(node, key)) {
      const found = resolve((node as Record<string, unknown>)[key], parts.slice(take), depth + 1);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** A field value as bounded text: scalars by their text, objects and arrays as JSON; absent as undefined. */
export function valueText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return clip(value, 1024);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  try {
    return clip(JSON.stringify(value), 1024);
  } catch {
    return undefined;
  }
}
