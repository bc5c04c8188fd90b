/**
 * The CDK app as `cdk synth` runs it (a whole process): the retired context keys trailArn,
 * trailBucketRegion and manageBucketPolicy change nothing, so the pipeline's own plain
 * `npx cdk synth` produces exactly the templates of a first deploy made with them.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ANALYZER_FIXTURE, FIXTURES, maskHashes, PROCESSOR_FIXTURE, RULES_FIXTURE } from './helpers';

const ROOT = path.resolve(__dirname, '../..');

/** Every template the app writes, asset hashes masked (bundling is skipped, so they vary by run). */
function synth(context: Record<string, unknown>): Record<string, unknown> {
  const outdir = mkdtempSync(path.join(tmpdir(), 'trailalerts-synth-'));
  try {
    const env = {
      ...process.env,
      CDK_OUTDIR: outdir,
      CDK_CONTEXT_JSON: JSON.stringify({
        config: path.join(FIXTURES, 'shapes', 'control-tower.yaml'),
        rules: RULES_FIXTURE,
        mode: 'stacks',
        analyzerEntry: ANALYZER_FIXTURE,
        processorEntry: PROCESSOR_FIXTURE,
        'aws:cdk:bundling-stacks': [],
        ...context,
      }),
    };
    try {
      execFileSync(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'bin/app.ts'], {
        cwd: ROOT,
        env,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
    } catch (err) {
      throw new Error(`synth failed: ${String((err as { stderr?: Buffer }).stderr ?? err)}`);
    }
    return Object.fromEntries(
      readdirSync(outdir)
        .filter((f) => f.endsWith('.template.json'))
        .map((f) => [f, maskHashes(JSON.parse(readFileSync(path.join(outdir, f), 'utf8')))]),
    );
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

describe('the CDK app', () => {
  it('synthesizes the same templates with and without the retired context keys', () => {
    const plain = synth({});
    const withFlags = synth({
      trailArn: 'arn:aws:cloudtrail:eu-west-1:111111111111:trail/some-other-trail',
      trailBucketRegion: 'us-west-2',
      manageBucketPolicy: 'false',
    });
    expect(Object.keys(plain).sort()).toEqual([
      'TrailAlerts-MemberGrants.template.json',
      'TrailAlerts-Security.template.json',
    ]);
    expect(withFlags).toEqual(plain);
  }, 180_000);
});
