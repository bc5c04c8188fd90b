/**
 * Maps a loaded accounts.yaml onto the typed props of the stacks: the one place that knows both
 * shapes. Values the schema does not carry (the trail ARN, the bucket region) come from options.
 */
import type { AccountsConfig } from '../lambdas/org/types';
import type { MemberGrantsStackSetStackProps } from './member-grants-stackset';
import type { OrganizationsPolicyStackProps } from './organizations-policy-stack';
import type { PipelineSource } from './pipeline-stack';
import { HUNT_WORKER_ROLE_NAME } from './constructs/retro-hunt';
import { ANALYZER_ROLE_NAME, EVENT_BUS_NAME, type SecurityAccountStackProps } from './security-account-stack';
import { PropsError } from './constructs/validate-props';

/** The CloudTrail name AWS Control Tower gives the organization trail. */
export const CONTROL_TOWER_TRAIL_NAME = 'aws-controltower-BaselineCloudTrail';

export interface ConfigMappingOptions {
  configFile: string;
  rulesDir: string;
  /** The regular expressions synth found safe (SecurityAccountStackProps.regexChecksFile). */
  regexChecksFile?: string;
  /** ARN of the organization trail; default: Control Tower's trail in the management account. */
  trailArn?: string;
  /** False where the trail bucket policy is managed elsewhere (Control Tower, LZA); default true. */
  manageBucketPolicy?: boolean;
  /** Region of the trail bucket; default organization.homeRegion. */
  trailBucketRegion?: string;
  analyzerEntry?: string;
  processorEntry?: string;
  /** Retro-hunt worker entry (default lambdas/hunt/handler.ts). */
  huntWorkerEntry?: string;
}

export interface DeploymentPlan {
  security: SecurityAccountStackProps;
  /** Absent when accounts.yaml has no `grants:` (e.g. Landing Zone Accelerator attaches the policies). */
  memberGrants?: MemberGrantsStackSetStackProps;
  /** Present when the account directory reads Organizations without a management-account role. */
  organizationsPolicy?: OrganizationsPolicyStackProps;
  pipelineSource?: PipelineSource;
  pipelineEnv: { account: string; region: string };
  /** Assumptions made for values accounts.yaml does not hold (shown as synth warnings). */
  assumptions: string[];
}

export function propsFromConfig(config: AccountsConfig, options: ConfigMappingOptions): DeploymentPlan {
  const org = config.organization;
  const home = org.homeRegion;
  const assumptions: string[] = [];
  const securityEnv = { account: org.securityAccountId, region: home };
  const bucketRegion = options.trailBucketRegion ?? config.trail.bucketRegion ?? home;

  const destinations = Object.values(config.destinations ?? {});
  const emailIdentities = destinations.flatMap((d) => (d.type === 'email' ? [domainOf(d.from)] : []));
  const topicArns = destinations.flatMap((d) => (d.type === 'sns' ? [d.topicArn] : []));
  const webhookSecrets = Object.fromEntries(
    Object.entries(config.destinations ?? {}).flatMap(([name, d]) =>
      d.type === 'webhook' ? [[name, d.urlSecret]] : [],
    ),
  );
  const directory = org.accountDirectory;

  const security: SecurityAccountStackProps = {
    env: securityEnv,
    description: 'TrailAlerts detection stack (security account)',
    organizationId: org.id,
    logArchiveAccountId: config.trail.accountId,
    trail: {
      bucket: config.trail.bucket,
      bucketRegion,
      prefix: config.trail.prefix,
      kmsKeyArn: config.trail.kmsKeyArn,
    },
    configFile: options.configFile,
    rulesDir: options.rulesDir,
    regexChecksFile: options.regexChecksFile,
    analyzerEntry: options.analyzerEntry,
    processorEntry: options.processorEntry,
    analyzerReservedConcurrency: config.deployment?.analyzerReservedConcurrency,
    retroHunt: { workerEntry: options.huntWorkerEntry },
    accountDirectory:
      directory?.source === 'organizations'
        ? { source: 'organizations', roleArn: directory.roleArn }
        : { source: 'static' },
    emailIdentities,
    topicArns,
    webhookSecrets,
    ipContextSecret: config.enrichment?.ipContext?.apiKeySecret,
    alarmEmail: config.deployment?.alarmEmail,
    trailSilenceMinutes: config.deployment?.trailSilenceMinutes,
  };

  let memberGrants: MemberGrantsStackSetStackProps | undefined;
  if (config.grants !== undefined) {
    let trailArn = options.trailArn ?? config.trail.arn;
    if (trailArn === undefined && config.trail.kmsKeyArn !== undefined) {
      trailArn = `arn:aws:cloudtrail:${home}:${org.managementAccountId}:trail/${CONTROL_TOWER_TRAIL_NAME}`;
      assumptions.push(
        `trail ARN not given (trail.arn in accounts.yaml or context trailArn); assuming the Control Tower trail ${trailArn} for the KMS grant's encryption context`,
      );
    }
    const callAs = config.grants.callAs ?? 'DELEGATED_ADMIN';
    memberGrants = {
      env: { account: callAs === 'SELF' ? org.managementAccountId : org.securityAccountId, region: home },
      description: 'TrailAlerts member-grants StackSet',
      callAs,
      organizationalUnitIds: config.grants.targets.organizationalUnits,
      regions: config.grants.regions ?? [bucketRegion],
      grants: {
        organizationId: org.id,
        logArchiveAccountId: config.trail.accountId,
        trailBucket: config.trail.bucket,
        trailBucketRegion: bucketRegion,
        trailPrefix: config.trail.prefix,
        trailKmsKeyArn: config.trail.kmsKeyArn,
        trailArn,
        manageBucketPolicy: options.manageBucketPolicy,
        analyzerRoleArn: `arn:aws:iam::${org.securityAccountId}:role/${ANALYZER_ROLE_NAME}`,
        huntWorkerRoleArn: `arn:aws:iam::${org.securityAccountId}:role/${HUNT_WORKER_ROLE_NAME}`,
        securityEventBusArn: `arn:aws:events:${home}:${org.securityAccountId}:event-bus/${EVENT_BUS_NAME}`,
      },
    };
  } else {
    assumptions.push(
      'no grants: section; the member-grants StackSet is not deployed (add the bucket policy, KMS grant and forwarding rule yourself)',
    );
  }

  const organizationsPolicy: OrganizationsPolicyStackProps | undefined =
    directory?.source === 'organizations' && directory.roleArn === undefined
      ? {
          env: { account: org.managementAccountId, region: 'us-east-1' },
          description: 'TrailAlerts: Organizations read access for the security account',
          securityAccountId: org.securityAccountId,
        }
      : undefined;

  const p = config.pipeline;
  let pipelineSource: PipelineSource | undefined;
  if (p?.codeCommit !== undefined)
    pipelineSource = { kind: 'codecommit', repositoryName: p.codeCommit.repositoryName, branch: p.branch };
  else if (p?.connectionArn !== undefined && p.repository !== undefined)
    pipelineSource = {
      kind: 'connection',
      connectionArn: p.connectionArn,
      repository: p.repository,
      branch: p.branch,
    };

  return {
    security,
    memberGrants,
    organizationsPolicy,
    pipelineSource,
    pipelineEnv: securityEnv,
    assumptions,
  };
}

function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1)
    throw new PropsError('accounts.yaml', 'destinations.*.from', 'an e-mail address', address);
  return address.slice(at + 1).toLowerCase();
}
