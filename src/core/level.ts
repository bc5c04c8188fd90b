/** Alert and rule levels, least severe first (Sigma's `level` values). */
export const LEVELS = ['informational', 'low', 'medium', 'high', 'critical'] as const;
export type Level = (typeof LEVELS)[number];

/** Orders levels so that `levelRank(a) >= levelRank(b)` means "a is at least as severe as b". */
export function levelRank(level: Level): number {
  return LEVELS.indexOf(level);
}
