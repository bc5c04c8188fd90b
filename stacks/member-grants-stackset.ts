/**
 * The member-grants StackSet: renders MemberGrantsStack to a standalone template and embeds it in
 * a service-managed CfnStackSet (templateBody, so member accounts need no asset bucket) aimed at
 * the log-archive account alone (its OU intersected with the account) in the trail bucket's
 * region, called as delegated administrator (from the security account) or SELF (from the
 * management account). The rendered stack is checked by cdk-nag like every other stack.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, CfnStackSet, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Construct } from 'constructs';
import { MemberGrantsStack, type MemberGrantsStackProps } from './member-grants-stack';
import { resourceNames } from './resource-names';
import { PropsError, requireName, requireRegion } from './constructs/validate-props';

/** CloudFormation's limit for a template passed inline (TemplateBody). */
export const TEMPLATE_BODY_LIMIT = 51_200;
export const MEMBER_GRANTS_STACK_SET_NAME = resourceNames().stackSet;

export type MemberGrantsSettings = Omit<MemberGrantsStackProps, keyof StackProps>;

export interface MemberGrantsStackSetProps {
  grants: MemberGrantsSettings;
  /** The OU (or OUs) holding the log-archive account; only that account gets an instance. */
  organizationalUnitIds: string[];
  callAs: 'DELEGATED_ADMIN' | 'SELF';
  stackSetName?: string;
}

/**
 * Synthesizes MemberGrantsStack alone, with the cdk-nag AwsSolutions checks (an unacknowledged
 * finding fails here as in every other stack), and returns its template as JSON text.
 */
export function renderMemberGrantsTemplate(grants: MemberGrantsSettings): string {
  const outdir = mkdtempSync(path.join(tmpdir(), 'trailalerts-member-grants-'));
  try {
    const app = new App({ outdir, analyticsReporting: false });
    new MemberGrantsStack(app, 'TrailAlertsMemberGrants', { ...grants, analyticsReporting: false });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const template = app.synth().getStackByName('TrailAlertsMemberGrants').template as Record<
      string,
      unknown
    >;
    const body = JSON.stringify(template);
    if (Buffer.byteLength(body) > TEMPLATE_BODY_LIMIT) {
      throw new PropsError(
        'MemberGrantsStackSet',
        'templateBody',
        `at most ${TEMPLATE_BODY_LIMIT} bytes`,
        `${Buffer.byteLength(body)} bytes`,
      );
    }
    return body;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

export class MemberGrantsStackSet extends Construct {
  readonly stackSet: CfnStackSet;
  readonly templateBody: string;

  constructor(scope: Construct, id: string, props: MemberGrantsStackSetProps) {
    super(scope, id);
    const owner = 'MemberGrantsStackSet';
    if (props.organizationalUnitIds.length === 0)
      throw new PropsError(
        owner,
        'organizationalUnitIds',
        'at least one OU id (grants.targets.organizationalUnits)',
        [],
      );
    props.organizationalUnitIds.forEach((ou, i) =>
      requireName(
        owner,
        `organizationalUnitIds[${i}]`,
        ou,
        /^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})$/,
        'an OU id (ou-xxxx-yyyyyyyy) or root id (r-xxxx)',
      ),
    );
    const region = requireRegion(owner, 'grants.trailBucketRegion', props.grants.trailBucketRegion);
    this.templateBody = renderMemberGrantsTemplate(props.grants);
    this.stackSet = new CfnStackSet(this, 'StackSet', {
      stackSetName: props.stackSetName ?? MEMBER_GRANTS_STACK_SET_NAME,
      description:
        'TrailAlerts log-archive access: trail reader role, key grant where needed, event forwarding for customer-owned buckets',
      permissionModel: 'SERVICE_MANAGED',
      autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
      callAs: props.callAs,
      capabilities: ['CAPABILITY_NAMED_IAM'],
      managedExecution: { Active: true },
      operationPreferences: {
        failureToleranceCount: 0,
        maxConcurrentPercentage: 100,
        regionConcurrencyType: 'PARALLEL',
      },
      stackInstancesGroup: [
        {
          deploymentTargets: {
            organizationalUnitIds: props.organizationalUnitIds,
            accounts: [props.grants.logArchiveAccountId],
            accountFilterType: 'INTERSECTION',
          },
          regions: [region],
        },
      ],
      templateBody: this.templateBody,
    });
  }
}

export interface MemberGrantsStackSetStackProps extends StackProps, MemberGrantsStackSetProps {}

/** The stack that owns the StackSet (deployed in the security or the management account). */
export class MemberGrantsStackSetStack extends Stack {
  readonly memberGrants: MemberGrantsStackSet;

  constructor(scope: Construct, id: string, props: MemberGrantsStackSetStackProps) {
    super(scope, id, props);
    this.memberGrants = new MemberGrantsStackSet(this, 'MemberGrants', props);
  }
}
