/**
 * A correlation alert's target, for grouping: its group and the values it counted, so that a
 * later hit for other values (other secrets read) is never taken for a repeat of the first.
 * Hashed: groups and values are attacker-controlled and may be long.
 */
import { createHash } from 'node:crypto';
import type { Target } from '../cloudtrail';

const MAX_LABEL = 200;

export function correlationTarget(groupBy: Record<string, string>, values: string[] = []): Target {
  const shown = Object.entries(groupBy)
    .map(([field, value]) => `${field} ${value}`)
    .join(', ');
  const label = shown.length > MAX_LABEL ? `${shown.slice(0, MAX_LABEL - 1)}…` : shown || 'correlation';
  const hash = createHash('sha256')
    .update(JSON.stringify([groupBy, values]))
    .digest('hex')
    .slice(0, 32);
  return { key: `correlation #${hash}`, label };
}
