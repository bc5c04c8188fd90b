/**
 * Builds the deployment from accounts.yaml into a CDK app: the pipeline stack (mode `pipeline`)
 * or the stacks themselves (mode `stacks`). Used by
 * bin/app.ts and by the tests, so both build exactly the same thing.
 */
import { DefaultStackSynthesizer, type App } from 'aws-cdk-lib';
import type { AccountsConfig } from '../src/org';
import { GuardDutyForwardingStack } from './guardduty-forwarding-stack';
import { MemberGrantsStack } from './member-grants-stack';
import { MemberGrantsStackSetStack } from './member-grants-stackset';
import { OrganizationsPolicyStack } from './organizations-policy-stack';
import { PipelineStack } from './pipeline-stack';
import { propsFromConfig, type ConfigMappingOptions } from './props-from-config';
import { SecurityAccountStack } from './security-account-stack';
import { PropsError } from './constructs/validate-props';

export type DeploymentMode = 'pipeline' | 'stacks';

export interface DeploymentOptions extends ConfigMappingOptions {
  mode: DeploymentMode;
}

export interface Deployment {
  pipeline?: PipelineStack;
  security?: SecurityAccountStack;
  memberGrants?: MemberGrantsStackSetStack;
  /** The log-archive access as a plain stack (trail bucket in the management account). */
  managementGrants?: MemberGrantsStack;
  organizationsPolicy?: OrganizationsPolicyStack;
  /** One per region whose GuardDuty findings are forwarded to the home region. */
  guardDutyForwarding?: GuardDutyForwardingStack[];
  assumptions: string[];
}

export function buildDeployment(app: App, config: AccountsConfig, options: DeploymentOptions): Deployment {
  const plan = propsFromConfig(config, options);
  if (options.mode === 'pipeline') {
    if (plan.pipelineSource === undefined) {
      throw new PropsError(
        'accounts.yaml',
        'pipeline',
        'connectionArn and repository, or codeCommit.repositoryName (or use -c mode=stacks)',
        config.pipeline,
      );
    }
    const pipeline = new PipelineStack(app, 'TrailAlerts-Pipeline', {
      env: plan.pipelineEnv,
      pipelineName: plan.pipelineName,
      description: 'TrailAlerts delivery pipeline',
      source: plan.pipelineSource,
      security: plan.security,
      memberGrants: plan.memberGrants,
      managementGrants: plan.managementGrants,
      organizationsPolicy: plan.organizationsPolicy,
      guardDutyForwarding: plan.guardDutyForwarding,
    });
    return { pipeline, assumptions: plan.assumptions };
  }
  const security = new SecurityAccountStack(app, 'TrailAlerts-Security', plan.security);
  const memberGrants =
    plan.memberGrants && new MemberGrantsStackSetStack(app, 'TrailAlerts-MemberGrants', plan.memberGrants);
  // The log-archive access trusts the security stack's roles, which must exist first.
  memberGrants?.addStackDependency(security, 'the reader role trusts the security stack roles');
  // The management account is bootstrapped (cdk bootstrap --trust): an ordinary stack there.
  const managementGrants =
    plan.managementGrants &&
    new MemberGrantsStack(app, 'TrailAlerts-LogArchiveAccess', {
      ...plan.managementGrants,
      synthesizer: new DefaultStackSynthesizer(),
    });
  managementGrants?.addStackDependency(security, 'the reader role trusts the security stack roles');
  const organizationsPolicy =
    plan.organizationsPolicy &&
    new OrganizationsPolicyStack(app, 'TrailAlerts-OrganizationsPolicy', plan.organizationsPolicy);
  const guardDutyForwarding = plan.guardDutyForwarding.map(
    (props) => new GuardDutyForwardingStack(app, `TrailAlerts-GuardDuty-${props.env.region}`, props),
  );
  return {
    security,
    memberGrants,
    managementGrants,
    organizationsPolicy,
    guardDutyForwarding,
    assumptions: plan.assumptions,
  };
}
