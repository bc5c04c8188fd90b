/**
 * The keys of a TrailAlerts post-processing entry, exactly as TrailAlerts spells them, so a typo
 * is named in a warning instead of being read as something else. Read from
 * adanalvarez/terraform-aws-trailalerts: README.md ("Post-Processing Rules": type,
 * sigmaRuleTitle, lookFor, windowMinutes, thresholdCount, severity_adjustment, description),
 * lambda_code/event_processor/{threshold,correlation}_helpers.py and lambda_function.py (also
 * cooldownMinutes on threshold entries), and the dashboard's site/js/postprocessing.js, which
 * writes adjustSeverity and shows `adjustSeverity || severity_adjustment`.
 */

export type EntryType = 'threshold' | 'correlation';

export type KeyMeaning =
  'type' | 'title' | 'threshold' | 'window' | 'level' | 'lookFor' | 'description' | 'cooldown';

interface KeySpec {
  meaning: KeyMeaning;
  /** The entry types the key belongs to; on another type TrailAlerts never reads it. */
  types: EntryType[];
}

const BOTH: EntryType[] = ['threshold', 'correlation'];

export const ENTRY_KEYS: Readonly<Record<string, KeySpec>> = {
  type: { meaning: 'type', types: BOTH },
  sigmaRuleTitle: { meaning: 'title', types: BOTH },
  windowMinutes: { meaning: 'window', types: BOTH },
  thresholdCount: { meaning: 'threshold', types: ['threshold'] },
  lookFor: { meaning: 'lookFor', types: ['correlation'] },
  // What TrailAlerts' processor reads.
  severity_adjustment: { meaning: 'level', types: BOTH },
  // What its dashboard writes (the processor ignores it; we honour it as the dashboard shows it).
  adjustSeverity: { meaning: 'level', types: BOTH },
  description: { meaning: 'description', types: BOTH },
  cooldownMinutes: { meaning: 'cooldown', types: ['threshold'] },
};

/** The level TrailAlerts sets when an entry fires without severity_adjustment (its processor's defaults). */
export const DEFAULT_ADJUSTMENT: Readonly<Record<EntryType, 'medium' | 'high'>> = {
  threshold: 'medium',
  correlation: 'high',
};

/** A known key that differs only in case, `_` or `-` (for "did you mean"). */
export function nearKey(key: string): string | undefined {
  const norm = (k: string) => k.toLowerCase().replace(/[^a-z0-9]/g, '');
  return Object.keys(ENTRY_KEYS).find((k) => norm(k) === norm(key));
}
