/**
 * accounts.yaml → stacks: the mapping (propsFromConfig) for a Control Tower organization and a
 * customer-owned bucket (reader role, key grant, forwarding, StackSet or management-account stack,
 * Organizations policy), the pipeline and direct modes built by buildDeployment (bundling skipped:
 * the security stack test bundles), cdk-nag over the whole app, and the synth-time rule check.
 */
import * as path from 'node:path';
import { App, type Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { loadAccountsConfig } from '../../src/org/config';
import type { AccountsConfig } from '../../src/org/types';
import type { RuleBundle } from '../../src/sigma/model';
import { buildDeployment } from '../../stacks/deployment';
import { SYNTH_COMMANDS } from '../../stacks/pipeline-stack';
import { CONTROL_TOWER_TRAIL_NAME, propsFromConfig } from '../../stacks/props-from-config';
import { checkRuleBundle } from '../../stacks/rule-bundle-check';
import {
  ANALYZER_FIXTURE,
  DELEGATED_ACCOUNTS,
  FIXTURES,
  ORG_MODE_ACCOUNTS,
  REPO_ACCOUNTS,
  RULES_FIXTURE,
  unacknowledgedNagFindings,
  DEPLOYMENT_OPTIONS,
  noBundling,
} from './helpers';

function load(file: string): AccountsConfig {
  const result = loadAccountsConfig(file);
  if (result.config === undefined)
    throw new Error(`fixture ${file} does not load: ${JSON.stringify(result.diagnostics)}`);
  return result.config;
}

const options = DEPLOYMENT_OPTIONS;

/** The Control Tower fixture (accounts-delegated.yaml): bucket, key (management account), trail, topic. */
const CT_BUCKET = 'aws-controltower-logs-333333333333-us-east-1';
const CT_KEY = 'arn:aws:kms:us-east-1:111111111111:key/11111111-2222-3333-4444-555555555555';
const CT_TRAIL = `arn:aws:cloudtrail:us-east-1:111111111111:trail/${CONTROL_TOWER_TRAIL_NAME}`;
const CT_TOPIC = 'arn:aws:sns:us-east-1:222222222222:aws-controltower-AllConfigNotifications';

describe('propsFromConfig', () => {
  it('maps a Control Tower accounts.yaml: reader role, SNS notifications, key grant, no forwarding', () => {
    const plan = propsFromConfig(load(DELEGATED_ACCOUNTS), options);
    expect(plan.shape).toEqual({
      kind: 'controlTower',
      kindSource: expect.stringContaining('aws-controltower-logs-'),
      bucketWritable: false,
      newObjects: 'sns',
      newObjectsSource: expect.any(String),
      notificationTopicArn: CT_TOPIC,
      logArchiveAccess: 'stackSet',
      crossAccountKey: true,
    });
    expect(plan.security).toMatchObject({
      env: { account: '222222222222', region: 'us-east-1' },
      organizationId: 'o-exampleorg1',
      logArchiveAccountId: '333333333333',
      trail: {
        bucket: CT_BUCKET,
        bucketRegion: 'us-east-1',
        prefix: 'o-exampleorg1',
        kmsKeyArn: CT_KEY,
      },
      trailReaderRoleArn: 'arn:aws:iam::333333333333:role/trailalerts-trail-reader',
      newObjects: { source: 'sns', topicArn: CT_TOPIC },
      analyzerReservedConcurrency: 10,
      emailIdentities: ['security.example.com'],
      topicArns: ['arn:aws:sns:us-east-1:222222222222:trailalerts-prod-pager'],
      webhookSecrets: { 'dev-chat': 'trailalerts/dev-chat' },
      ipContextSecret: 'trailalerts/vpnapi',
      accountDirectory: { source: 'static' },
      alarmEmail: 'soc@example.com',
      trailSilenceMinutes: 60,
    });
    expect(plan.memberGrants).toEqual({
      env: { account: '222222222222', region: 'us-east-1' },
      description: expect.any(String),
      callAs: 'DELEGATED_ADMIN',
      organizationalUnitIds: ['ou-ex12-securit1'],
      stackSetName: 'trailalerts-member-grants',
      grants: {
        organizationId: 'o-exampleorg1',
        logArchiveAccountId: '333333333333',
        trailBucket: CT_BUCKET,
        trailBucketRegion: 'us-east-1',
        trailPrefix: 'o-exampleorg1',
        trailKmsKeyArn: CT_KEY,
        trailArn: CT_TRAIL,
        readerPrincipalArns: [
          'arn:aws:iam::222222222222:role/trailalerts-analyzer',
          'arn:aws:iam::222222222222:role/trailalerts-hunt-worker',
        ],
        readerRoleName: 'trailalerts-trail-reader',
        forwardRuleName: 'trailalerts-forward-trail-objects',
        // A Control Tower bucket is never written to: no EventBridge switch, no forwarding.
        forwardTo: undefined,
      },
    });
    expect(plan.managementGrants).toBeUndefined();
    expect(plan.organizationsPolicy).toBeUndefined();
    expect(plan.assumptions).toEqual([
      expect.stringMatching(/^landing zone: controlTower .*new objects: sns/),
      `trail ARN not given (trail.arn); assuming Control Tower's trail ${CT_TRAIL}`,
    ]);
    expect(plan.pipelineSource).toEqual({
      kind: 'connection',
      connectionArn: expect.stringMatching(/^arn:aws:codeconnections:/),
      repository: 'example-org/detections',
      branch: 'main',
    });
  });

  it('maps a customer-owned bucket: EventBridge forwarding to the security bus, SELF, CodeCommit', () => {
    const plan = propsFromConfig(load(ORG_MODE_ACCOUNTS), options);
    expect(plan.shape).toMatchObject({
      kind: 'none',
      bucketWritable: true,
      newObjects: 'eventBridge',
      logArchiveAccess: 'stackSet',
      crossAccountKey: false,
    });
    expect(plan.security).toMatchObject({
      env: { account: '100000000002', region: 'eu-west-1' },
      trailReaderRoleArn: 'arn:aws:iam::100000000003:role/trailalerts-trail-reader',
      newObjects: { source: 'eventBridge' },
      accountDirectory: { source: 'organizations', roleArn: undefined },
    });
    expect(plan.memberGrants).toMatchObject({
      env: { account: '100000000001', region: 'eu-west-1' },
      callAs: 'SELF',
      organizationalUnitIds: ['ou-abcd-fixture1', 'r-abcd'],
      grants: {
        logArchiveAccountId: '100000000003',
        trailBucket: 'fixture-org-trail',
        trailBucketRegion: 'eu-west-1',
        readerPrincipalArns: [
          'arn:aws:iam::100000000002:role/trailalerts-analyzer',
          'arn:aws:iam::100000000002:role/trailalerts-hunt-worker',
        ],
        forwardTo: {
          securityEventBusArn: 'arn:aws:events:eu-west-1:100000000002:event-bus/trailalerts-trail-objects',
        },
      },
    });
    expect(plan.memberGrants).not.toHaveProperty('regions');
    expect(plan.memberGrants?.grants.trailArn).toBeUndefined();
    expect(plan.memberGrants?.grants.trailKmsKeyArn).toBeUndefined();
    // The security account is a delegated administrator (the default): it reads Organizations itself.
    expect(plan.organizationsPolicy).toBeUndefined();
    expect(plan.pipelineSource).toEqual({
      kind: 'codecommit',
      repositoryName: 'detections',
      branch: 'release',
    });
    expect(plan.assumptions).toEqual([
      expect.stringMatching(/^landing zone: none .*new objects: eventBridge/),
    ]);
  });

  it('takes the trail ARN and bucket region from accounts.yaml only', () => {
    const config = load(DELEGATED_ACCOUNTS);
    const plan = propsFromConfig(
      {
        ...config,
        trail: {
          ...config.trail,
          arn: 'arn:aws:cloudtrail:us-east-1:111111111111:trail/from-yaml',
          bucketRegion: 'eu-central-1',
        },
      },
      options,
    );
    expect(plan.memberGrants?.grants).toMatchObject({
      trailArn: 'arn:aws:cloudtrail:us-east-1:111111111111:trail/from-yaml',
      trailBucketRegion: 'eu-central-1',
    });
    expect(plan.security.trail.bucketRegion).toBe('eu-central-1');
    expect(plan.assumptions.join('\n')).not.toMatch(/assuming Control Tower's trail/);
  });

  it('notes that grants.regions is no longer used: the StackSet deploys in the bucket region only', () => {
    const config = load(ORG_MODE_ACCOUNTS);
    const plan = propsFromConfig(
      { ...config, grants: { ...config.grants!, regions: ['eu-west-1', 'us-east-1'] } },
      options,
    );
    expect(plan.assumptions).toContainEqual(
      "grants.regions is no longer used: the StackSet deploys in the trail bucket's region eu-west-1 only",
    );
  });

  it('lets the poller assume the reader role too when new objects are polled', () => {
    const config = load(DELEGATED_ACCOUNTS);
    const plan = propsFromConfig(
      {
        ...config,
        trail: { ...config.trail, newObjects: 'poll', pollIntervalMinutes: 10, regions: ['us-east-1'] },
      },
      { ...options, pollerEntry: ANALYZER_FIXTURE },
    );
    expect(plan.security.newObjects).toEqual({
      source: 'poll',
      intervalMinutes: 10,
      regions: ['us-east-1'],
      pollerEntry: ANALYZER_FIXTURE,
    });
    expect(plan.memberGrants?.grants.readerPrincipalArns).toEqual([
      'arn:aws:iam::222222222222:role/trailalerts-analyzer',
      'arn:aws:iam::222222222222:role/trailalerts-hunt-worker',
      'arn:aws:iam::222222222222:role/trailalerts-poller',
    ]);
    expect(plan.memberGrants?.grants.forwardTo).toBeUndefined();
  });

  it('passes each function its reserved concurrency', () => {
    const config = load(DELEGATED_ACCOUNTS);
    const plan = propsFromConfig(
      {
        ...config,
        deployment: {
          ...config.deployment,
          processorReservedConcurrency: 4,
          huntWorkerReservedConcurrency: 30,
        },
      },
      options,
    );
    expect(plan.security).toMatchObject({
      analyzerReservedConcurrency: 10,
      processorReservedConcurrency: 4,
      retroHunt: { reservedConcurrency: 30 },
    });
  });

  it('deploys the Organizations resource policy only when the security account is not a delegated administrator', () => {
    const config = load(ORG_MODE_ACCOUNTS);
    const notDelegated = {
      ...config,
      organization: {
        ...config.organization,
        securityAccountIsDelegatedAdmin: false,
        homeRegion: 'us-east-1',
      },
    };
    expect(propsFromConfig(notDelegated, options).organizationsPolicy).toEqual({
      env: { account: '100000000001', region: 'us-east-1' },
      description: expect.any(String),
      securityAccountId: '100000000002',
    });
    // A management-account role replaces the resource policy.
    const withRole = {
      ...notDelegated,
      organization: {
        ...notDelegated.organization,
        accountDirectory: {
          source: 'organizations' as const,
          roleArn: 'arn:aws:iam::100000000001:role/TrailAlertsOrganizationsReadOnly',
        },
      },
    };
    expect(propsFromConfig(withRole, options).organizationsPolicy).toBeUndefined();
    expect(() =>
      propsFromConfig(
        { ...config, organization: { ...config.organization, securityAccountIsDelegatedAdmin: false } },
        options,
      ),
    ).toThrow(/accounts.yaml: organization.securityAccountIsDelegatedAdmin — expected true/);
  });

  it('puts the log-archive access into a stack of its own when the bucket is in the management account', () => {
    const config = load(ORG_MODE_ACCOUNTS);
    const inManagement = {
      ...config,
      trail: { ...config.trail, accountId: '100000000001' },
      grants: undefined,
    };
    const plan = propsFromConfig(inManagement, options);
    expect(plan.shape.logArchiveAccess).toBe('managementStack');
    expect(plan.memberGrants).toBeUndefined();
    expect(plan.managementGrants).toMatchObject({
      env: { account: '100000000001', region: 'eu-west-1' },
      logArchiveAccountId: '100000000001',
      trailBucket: 'fixture-org-trail',
      readerPrincipalArns: [
        'arn:aws:iam::100000000002:role/trailalerts-analyzer',
        'arn:aws:iam::100000000002:role/trailalerts-hunt-worker',
      ],
      forwardTo: {
        securityEventBusArn: 'arn:aws:events:eu-west-1:100000000002:event-bus/trailalerts-trail-objects',
      },
    });
    expect(plan.security.trailReaderRoleArn).toBe('arn:aws:iam::100000000001:role/trailalerts-trail-reader');
    expect(plan.assumptions.join('\n')).toMatch(/a stack of its own there/);
    // StackSets never deploy into the management account: a grants: section is refused.
    expect(() => propsFromConfig({ ...inManagement, grants: config.grants }, options)).toThrow(
      /accounts.yaml: grants — expected no grants: section/,
    );
  });

  it('skips the StackSet when accounts.yaml has no grants section, naming the role to create', () => {
    const config = { ...load(DELEGATED_ACCOUNTS), grants: undefined };
    const plan = propsFromConfig(config, options);
    expect(plan.memberGrants).toBeUndefined();
    expect(plan.managementGrants).toBeUndefined();
    expect(plan.assumptions).toContainEqual(
      'no grants: section; create the reader role arn:aws:iam::333333333333:role/trailalerts-trail-reader yourself (docs/deployment.md)',
    );
  });

  it('needs the trail ARN for a key of another account when no landing zone implies it', () => {
    const config = load(ORG_MODE_ACCOUNTS);
    const keyed = {
      ...config,
      trail: { ...config.trail, kmsKeyArn: 'arn:aws:kms:eu-west-1:100000000001:key/1111' },
    };
    expect(() => propsFromConfig(keyed, options)).toThrow(
      /accounts.yaml: trail.arn — expected the organization trail ARN/,
    );
    // A key of the log-archive account itself needs no grant, so no trail ARN.
    const local = {
      ...config,
      trail: { ...config.trail, kmsKeyArn: 'arn:aws:kms:eu-west-1:100000000003:key/1111' },
    };
    expect(propsFromConfig(local, options).shape.crossAccountKey).toBe(false);
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

  const stageNames = (t: Template) => {
    const pipeline = Object.values(t.findResources('AWS::CodePipeline::Pipeline'))[0];
    return (pipeline.Properties.Stages as { Name: string }[]).map((s) => s.Name);
  };

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

  it('runs install, validation, rule tests and synth in the synth step, not the full test suite', () => {
    expect(SYNTH_COMMANDS).toEqual([
      'npm ci',
      'npx trailalerts validate --strict',
      'npx trailalerts test rules/',
      'npx cdk synth',
    ]);
    const projects = Object.values(template.findResources('AWS::CodeBuild::Project'));
    const synth = projects
      .map((p) => JSON.stringify(p.Properties.Source.BuildSpec))
      .find((spec) => spec.includes('npx trailalerts validate'));
    expect(synth).toBeDefined();
    expect(synth).toContain('runtime-versions');
    expect(synth).not.toMatch(/npm (run )?test/);
    let last = -1;
    for (const command of SYNTH_COMMANDS) {
      const at = synth!.indexOf(command);
      expect([command, at > last]).toEqual([command, true]);
      last = at;
    }
  });

  it('deploys the security stage, then the member-grants stage', () => {
    expect(stageNames(template)).toEqual([
      'Source',
      'Build',
      'UpdatePipeline',
      'Assets',
      'Security',
      'MemberGrants',
    ]);
  });

  it('passes cdk-nag AwsSolutions over the whole app with every finding acknowledged', () => {
    expect(unacknowledgedNagFindings(app)).toEqual([]);
  });

  it('deploys the management-account access stack and the Organizations policy after the security stage', () => {
    const config = load(ORG_MODE_ACCOUNTS);
    const other = noBundling();
    const deployment = buildDeployment(
      other,
      {
        ...config,
        organization: {
          ...config.organization,
          securityAccountIsDelegatedAdmin: false,
          homeRegion: 'us-east-1',
        },
        trail: { ...config.trail, accountId: '100000000001' },
        grants: undefined,
      },
      { ...options, configFile: ORG_MODE_ACCOUNTS, mode: 'pipeline' },
    );
    expect(stageNames(Template.fromStack(deployment.pipeline!))).toEqual([
      'Source',
      'Build',
      'UpdatePipeline',
      'Assets',
      'Security',
      'LogArchiveAccess',
      'OrganizationsPolicy',
    ]);
    expect(unacknowledgedNagFindings(other)).toEqual([]);
  });
});

type Json = Record<string, unknown>;

/** The template the StackSet deploys, parsed. */
function embeddedTemplate(stackSetStack: Stack): {
  Resources: Record<string, { Type: string; Properties: Json }>;
} {
  const [stackSet] = Object.values(
    Template.fromStack(stackSetStack).findResources('AWS::CloudFormation::StackSet'),
  );
  return JSON.parse(stackSet.Properties.TemplateBody as string);
}

describe('direct mode', () => {
  it('builds the security stack and the StackSet for a customer-owned bucket: forwarding, no Organizations policy', () => {
    const app = noBundling();
    const deployment = buildDeployment(app, load(ORG_MODE_ACCOUNTS), {
      ...options,
      configFile: ORG_MODE_ACCOUNTS,
      mode: 'stacks',
    });
    expect(deployment.pipeline).toBeUndefined();
    expect(deployment.organizationsPolicy).toBeUndefined();
    expect(app.node.children.map((c) => c.node.id).sort()).toEqual([
      'TrailAlerts-MemberGrants',
      'TrailAlerts-Security',
    ]);
    Template.fromStack(deployment.memberGrants!).hasResourceProperties('AWS::CloudFormation::StackSet', {
      CallAs: 'SELF',
      StackInstancesGroup: [
        {
          DeploymentTargets: {
            OrganizationalUnitIds: ['ou-abcd-fixture1', 'r-abcd'],
            Accounts: ['100000000003'],
            AccountFilterType: 'INTERSECTION',
          },
          Regions: ['eu-west-1'],
        },
      ],
    });
    // The StackSet's template: the reader role (AWSLogs/ at the bucket root: no prefix), the
    // EventBridge switch and the forwarding rule; no key, so no grant.
    const embedded = embeddedTemplate(deployment.memberGrants!);
    const types = Object.values(embedded.Resources).map((r) => r.Type);
    expect(types).toEqual(expect.arrayContaining(['Custom::TrailBucketEventBridge', 'AWS::Events::Rule']));
    expect(types).not.toContain('Custom::TrailKeyGrant');
    expect(JSON.stringify(embedded)).toContain(':s3:::fixture-org-trail/AWSLogs/*');

    const security = Template.fromStack(deployment.security!);
    security.resourceCountIs('AWS::Events::EventBus', 1);
    security.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Sid: 'AssumeTrailReader',
            Effect: 'Allow',
            Action: 'sts:AssumeRole',
            Resource: 'arn:aws:iam::100000000003:role/trailalerts-trail-reader',
          },
          Match.objectLike({
            Sid: 'WalkOrganizationTree',
            Action: Match.arrayWith(['organizations:ListAccountsForParent']),
          }),
          Match.objectLike({ Sid: 'ListOrganizationRoots', Resource: '*' }),
        ]),
      },
    });
    // The security account never reads the bucket itself.
    expect(JSON.stringify(security.toJSON())).not.toContain(':s3:::fixture-org-trail');
    expect(unacknowledgedNagFindings(app)).toEqual([]);
  });

  it('builds a Control Tower deployment: SNS notifications, a key grant, no forwarding', () => {
    const app = noBundling();
    const deployment = buildDeployment(app, load(DELEGATED_ACCOUNTS), { ...options, mode: 'stacks' });
    // Called as delegated administrator from the security account: after the security stack.
    expect(deployment.memberGrants!.dependencies).toContain(deployment.security);
    const security = Template.fromStack(deployment.security!);
    security.resourceCountIs('AWS::Events::EventBus', 0);
    security.hasResourceProperties('AWS::SNS::Subscription', { TopicArn: CT_TOPIC, Protocol: 'sqs' });
    const embedded = embeddedTemplate(deployment.memberGrants!);
    const grant = Object.values(embedded.Resources).find((r) => r.Type === 'Custom::TrailKeyGrant');
    expect(grant?.Properties).toMatchObject({ KeyArn: CT_KEY, TrailArn: CT_TRAIL });
    const types = Object.values(embedded.Resources).map((r) => r.Type);
    expect(types).not.toContain('Custom::TrailBucketEventBridge');
    expect(types).not.toContain('AWS::Events::Rule');
    expect(unacknowledgedNagFindings(app)).toEqual([]);
  });

  it('builds the Organizations policy and the management-account access stack when they apply', () => {
    const config = load(ORG_MODE_ACCOUNTS);
    const app = noBundling();
    const deployment = buildDeployment(
      app,
      {
        ...config,
        organization: {
          ...config.organization,
          securityAccountIsDelegatedAdmin: false,
          homeRegion: 'us-east-1',
        },
        trail: { ...config.trail, accountId: '100000000001' },
        grants: undefined,
      },
      { ...options, configFile: ORG_MODE_ACCOUNTS, mode: 'stacks' },
    );
    expect(app.node.children.map((c) => c.node.id).sort()).toEqual([
      'TrailAlerts-LogArchiveAccess',
      'TrailAlerts-OrganizationsPolicy',
      'TrailAlerts-Security',
    ]);
    Template.fromStack(deployment.organizationsPolicy!).resourceCountIs(
      'AWS::Organizations::ResourcePolicy',
      1,
    );
    const access = deployment.managementGrants!;
    expect([access.account, access.region]).toEqual(['100000000001', 'us-east-1']);
    const t = Template.fromStack(access);
    t.hasResourceProperties('AWS::IAM::Role', { RoleName: 'trailalerts-trail-reader' });
    t.resourceCountIs('Custom::TrailBucketEventBridge', 1);
    t.resourceCountIs('Custom::TrailBucketStatement', 0);
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
    expect(() => buildDeployment(noBundling(), broken, { ...options, mode: 'stacks' })).toThrow(
      /OperationsAlarms: trailSilenceMinutes — expected a multiple of 5 minutes, got 7/,
    );
    expect(() =>
      buildDeployment(noBundling(), config, {
        ...options,
        analyzerEntry: '/nonexistent/handler.ts',
        mode: 'stacks',
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
