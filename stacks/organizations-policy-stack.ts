/**
 * The Organizations resource policy (management account) that lets the security account read
 * the organization's structure — Describe* and List* only — so the account directory can name
 * accounts and OU paths without a role in the management account.
 */
import { Stack, type StackProps } from 'aws-cdk-lib';
import * as organizations from 'aws-cdk-lib/aws-organizations';
import { Construct } from 'constructs';
import { requireAccountId } from './constructs/validate-props';

export interface OrganizationsPolicyStackProps extends StackProps {
  securityAccountId: string;
}

export class OrganizationsPolicyStack extends Stack {
  readonly policy: organizations.CfnResourcePolicy;

  constructor(scope: Construct, id: string, props: OrganizationsPolicyStackProps) {
    super(scope, id, props);
    const security = requireAccountId(
      'OrganizationsPolicyStack',
      'securityAccountId',
      props.securityAccountId,
    );
    this.policy = new organizations.CfnResourcePolicy(this, 'ResourcePolicy', {
      content: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'TrailAlertsSecurityAccountReadsOrganization',
            Effect: 'Allow',
            Principal: { AWS: `arn:${this.partition}:iam::${security}:root` },
            Action: ['organizations:Describe*', 'organizations:List*'],
            Resource: '*',
          },
        ],
      },
    });
  }
}
