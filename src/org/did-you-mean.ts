/**
 * "Did you mean …?" for names in accounts.yaml (OU paths, rule titles, ids, paths, tags): the
 * closest candidate by edit distance (a swap of two neighbouring letters counts as one edit),
 * ignoring case, when it is close enough to be a typo rather than another name.
 */

/** Longer texts are not compared: a typo hint is not worth quadratic work on a long string. */
const MAX_LENGTH = 200;

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    rows.push([i]);
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        rows[0].push(j);
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, rows[i - 2][j - 2] + 1);
      rows[i].push(d);
    }
  }
  return rows[a.length][b.length];
}

/** Edits allowed for a typo: one in short names, up to three in long ones. */
const allowedEdits = (length: number): number => Math.max(1, Math.min(3, Math.floor(length / 5)));

/** The candidate closest to `name` within typo distance, or undefined. Ties keep the first listed. */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  if (name.length > MAX_LENGTH) return undefined;
  const wanted = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (candidate === name || candidate.length > MAX_LENGTH) continue;
    // Lengths alone bound the distance from below: far longer or shorter names are skipped unread.
    if (Math.abs(candidate.length - name.length) > allowedEdits(Math.max(name.length, candidate.length)))
      continue;
    const d = editDistance(wanted, candidate.toLowerCase());
    if (d <= allowedEdits(Math.max(name.length, candidate.length)) && d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** `; did you mean X?` when a close candidate exists (quoted when it holds spaces), else ''. */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const hit = closest(name, candidates);
  if (hit === undefined) return '';
  return `; did you mean ${/\s/.test(hit) ? JSON.stringify(hit) : hit}?`;
}
