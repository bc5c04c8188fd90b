/**
 * Starts a planned retro-hunt: small plans pass their prefixes inline in the execution input;
 * larger ones are written as a JSON manifest (an array of prefixes) to the hunt bucket, which the
 * Distributed Map's ItemReader reads. The hunt id names the manifest, the execution and results.
 * A plan of any size is started as parts of at most MAX_PREFIXES_PER_EXECUTION prefixes, one
 * execution each (`<hunt id>-p<k>of<n>`), so each manifest stays small and each part can be
 * followed, redriven or hunted again on its own.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { randomBytes } from 'node:crypto';
import type { HuntExecutionInput } from './input';
import { HUNT_MANIFESTS_PREFIX } from './names';
import { INLINE_PREFIX_LIMIT, type HuntPlan } from './plan';

export { INLINE_PREFIX_LIMIT };

export interface StartHuntOptions {
  s3: S3Client;
  sfn: SFNClient;
  stateMachineArn: string;
  huntBucket: string;
  /** Default: `hunt-<UTC time>-<random>`. */
  huntId?: string;
  inlineLimit?: number;
}

export interface StartedHunt {
  huntId: string;
  executionArn: string;
  manifest?: { bucket: string; key: string };
}

export function newHuntId(now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `hunt-${stamp}-${randomBytes(3).toString('hex')}`;
}

export function manifestKeyFor(huntId: string): string {
  return `${HUNT_MANIFESTS_PREFIX}${huntId}.json`;
}

/** The execution input for a plan; `manifestKey` replaces the inline prefixes when given. */
export function executionInput(plan: HuntPlan, huntId: string, manifestKey?: string): HuntExecutionInput {
  return {
    huntId,
    since: plan.since,
    until: plan.until,
    mode: plan.mode,
    rules: plan.rules ?? [],
    ...(manifestKey !== undefined ? { manifestKey } : { prefixes: plan.prefixes }),
  };
}

/** Prefixes per execution: a manifest of about 45 MB. */
export const MAX_PREFIXES_PER_EXECUTION = 500_000;

/** The plan in parts of at most `size` prefixes (one part when it fits). */
export function planParts(plan: HuntPlan, size = MAX_PREFIXES_PER_EXECUTION): HuntPlan[] {
  if (plan.prefixes.length <= size) return [plan];
  const parts: HuntPlan[] = [];
  for (let i = 0; i < plan.prefixes.length; i += size)
    parts.push({ ...plan, prefixes: plan.prefixes.slice(i, i + size) });
  return parts;
}

/** Starts the plan as one execution, or as several when it has more than `partSize` prefixes. */
export async function startHuntParts(
  plan: HuntPlan,
  options: StartHuntOptions & { partSize?: number },
): Promise<StartedHunt[]> {
  const parts = planParts(plan, options.partSize);
  if (parts.length === 1) return [await startHunt(plan, options)];
  const base = options.huntId ?? newHuntId();
  const started: StartedHunt[] = [];
  for (const [i, part] of parts.entries())
    started.push(await startHunt(part, { ...options, huntId: `${base}-p${i + 1}of${parts.length}` }));
  return started;
}

export async function startHunt(plan: HuntPlan, options: StartHuntOptions): Promise<StartedHunt> {
  if (plan.prefixes.length === 0) throw new Error('the hunt plan has no prefixes');
  const huntId = options.huntId ?? newHuntId();
  let manifest: StartedHunt['manifest'];
  if (plan.prefixes.length > (options.inlineLimit ?? INLINE_PREFIX_LIMIT)) {
    manifest = { bucket: options.huntBucket, key: manifestKeyFor(huntId) };
    await options.s3.send(
      new PutObjectCommand({
        Bucket: manifest.bucket,
        Key: manifest.key,
        Body: JSON.stringify(plan.prefixes),
        ContentType: 'application/json',
      }),
    );
  }
  const res = await options.sfn.send(
    new StartExecutionCommand({
      stateMachineArn: options.stateMachineArn,
      name: huntId,
      input: JSON.stringify(executionInput(plan, huntId, manifest?.key)),
    }),
  );
  if (!res.executionArn) throw new Error('StartExecution returned no execution ARN');
  return { huntId, executionArn: res.executionArn, ...(manifest ? { manifest } : {}) };
}
