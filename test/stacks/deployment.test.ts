/**
 * accounts.yaml → stacks: the mapping (propsFromConfig), the pipeline and direct modes built by
 * buildDeployment (bundling skipped: the security stack test bundles), cdk-nag over the whole
 * pipeline app, and the synth-time rule check.
 */
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { loadAccountsConfig } from '../../lambdas/org/config';
import type { AccountsConfig } from '../../lambdas/org/types';
import type { RuleBundle } from '../../lambdas/sigma/model';
import { buildDeployment } from '../../stacks/deployment';
import { SYNTH_COMMANDS } from '../../stacks/pipeline-stack';
import { CONTROL_TOWER_TRAIL_NAME, propsFromConfig } from '../../stacks/props-from-config';
import { checkRuleBundle } from '../../stacks/rule-bundle-check';
import {
  ANALYZER_FIXTURE,
  DELEGATED_ACCOUNTS,
  FIXTURES,
  ORG_MODE_ACCOUNTS,
  PROCESSOR_FIXTURE,
  REPO_ACCOUNTS,
  RULES_FIXTURE,
  unacknowledgedNagFindings,
} from './helpers';

function load(file: string): AccountsConfig {
  const result = loadAccountsConfig(file);
  if (result.config === undefined)
    throw new Error(`fixture ${file} does not load: ${JSON.stringify(result.diagnostics)}`);
  return result.config;
}

const options = {
  configFile: DELEGATED_ACCOUNTS,
  rulesDir: RULES_FIXTURE,
  analyzerEntry: ANALYZER_FIXTURE,
  processorEntry: PROCESSOR_FIXTURE,
};
const noBundling = () => new App({ context: { 'aws:cdk:bundling-stacks': [] } });

describe('propsFromConfig', () => {
  it('maps a delegated-admin accounts.yaml', () => {
    const plan = propsFromConfig(load(DELEGATED_ACCOUNTS), options);
    expect(plan.security).toMatchObject({
      env: { account: '222222222222', region: 'us-east-1' },
      organizationId: 'o-exampleorg1',
      logArchiveAccountId: '333333333333',
      trail: {
        bucket: 'aws-controltower-logs-333333333333-us-east-1',
        bucketRegion: 'us-east-1',
        prefix: 'o-exampleorg1',
      },
      analyzerReservedConcurrency: 10,
      emailIdentities: ['security.example.com'],
      topicArns: ['arn:aws:sns:us-east-1:222222222222:trailalerts-prod-pager'],
      webhookSecrets: { 'dev-chat': 'trailalerts/dev-chat' },
      ipContextSecret: 'trailalerts/vpnapi',
      accountDirectory: { source: 'static' },
      alarmEmail: 'soc@example.com',
      trailSilenceMinutes: 60,
    });
    expect(plan.memberGrants).toMatchObject({
      env: { account: '222222222222' },
      callAs: 'DELEGATED_ADMIN',
      organizationalUnitIds: ['ou-ex12-securit1'],
      regions: ['us-east-1'],
      grants: {
        analyzerRoleArn: 'arn:aws:iam::222222222222:role/trailalerts-analyzer',
        securityEventBusArn: 'arn:aws:events:us-east-1:222222222222:event-bus/trailalerts-trail-objects',
        trailArn: `arn:aws:cloudtrail:us-east-1:111111111111:trail/${CONTROL_TOWER_TRAIL_NAME}`,
      },
    });
    expect(plan.assumptions.join('\n')).toMatch(/assuming the Control Tower trail/);
    expect(plan.organizationsPolicy).toBeUndefined();
    expect(plan.pipelineSource).toEqual({
      kind: 'connection',
      connectionArn: expect.stringMatching(/^arn:aws:codeconnections:/),
      repository: 'example-org/detections',
      branch: 'main',
    });
  });

  it('takes the trail ARN and bucket region from accounts.yaml, with context values winning', () => {
    const config = load(ORG_MODE_ACCOUNTS);
    const withTrail = {
      ...config,
      trail: {
        ...config.trail,
        arn: 'arn:aws:cloudtrail:eu-west-1:100000000001:trail/from-yaml',
        bucketRegion: 'eu-central-1',
      },
    };
    const plan = propsFromConfig(withTrail, options);
    expect(plan.memberGrants?.grants.trailArn).toBe(
      'arn:aws:cloudtrail:eu-west-1:100000000001:trail/from-yaml',
    );
    expect(plan.memberGrants?.grants.trailBucketRegion).toBe('eu-central-1');
    const overridden = propsFromConfig(withTrail, {
      ...options,
      trailArn: 'arn:aws:cloudtrail:eu-west-1:100000000001:trail/ctx',
    });
    expect(overridden.memberGrants?.grants.trailArn).toBe(
      'arn:aws:cloudtrail:eu-west-1:100000000001:trail/ctx',
    );
  });

  it('maps Organizations mode, SELF and CodeCommit, and honours an explicit trail ARN', () => {
    const plan = propsFromConfig(load(ORG_MODE_ACCOUNTS), {
      ...options,
      trailArn: 'arn:aws:cloudtrail:eu-west-1:100000000001:trail/org',
    });
    expect(plan.security.accountDirectory).toEqual({ source: 'organizations', roleArn: undefined });
    expect(plan.memberGrants).toMatchObject({
      env: { account: '100000000001', region: 'eu-west-1' },
      callAs: 'SELF',
      regions: ['eu-west-1', 'us-east-1'],
    });
    expect(plan.memberGrants?.grants.trailArn).toBe('arn:aws:cloudtrail:eu-west-1:100000000001:trail/org');
    expect(plan.memberGrants?.grants.trailKmsKeyArn).toBeUndefined();
    expect(plan.organizationsPolicy).toMatchObject({
      env: { account: '100000000001', region: 'us-east-1' },
      securityAccountId: '100000000002',
    });
    expect(plan.pipelineSource).toEqual({
      kind: 'codecommit',
      repositoryName: 'detections',
      branch: 'release',
    });
    expect(plan.assumptions).toEqual([]);
  });

  it('skips the StackSet when accounts.yaml has no grants section', () => {
    const config = { ...load(DELEGATED_ACCOUNTS), grants: undefined };
    const plan = propsFromConfig(config, options);
    expect(plan.memberGrants).toBeUndefined();
    expect(plan.assumptions.join('\n')).toMatch(/no grants: section/);
  });
});

describe('pipeline mode', () => {
  let app: App;
  let template: Template;

  beforeAll(() => {
    app = noBundling();
    const deployment = buildDeployment(app, load(DELEGATED_ACCOUNTS), { ...options, mode: 'pipeline' });
    template = Template.fromStack(deployment.pipeline!);
  });

  it('builds a V2 CodePipeline with cross-account keys, sourced from the CodeConnections repository', () => {
    template.hasResourceProperties('AWS::CodePipeline::Pipeline', {
      PipelineType: 'V2',
      Stages: Match.arrayWith([
        Match.objectLike({
          Name: 'Source',
          Actions: [
            Match.objectLike({
              ActionTypeId: Match.objectLike({ Provider: 'CodeStarSourceConnection' }),
              Configuration: Match.objectLike({
                FullRepositoryId: 'example-org/detections',
                BranchName: 'main',
              }),
            }),
          ],
        }),
      ]),
    });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('runs install, tests, validation, rule tests and synth in the synth step', () => {
    const projects = Object.values(template.findResources('AWS::CodeBuild::Project'));
    const synth = projects
      .map((p) => JSON.stringify(p.Properties.Source.BuildSpec))
      .find((spec) => spec.includes('npx trailalerts validate'));
    expect(synth).toBeDefined();
    expect(synth).toContain('runtime-versions');
    let last = -1;
    for (const command of SYNTH_COMMANDS) {
      const at = synth!.indexOf(command);
      expect([command, at > last]).toEqual([command, true]);
      last = at;
    }
  });

  it('deploys the security stage, then the member-grants stage', () => {
    const pipeline = Object.values(template.findResources('AWS::CodePipeline::Pipeline'))[0];
    const names = (pipeline.Properties.Stages as { Name: string }[]).map((s) => s.Name);
    expect(names).toEqual(['Source', 'Build', 'UpdatePipeline', 'Assets', 'Security', 'MemberGrants']);
  });

  it('passes cdk-nag AwsSolutions over the whole app with every finding acknowledged', () => {
    expect(unacknowledgedNagFindings(app)).toEqual([]);
  });
});

describe('direct mode', () => {
  it('builds the stacks without a pipeline, including the Organizations policy when asked', () => {
    const app = noBundling();
    const deployment = buildDeployment(app, load(ORG_MODE_ACCOUNTS), {
      ...options,
      configFile: ORG_MODE_ACCOUNTS,
      mode: 'direct',
    });
    expect(deployment.pipeline).toBeUndefined();
    expect(app.node.children.map((c) => c.node.id).sort()).toEqual([
      'TrailAlerts-MemberGrants',
      'TrailAlerts-OrganizationsPolicy',
      'TrailAlerts-Security',
    ]);
    Template.fromStack(deployment.organizationsPolicy!).resourceCountIs(
      'AWS::Organizations::ResourcePolicy',
      1,
    );
    Template.fromStack(deployment.memberGrants!).hasResourceProperties('AWS::CloudFormation::StackSet', {
      CallAs: 'SELF',
      StackInstancesGroup: [
        {
          DeploymentTargets: { OrganizationalUnitIds: ['ou-abcd-fixture1', 'r-abcd'] },
          Regions: ['eu-west-1', 'us-east-1'],
        },
      ],
    });
    const security = Template.fromStack(deployment.security!);
    security.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'ReadOrganizationsDirectory',
            Action: Match.arrayWith(['organizations:ListAccountsForParent']),
          }),
        ]),
      },
    });
    // No trail prefix: the analyzer reads AWSLogs/ at the bucket root.
    expect(JSON.stringify(security.toJSON())).toContain(':s3:::fixture-org-trail/AWSLogs/*');
    expect(unacknowledgedNagFindings(app)).toEqual([]);
  });

  it('refuses pipeline mode without a pipeline source, naming the accounts.yaml key', () => {
    const config = { ...load(DELEGATED_ACCOUNTS), pipeline: undefined };
    expect(() => buildDeployment(noBundling(), config, { ...options, mode: 'pipeline' })).toThrow(
      /accounts.yaml: pipeline — expected connectionArn and repository/,
    );
  });

  it('names bad values from accounts.yaml at construction', () => {
    const config = load(DELEGATED_ACCOUNTS);
    const broken = { ...config, deployment: { ...config.deployment, trailSilenceMinutes: 7 } };
    expect(() => buildDeployment(noBundling(), broken, { ...options, mode: 'direct' })).toThrow(
      /OperationsAlarms: trailSilenceMinutes — expected a multiple of 5 minutes, got 7/,
    );
    expect(() =>
      buildDeployment(noBundling(), config, {
        ...options,
        analyzerEntry: '/nonexistent/handler.ts',
        mode: 'direct',
      }),
    ).toThrow(/DetectionFunction Analyzer: entry — expected an existing handler file/);
  });
});

describe('the repository accounts.yaml', () => {
  it('builds the pipeline app with zero unacknowledged cdk-nag findings', () => {
    const app = noBundling();
    const deployment = buildDeployment(app, load(REPO_ACCOUNTS), {
      ...options,
      configFile: REPO_ACCOUNTS,
      mode: 'pipeline',
    });
    Template.fromStack(deployment.pipeline!).resourceCountIs('AWS::CodePipeline::Pipeline', 1);
    expect(unacknowledgedNagFindings(app)).toEqual([]);
  });
});

describe('rule check at synth', () => {
  const bundle = (diagnostics: RuleBundle['diagnostics']): RuleBundle => ({
    rules: [],
    correlations: [],
    filters: [],
    diagnostics,
  });

  it('fails with every error diagnostic, formatted with file and line', async () => {
    const loader = () =>
      bundle([
        {
          severity: 'error',
          file: 'rules/sigma/a.yml',
          line: 4,
          path: 'detection.condition',
          message: 'unknown identifier sel',
        },
        { severity: 'warning', file: 'rules/sigma/b.yml', message: 'no tests' },
        { severity: 'error', file: 'rules/sigma/c.yml', line: 1, message: 'not YAML' },
      ]);
    await expect(checkRuleBundle('rules', loader)).rejects.toThrow(
      'rule bundle rules has 2 error(s); fix them before deploying:\nerror: rules/sigma/a.yml:4 detection.condition => unknown identifier sel\nerror: rules/sigma/c.yml:1 => not YAML',
    );
  });

  it('compiles the fixture rules with the real Sigma loader', async () => {
    await expect(checkRuleBundle(RULES_FIXTURE)).resolves.toMatchObject({
      rules: 1,
      correlations: 0,
      filters: 0,
    });
  });

  it('fails on a broken rule with the real Sigma loader, naming the file', async () => {
    await expect(checkRuleBundle(path.join(FIXTURES, 'broken-rules'))).rejects.toThrow(
      /1 error\(s\)[\s\S]*broken_condition\.yml/,
    );
  });

  it('passes warnings through and counts what compiled', async () => {
    const loader = async (paths: string[]) => ({
      ...bundle([{ severity: 'warning' as const, file: `${paths[0]}/b.yml`, message: 'no tests' }]),
      filters: [],
    });
    await expect(checkRuleBundle('rules', loader)).resolves.toEqual({
      rules: 0,
      correlations: 0,
      filters: 0,
      notes: ['warning: rules/b.yml => no tests'],
    });
  });
});
