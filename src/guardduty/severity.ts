/**
 * GuardDuty severity (a number) → the alert level routes filter on. The bands are GuardDuty's own
 * (https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings-severity.html):
 *
 *   9.0 – 10.0  Critical  → critical
 *   7.0 – 8.9   High      → high
 *   4.0 – 6.9   Medium    → medium
 *   1.0 – 3.9   Low       → low
 *   below 1.0   (reserved by GuardDuty, not used today) → informational
 */
import type { Level } from '../core';

export const SEVERITY_BANDS: readonly { min: number; level: Level; label: string }[] = [
  { min: 9, level: 'critical', label: 'Critical' },
  { min: 7, level: 'high', label: 'High' },
  { min: 4, level: 'medium', label: 'Medium' },
  { min: 1, level: 'low', label: 'Low' },
  { min: Number.NEGATIVE_INFINITY, level: 'informational', label: 'Informational' },
];

/** The band of a severity (a finite number; checkFinding has made sure). */
export function severityBand(severity: number): { level: Level; label: string } {
  return SEVERITY_BANDS.find((b) => severity >= b.min)!;
}

export function levelOfSeverity(severity: number): Level {
  return severityBand(severity).level;
}
