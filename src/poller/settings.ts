/**
 * The poller's environment, checked once per run: each variable that is missing or malformed is
 * named with what was expected, so a misconfigured stack fails loudly instead of polling nothing.
 */
import type { PollSettings } from './poll';

export interface PollerSettings {
  poll: PollSettings;
  queueUrl: string;
  stateTable: string;
  /** Seen-key items live twice the lookback plus a day, well past every window that lists them. */
  seenTtlSeconds: number;
}

export const DEFAULT_LOOKBACK_MINUTES = 30;
const MAX_LOOKBACK_MINUTES = 7 * 24 * 60;

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const LOGS_ROOT = /^(?:[^/]+\/)*AWSLogs\/(?:o-[a-z0-9]{10,32}\/)?$/;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d+$/;

export function pollerSettings(env: NodeJS.ProcessEnv): PollerSettings {
  const required = (name: string): string => {
    const value = env[name]?.trim();
    if (!value) throw new Error(`environment variable ${name} is not set`);
    return value;
  };
  const bucket = required('TRAIL_BUCKET');
  if (!BUCKET.test(bucket)) throw new Error(`TRAIL_BUCKET: expected an S3 bucket name, got "${bucket}"`);
  const logsRoot = required('TRAIL_LOGS_ROOT');
  if (!LOGS_ROOT.test(logsRoot))
    throw new Error(
      `TRAIL_LOGS_ROOT: expected [<prefix>/]AWSLogs/[<org-id>/] ending in "/", got "${logsRoot.slice(0, 200)}"`,
    );
  const regions = (env.TRAIL_REGIONS ?? '')
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  for (const region of regions)
    if (!REGION.test(region))
      throw new Error(`TRAIL_REGIONS: expected comma-separated region names like us-east-1, got "${region}"`);
  const queueUrl = required('OBJECTS_QUEUE_URL');
  if (!/^https:\/\/\S+$/.test(queueUrl))
    throw new Error(`OBJECTS_QUEUE_URL: expected an https SQS queue URL, got "${queueUrl.slice(0, 200)}"`);
  const stateTable = required('POLL_STATE_TABLE');
  const lookbackText = env.POLL_LOOKBACK_MINUTES?.trim() || String(DEFAULT_LOOKBACK_MINUTES);
  const lookbackMinutes = Number(lookbackText);
  if (!/^\d+$/.test(lookbackText) || lookbackMinutes < 1 || lookbackMinutes > MAX_LOOKBACK_MINUTES)
    throw new Error(
      `POLL_LOOKBACK_MINUTES: expected whole minutes from 1 to ${MAX_LOOKBACK_MINUTES}, got "${lookbackText}"`,
    );
  return {
    poll: { bucket, logsRoot, regions: [...new Set(regions)], lookbackMinutes },
    queueUrl,
    stateTable,
    seenTtlSeconds: 2 * lookbackMinutes * 60 + 86_400,
  };
}
