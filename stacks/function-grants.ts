/**
 * Permissions the stack's functions share: assuming the trail reader role, and reading the
 * organization's tree for the account directory.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';

/** How the functions find account names and OUs at run time. */
export type AccountDirectoryAccess = { source: 'static' } | { source: 'organizations'; roleArn?: string };

/** Trail objects are read only through the reader role in the log-archive account. */
export function grantAssumeReader(role: iam.Role, readerRoleArn: string): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'AssumeTrailReader',
      actions: ['sts:AssumeRole'],
      resources: [readerRoleArn],
    }),
  );
}

/**
 * Read access to AWS Organizations for account names and OU paths (none in static mode): exactly
 * the calls src/org/organizations-directory.ts makes. Those that take an OU, root or account
 * ARN are scoped to this organization's; ListRoots accepts only `*`.
 */
export function grantAccountDirectory(role: iam.Role, access: AccountDirectoryAccess, orgId: string): void {
  if (access.source === 'static') return;
  if (access.roleArn !== undefined) {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'AssumeOrganizationsReadRole',
        actions: ['sts:AssumeRole'],
        resources: [access.roleArn],
      }),
    );
    return;
  }
  const partition = Stack.of(role).partition;
  const inOrg = (type: string) => `arn:${partition}:organizations::*:${type}/${orgId}/*`;
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'WalkOrganizationTree',
      actions: [
        'organizations:ListAccountsForParent',
        'organizations:ListOrganizationalUnitsForParent',
        'organizations:ListTagsForResource',
      ],
      resources: [inOrg('account'), inOrg('ou'), inOrg('root')],
    }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'ListOrganizationRoots',
      actions: ['organizations:ListRoots'],
      resources: ['*'],
    }),
  );
  Validations.of(role).acknowledge(
    {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'organizations:ListRoots accepts no resource ARN (Service Authorization Reference); the other directory calls are scoped to this organization',
    },
    ...['account', 'ou', 'root'].map((type) => ({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:organizations::*:${type}/${orgId}/*]`,
      reason: `The account directory lists every ${type} of this organization (and of no other)`,
    })),
  );
}
