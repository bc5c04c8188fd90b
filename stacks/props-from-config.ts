/**
 * Maps a loaded accounts.yaml onto the typed props of the stacks: the one place that knows both
 * shapes. Every deploy-time choice comes from accounts.yaml (landing-zone.ts infers what it does
 * not say), so the pipeline's own `cdk synth` produces exactly the templates of the first deploy.
 */
import type { AccountsConfig } from '../src/org';
import type { MemberGrantsStackProps } from './member-grants-stack';
import type { MemberGrantsStackSetStackProps } from './member-grants-stackset';
import type { GuardDutyForwardingStackProps } from './guardduty-forwarding-stack';
import type { OrganizationsPolicyStackProps } from './organizations-policy-stack';
import type { PipelineSource } from './pipeline-stack';
import { landingZoneShape, trailArnOf, type LandingZoneShape } from './landing-zone';
import { resourceNames } from './resource-names';
import type { NewObjectsConfig, SecurityAccountStackProps } from './security-account-stack';
import { PropsError } from './constructs/validate-props';

export { CONTROL_TOWER_TRAIL_NAME } from './landing-zone';

export interface ConfigMappingOptions {
  configFile: string;
  rulesDir: string;
  analyzerEntry?: string;
  processorEntry?: string;
  /** Retro-hunt worker entry (default src/hunt/handler.ts). */
  huntWorkerEntry?: string;
  /** Poller entry (default src/poller/handler.ts). */
  pollerEntry?: string;
}

export interface DeploymentPlan {
  shape: LandingZoneShape;
  security: SecurityAccountStackProps;
  /** The StackSet that puts the log-archive access into the log-archive account. */
  memberGrants?: MemberGrantsStackSetStackProps;
  /** The same log-archive access as a plain stack, when the bucket is in the management account. */
  managementGrants?: MemberGrantsStackProps;
  /** Present when the account directory reads Organizations without being a delegated administrator. */
  organizationsPolicy?: OrganizationsPolicyStackProps;
  /** One per region (other than home) whose GuardDuty findings are forwarded home. */
  guardDutyForwarding: GuardDutyForwardingStackProps[];
  pipelineSource?: PipelineSource;
  pipelineEnv: { account: string; region: string };
  pipelineName: string;
  /** What synth inferred or assumed (printed as notes). */
  assumptions: string[];
}

export function propsFromConfig(config: AccountsConfig, options: ConfigMappingOptions): DeploymentPlan {
  const org = config.organization;
  const home = org.homeRegion;
  const shape = landingZoneShape(config);
  const assumptions: string[] = [
    `landing zone: ${shape.kind} (${shape.kindSource}); new objects: ${shape.newObjects} (${shape.newObjectsSource})`,
  ];
  const securityEnv = { account: org.securityAccountId, region: home };
  const bucketRegion = config.trail.bucketRegion ?? home;
  const names = resourceNames(config.deployment?.name);
  const securityRole = (name: string) => `arn:aws:iam::${org.securityAccountId}:role/${name}`;
  const readerRoleArn = `arn:aws:iam::${config.trail.accountId}:role/${names.trailReaderRole}`;

  const destinations = Object.values(config.destinations ?? {});
  const emailIdentities = destinations.flatMap((d) => (d.type === 'email' ? [domainOf(d.from)] : []));
  const topicArns = destinations.flatMap((d) => (d.type === 'sns' ? [d.topicArn] : []));
  const webhookSecrets = Object.fromEntries(
    Object.entries(config.destinations ?? {}).flatMap(([name, d]) =>
      d.type === 'webhook' ? [[name, d.urlSecret]] : [],
    ),
  );
  const routingKeySecrets = Object.fromEntries(
    Object.entries(config.destinations ?? {}).flatMap(([name, d]) =>
      d.type === 'pagerduty' ? [[name, d.routingKeySecret]] : [],
    ),
  );
  const securityHub = destinations.some((d) => d.type === 'securityhub');
  const directory = org.accountDirectory;
  const newObjects: NewObjectsConfig =
    shape.newObjects === 'sns'
      ? { source: 'sns', topicArn: shape.notificationTopicArn as string }
      : shape.newObjects === 'poll'
        ? {
            source: 'poll',
            intervalMinutes: config.trail.pollIntervalMinutes,
            regions: config.trail.regions,
            pollerEntry: options.pollerEntry,
          }
        : { source: 'eventBridge' };

  const deployment = config.deployment ?? {};
  const security: SecurityAccountStackProps = {
    env: securityEnv,
    description: 'TrailAlerts detection stack (security account)',
    deploymentName: names.deployment,
    organizationId: org.id,
    logArchiveAccountId: config.trail.accountId,
    trail: {
      bucket: config.trail.bucket,
      bucketRegion,
      prefix: config.trail.prefix,
      kmsKeyArn: config.trail.kmsKeyArn,
    },
    trailReaderRoleArn: readerRoleArn,
    newObjects,
    configFile: options.configFile,
    rulesDir: options.rulesDir,
    analyzerEntry: options.analyzerEntry,
    processorEntry: options.processorEntry,
    analyzerReservedConcurrency: deployment.analyzerReservedConcurrency,
    processorReservedConcurrency: deployment.processorReservedConcurrency,
    retroHunt: {
      workerEntry: options.huntWorkerEntry,
      reservedConcurrency: deployment.huntWorkerReservedConcurrency,
      maxConcurrency: deployment.huntMaxConcurrency,
      getsInFlight: deployment.huntGetsInFlight,
      timeoutHours: deployment.huntTimeoutHours,
    },
    accountDirectory:
      directory?.source === 'organizations'
        ? { source: 'organizations', roleArn: directory.roleArn }
        : { source: 'static' },
    emailIdentities,
    topicArns,
    webhookSecrets,
    routingKeySecrets,
    securityHub,
    ipContextSecret: config.enrichment?.ipContext?.apiKeySecret,
    alarmEmail: deployment.alarmEmail,
    trailSilenceMinutes: deployment.trailSilenceMinutes,
    guardDutyForwardingRegions: (deployment.guardDutyRegions ?? []).filter((region) => region !== home),
  };

  const trailArn = trailArnOf(config, shape);
  if (config.trail.arn === undefined && trailArn !== undefined)
    assumptions.push(`trail ARN not given (trail.arn); assuming Control Tower's trail ${trailArn}`);
  if (shape.crossAccountKey && trailArn === undefined) {
    throw new PropsError(
      'accounts.yaml',
      'trail.arn',
      'the organization trail ARN: the trail key is in another account, and the reader key grant is limited to the trail encryption context',
      undefined,
    );
  }
  const readers = [
    names.analyzerRole,
    names.huntWorkerRole,
    ...(shape.newObjects === 'poll' ? [names.pollerRole] : []),
  ];
  const access = {
    organizationId: org.id,
    logArchiveAccountId: config.trail.accountId,
    trailBucket: config.trail.bucket,
    trailBucketRegion: bucketRegion,
    trailPrefix: config.trail.prefix,
    trailKmsKeyArn: config.trail.kmsKeyArn,
    trailArn,
    readerPrincipalArns: readers.map(securityRole),
    readerRoleName: names.trailReaderRole,
    forwardRuleName: names.forwardRule,
    forwardTo:
      shape.newObjects === 'eventBridge'
        ? {
            securityEventBusArn: `arn:aws:events:${home}:${org.securityAccountId}:event-bus/${names.eventBus}`,
          }
        : undefined,
  };

  let memberGrants: MemberGrantsStackSetStackProps | undefined;
  let managementGrants: MemberGrantsStackProps | undefined;
  if (shape.logArchiveAccess === 'managementStack') {
    managementGrants = {
      ...access,
      env: { account: org.managementAccountId, region: bucketRegion },
      description: 'TrailAlerts log-archive access (the trail bucket is in the management account)',
    };
    assumptions.push(
      'the trail bucket is in the management account: the log-archive access is a stack of its own there (bootstrap the management account with --trust <security account>)',
    );
  } else if (config.grants !== undefined) {
    const callAs = config.grants.callAs ?? 'DELEGATED_ADMIN';
    if (config.grants.regions !== undefined)
      assumptions.push(
        `grants.regions is no longer used: the StackSet deploys in the trail bucket's region ${bucketRegion} only`,
      );
    memberGrants = {
      env: { account: callAs === 'SELF' ? org.managementAccountId : org.securityAccountId, region: home },
      description: 'TrailAlerts member-grants StackSet',
      callAs,
      stackSetName: names.stackSet,
      organizationalUnitIds: config.grants.targets.organizationalUnits,
      grants: access,
    };
  } else {
    assumptions.push(
      `no grants: section; create the reader role ${readerRoleArn} yourself (docs/deployment.md)`,
    );
  }

  const delegatedAdmin = org.securityAccountIsDelegatedAdmin ?? true;
  let organizationsPolicy: OrganizationsPolicyStackProps | undefined;
  if (directory?.source === 'organizations' && directory.roleArn === undefined && !delegatedAdmin) {
    if (home !== 'us-east-1')
      throw new PropsError(
        'accounts.yaml',
        'organization.securityAccountIsDelegatedAdmin',
        'true (register the security account as a delegated administrator), or accountDirectory.roleArn: the Organizations resource policy is a us-east-1 resource and the home region is ' +
          home,
        false,
      );
    organizationsPolicy = {
      env: { account: org.managementAccountId, region: 'us-east-1' },
      description: 'TrailAlerts: Organizations read access for the security account',
      securityAccountId: org.securityAccountId,
    };
  }

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

  const guardDutyForwarding = (deployment.guardDutyRegions ?? [])
    .filter((region) => region !== home)
    .map((region) => ({
      env: { account: org.securityAccountId, region },
      homeRegion: home,
      ruleName: names.guardDutyForwardRule,
      description: `TrailAlerts: GuardDuty findings of ${region} forwarded to ${home}`,
    }));
  return {
    shape,
    security,
    memberGrants,
    managementGrants,
    organizationsPolicy,
    guardDutyForwarding,
    pipelineSource,
    pipelineEnv: securityEnv,
    pipelineName: names.pipeline,
    assumptions,
  };
}

function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1)
    throw new PropsError('accounts.yaml', 'destinations.*.from', 'an e-mail address', address);
  return address.slice(at + 1).toLowerCase();
}
