/**
 * The CDK app. Reads accounts.yaml (context `config`, default ./accounts.yaml), validates and
 * compiles the rules (context `rules`, default ./rules), and builds either the pipeline
 * (context `mode=pipeline`, the default) or the stacks directly (`mode=stacks`, as accounts.yaml's `deployment.mode: stacks`) for trials.
 * cdk-nag AwsSolutions checks every stack; an unacknowledged finding fails synth.
 *   npx cdk synth                          # pipeline
 *   npx cdk synth -c mode=direct           # the stacks themselves, for a trial
 * Every deploy-time choice is in accounts.yaml (the pipeline's own synth passes no context); the
 * context keys trailArn, trailBucketRegion and manageBucketPolicy of earlier versions are ignored
 * with a warning. Other context: analyzerEntry/processorEntry (other handler files, tests),
 * skipRuleCheck=true (trials only).
 */
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildDeployment, type DeploymentMode } from '../stacks/deployment';
import { checkRuleBundle, sigmaRuleLoader } from '../stacks/rule-bundle-check';
import { loadAccountsConfig } from '../src/org';
import { formatDiagnostic } from '../src/core';

async function main(): Promise<void> {
  const app = new App();
  const context = (key: string): string | undefined => {
    const value: unknown = app.node.tryGetContext(key);
    return value === undefined || value === null || value === '' ? undefined : String(value);
  };
  const configFile = path.resolve(context('config') ?? 'accounts.yaml');
  const rulesDir = path.resolve(context('rules') ?? 'rules');

  const loaded = loadAccountsConfig(configFile);
  for (const d of loaded.diagnostics) console.error(formatDiagnostic(d));
  if (loaded.config === undefined) throw new Error(`${configFile}: not loaded (see the errors above)`);

  if (context('skipRuleCheck') === 'true') {
    console.warn(`WARNING: rule check skipped (-c skipRuleCheck=true); ${rulesDir} is shipped unvalidated`);
  } else {
    const summary = await checkRuleBundle(rulesDir, sigmaRuleLoader());
    for (const note of summary.notes) console.warn(note);
    console.error(
      `rules: ${summary.rules} rules, ${summary.correlations} correlations, ${summary.filters} filters compiled from ${rulesDir}`,
    );
  }

  for (const retired of ['trailArn', 'trailBucketRegion', 'manageBucketPolicy']) {
    if (context(retired) !== undefined)
      console.warn(
        `WARNING: context ${retired} is ignored: the landing zone and trail come from accounts.yaml (trail.arn, trail.bucketRegion, trail.landingZone) so the pipeline synthesizes what you deploy`,
      );
  }
  // `direct` was this mode's name before it took accounts.yaml's (deployment.mode: stacks).
  const given = context('mode') === 'direct' ? 'stacks' : context('mode');
  const requested = given ?? loaded.config.deployment?.mode ?? 'pipeline';
  if (requested !== 'pipeline' && requested !== 'stacks')
    throw new Error(`context mode: expected pipeline or stacks, got ${JSON.stringify(requested)}`);
  const deployment = buildDeployment(app, loaded.config, {
    mode: requested as DeploymentMode,
    configFile,
    rulesDir,
    analyzerEntry: context('analyzerEntry'),
    processorEntry: context('processorEntry'),
  });
  for (const note of deployment.assumptions) console.warn(`NOTE: ${note}`);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
}

main().catch((err: unknown) => {
  console.error(`trailalerts cdk app: ${(err as Error).message}`);
  process.exit(1);
});
