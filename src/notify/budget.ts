/**
 * Size budgets for chat payloads: a renderer is tried with generous caps on event values first,
 * then with tighter ones (values first, then fewer listed rows), until the payload fits its
 * platform's limit; every tighter step says in the payload that values were shortened.
 */
export interface Caps {
  /** Longest single event value, in characters. */
  value: number;
  /** Longest multi-line block (request parameters); 0 leaves it out. */
  block: number;
  /** Most rows listed (correlated events, digest entries, counted values). */
  rows: number;
}

/** From generous to tight: event values shrink first, the lists after. */
export const CAP_STEPS: readonly Caps[] = [
  { value: 1000, block: 2500, rows: 10 },
  { value: 300, block: 1000, rows: 10 },
  { value: 120, block: 400, rows: 10 },
  { value: 60, block: 0, rows: 5 },
  { value: 30, block: 0, rows: 3 },
];

/** The last resort: the headline's facts only, no event list. */
export const MINIMAL_CAPS: Caps = { value: 20, block: 0, rows: 0 };

/**
 * The first rendering, from generous to tight caps, whose size fits `limit`; `shortened` tells the
 * renderer to say so. Ends with the minimal caps, which every renderer keeps under its limit.
 */
export function fitToBudget<T>(
  render: (caps: Caps, shortened: boolean) => T,
  size: (payload: T) => number,
  limit: number,
): T {
  for (const [i, caps] of CAP_STEPS.entries()) {
    const payload = render(caps, i > 0);
    if (size(payload) <= limit) return payload;
  }
  return render(MINIMAL_CAPS, true);
}

/** UTF-8 bytes of a payload as it is sent (compact JSON). */
export const jsonBytes = (payload: unknown): number => Buffer.byteLength(JSON.stringify(payload), 'utf8');
