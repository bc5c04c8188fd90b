/**
 * The delivery pipeline (CDK Pipelines, in the security account): source from a CodeConnections
 * repository (or CodeCommit), a synth step that installs, runs the unit tests, validates
 * accounts.yaml and the rules, runs every rule's tests and synthesizes; then the security-account
 * stage, the member-grants StackSet stage and, where chosen, the Organizations policy stage.
 */
import { DefaultStackSynthesizer, Stack, Stage, type StackProps, type StageProps } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codecommit from 'aws-cdk-lib/aws-codecommit';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as pipelines from 'aws-cdk-lib/pipelines';
import { Construct } from 'constructs';
import { GuardDutyForwardingStack, type GuardDutyForwardingStackProps } from './guardduty-forwarding-stack';
import { MemberGrantsStack, type MemberGrantsStackProps } from './member-grants-stack';
import { MemberGrantsStackSetStack, type MemberGrantsStackSetStackProps } from './member-grants-stackset';
import { acknowledgePipelineFindings } from './pipeline-nag';
import { OrganizationsPolicyStack, type OrganizationsPolicyStackProps } from './organizations-policy-stack';
import { SecurityAccountStack, type SecurityAccountStackProps } from './security-account-stack';
import { PropsError, requireArn, requireName } from './constructs/validate-props';

export type PipelineSource =
  | { kind: 'connection'; connectionArn: string; repository: string; branch: string }
  | { kind: 'codecommit'; repositoryName: string; branch: string };

/**
 * What the synth step runs; a failing command stops the pipeline before any deployment. The full
 * test suite needs a browser the build image lacks and runs in the repository's CI instead; here
 * the deployment's own inputs are checked: accounts.yaml and the rules, every rule's tests, synth.
 */
export const SYNTH_COMMANDS = [
  'npm ci',
  // Warnings (an OU entry that matches nothing, an account no route reaches …) fail the build.
  'npx trailalerts validate --strict',
  'npx trailalerts test rules/',
  'npx cdk synth',
];

export interface PipelineStackProps extends StackProps {
  /** Default `trailalerts`. */
  pipelineName?: string;
  source: PipelineSource;
  security: SecurityAccountStackProps;
  memberGrants?: MemberGrantsStackSetStackProps;
  managementGrants?: MemberGrantsStackProps;
  organizationsPolicy?: OrganizationsPolicyStackProps;
  /** One stage per region whose GuardDuty findings are forwarded to the home region. */
  guardDutyForwarding?: GuardDutyForwardingStackProps[];
}

export class SecurityAccountStage extends Stage {
  readonly stack: SecurityAccountStack;
  constructor(scope: Construct, id: string, props: StageProps & { security: SecurityAccountStackProps }) {
    super(scope, id, props);
    this.stack = new SecurityAccountStack(this, 'Detection', props.security);
  }
}

export class MemberGrantsStage extends Stage {
  readonly stack: MemberGrantsStackSetStack;
  constructor(
    scope: Construct,
    id: string,
    props: StageProps & { memberGrants: MemberGrantsStackSetStackProps },
  ) {
    super(scope, id, props);
    this.stack = new MemberGrantsStackSetStack(this, 'MemberGrants', props.memberGrants);
  }
}

/** The log-archive access as a plain stack in the management account (bucket kept there). */
export class LogArchiveAccessStage extends Stage {
  readonly stack: MemberGrantsStack;
  constructor(scope: Construct, id: string, props: StageProps & { access: MemberGrantsStackProps }) {
    super(scope, id, props);
    this.stack = new MemberGrantsStack(this, 'LogArchiveAccess', {
      ...props.access,
      synthesizer: new DefaultStackSynthesizer(),
    });
  }
}

export class GuardDutyForwardingStage extends Stage {
  readonly stack: GuardDutyForwardingStack;
  constructor(
    scope: Construct,
    id: string,
    props: StageProps & { forwarding: GuardDutyForwardingStackProps },
  ) {
    super(scope, id, props);
    this.stack = new GuardDutyForwardingStack(this, 'GuardDutyForwarding', props.forwarding);
  }
}

export class OrganizationsPolicyStage extends Stage {
  readonly stack: OrganizationsPolicyStack;
  constructor(
    scope: Construct,
    id: string,
    props: StageProps & { organizationsPolicy: OrganizationsPolicyStackProps },
  ) {
    super(scope, id, props);
    this.stack = new OrganizationsPolicyStack(this, 'OrganizationsPolicy', props.organizationsPolicy);
  }
}

export class PipelineStack extends Stack {
  readonly pipeline: pipelines.CodePipeline;

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, props);
    const input = sourceInput(this, props.source);
    this.pipeline = new pipelines.CodePipeline(this, 'Pipeline', {
      pipelineName: props.pipelineName ?? 'trailalerts',
      pipelineType: codepipeline.PipelineType.V2,
      crossAccountKeys: true,
      enableKeyRotation: true,
      synth: new pipelines.ShellStep('Synth', {
        input,
        commands: SYNTH_COMMANDS,
        primaryOutputDirectory: 'cdk.out',
      }),
      codeBuildDefaults: {
        buildEnvironment: { buildImage: codebuild.LinuxBuildImage.STANDARD_7_0 },
        // The project targets Node.js 22 (the Lambda runtime); the image's default is older.
        partialBuildSpec: codebuild.BuildSpec.fromObject({
          phases: { install: { 'runtime-versions': { nodejs: '22' } } },
        }),
      },
    });
    this.pipeline.addStage(
      new SecurityAccountStage(this, 'Security', { env: props.security.env, security: props.security }),
    );
    if (props.memberGrants !== undefined) {
      this.pipeline.addStage(
        new MemberGrantsStage(this, 'MemberGrants', {
          env: props.memberGrants.env,
          memberGrants: props.memberGrants,
        }),
      );
    }
    if (props.managementGrants !== undefined) {
      this.pipeline.addStage(
        new LogArchiveAccessStage(this, 'LogArchiveAccess', {
          env: props.managementGrants.env,
          access: props.managementGrants,
        }),
      );
    }
    if (props.organizationsPolicy !== undefined) {
      this.pipeline.addStage(
        new OrganizationsPolicyStage(this, 'OrganizationsPolicy', {
          env: props.organizationsPolicy.env,
          organizationsPolicy: props.organizationsPolicy,
        }),
      );
    }
    for (const forwarding of props.guardDutyForwarding ?? [])
      this.pipeline.addStage(
        new GuardDutyForwardingStage(this, `GuardDuty-${forwarding.env.region}`, {
          env: forwarding.env,
          forwarding,
        }),
      );
    // Build now (not lazily at synth) so cdk-nag and the tests see the pipeline's resources.
    this.pipeline.buildPipeline();
    acknowledgePipelineFindings(this.pipeline);
  }
}

function sourceInput(scope: Construct, source: PipelineSource): pipelines.IFileSetProducer {
  const branch = requireName(
    'PipelineStack',
    'source.branch',
    source.branch,
    /^[^\s~^:?*[\\]{1,255}$/,
    'a git branch name',
  );
  if (source.kind === 'codecommit') {
    const name = requireName(
      'PipelineStack',
      'source.repositoryName',
      source.repositoryName,
      /^[\w.-]{1,100}$/,
      'a CodeCommit repository name',
    );
    return pipelines.CodePipelineSource.codeCommit(
      codecommit.Repository.fromRepositoryName(scope, 'Repository', name),
      branch,
    );
  }
  const connectionArn = source.connectionArn;
  if (!/^arn:aws[a-z-]*:(codeconnections|codestar-connections):/.test(connectionArn)) {
    requireArn('PipelineStack', 'source.connectionArn', connectionArn, 'codeconnections');
  }
  if (!/^[\w.-]+\/[\w.-]+$/.test(source.repository))
    throw new PropsError('PipelineStack', 'source.repository', 'owner/repository', source.repository);
  return pipelines.CodePipelineSource.connection(source.repository, branch, { connectionArn });
}
