/** An AWS SDK error as `Name: message` for summaries and logs (never the request or response). */
export function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`.slice(0, 500);
  return String(err).slice(0, 500);
}
