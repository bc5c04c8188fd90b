/**
 * The member-grants template (what the StackSet deploys into the log archive) and the StackSet
 * that embeds it: conditional resources, the three custom resources, the forwarding rule, the
 * inlined handler, size limits, StackSet targeting, cdk-nag and a snapshot.
 */
import * as vm from 'node:vm';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import {
  BUCKET_STATEMENT_SID,
  MemberGrantsStack,
  type MemberGrantsStackProps,
} from '../../stacks/member-grants-stack';
import {
  MemberGrantsStackSetStack,
  TEMPLATE_BODY_LIMIT,
  renderMemberGrantsTemplate,
} from '../../stacks/member-grants-stackset';
import { OrganizationsPolicyStack } from '../../stacks/organizations-policy-stack';
import { renderGrantsHandler } from '../../stacks/render-grants-handler';
import { actionsOf, allStatements, isStarAction, maskHashes, unacknowledgedNagFindings } from './helpers';

const grants: MemberGrantsStackProps = {
  organizationId: 'o-exampleorg1',
  logArchiveAccountId: '333333333333',
  trailBucket: 'org-trail-bucket',
  trailBucketRegion: 'us-east-1',
  trailPrefix: 'o-exampleorg1',
  trailKmsKeyArn: 'arn:aws:kms:us-east-1:333333333333:key/1111',
  trailArn: 'arn:aws:cloudtrail:us-east-1:111111111111:trail/org-trail',
  analyzerRoleArn: 'arn:aws:iam::222222222222:role/trailalerts-analyzer',
  securityEventBusArn: 'arn:aws:events:us-east-1:222222222222:event-bus/trailalerts-trail-objects',
};

let app: App;
let stack: MemberGrantsStack;
let template: Template;

beforeAll(() => {
  app = new App();
  stack = new MemberGrantsStack(app, 'MemberGrants', grants);
  template = Template.fromStack(stack);
});

describe('member-grants template', () => {
  it('puts every resource but the placeholder under the log-archive/bucket-region condition', () => {
    template.hasCondition('InLogArchiveTrailRegion', {
      'Fn::And': [
        { 'Fn::Equals': [{ Ref: 'AWS::AccountId' }, '333333333333'] },
        { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-east-1'] },
      ],
    });
    const resources = Object.entries(
      template.toJSON().Resources as Record<string, { Type: string; Condition?: string }>,
    );
    expect(resources.length).toBeGreaterThan(8);
    for (const [id, res] of resources) {
      if (res.Type === 'AWS::CloudFormation::WaitConditionHandle') expect(res.Condition).toBeUndefined();
      else expect([id, res.Condition]).toEqual([id, 'InLogArchiveTrailRegion']);
    }
  });

  it('merges the analyzer read statement (trail prefix, PrincipalOrgID) into the bucket policy', () => {
    template.hasResourceProperties('Custom::TrailBucketStatement', {
      Bucket: 'org-trail-bucket',
      Statement: {
        Sid: BUCKET_STATEMENT_SID,
        Effect: 'Allow',
        Principal: { AWS: grants.analyzerRoleArn },
        Action: 's3:GetObject',
        Resource: {
          'Fn::Join': [
            '',
            ['arn:', { Ref: 'AWS::Partition' }, ':s3:::org-trail-bucket/o-exampleorg1/AWSLogs/*'],
          ],
        },
        Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-exampleorg1' } },
      },
    });
  });

  it('switches on EventBridge and creates the KMS grant with the trail context', () => {
    template.hasResourceProperties('Custom::TrailBucketEventBridge', { Bucket: 'org-trail-bucket' });
    template.hasResourceProperties('Custom::TrailKeyGrant', {
      KeyArn: grants.trailKmsKeyArn,
      GranteeRoleArn: grants.analyzerRoleArn,
      TrailArn: grants.trailArn,
    });
  });

  it('limits the custom-resource role to the bucket and to Decrypt grants for the analyzer', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement,
    );
    expect(statements).toContainEqual({
      Sid: 'GrantAnalyzerDecryptOnly',
      Effect: 'Allow',
      Action: 'kms:CreateGrant',
      Resource: grants.trailKmsKeyArn,
      Condition: {
        StringEquals: { 'kms:GranteePrincipal': grants.analyzerRoleArn },
        'ForAllValues:StringEquals': { 'kms:GrantOperations': ['Decrypt'] },
      },
    });
    const allowed = allStatements(template.toJSON())
      .filter(({ statement }) => statement.Effect === 'Allow')
      .flatMap(({ statement }) => actionsOf(statement));
    expect(allowed.filter(isStarAction)).toEqual([]);
  });

  it('forwards CloudTrail log objects (not digests or Insights) to the security bus', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: {
          bucket: { name: ['org-trail-bucket'] },
          object: { key: [{ wildcard: 'o-exampleorg1/AWSLogs/*/CloudTrail/*.json.gz' }] },
        },
      },
      Targets: [{ Arn: grants.securityEventBusArn, RoleArn: Match.anyValue(), Id: Match.anyValue() }],
    });
  });

  it('inlines a handler that loads and exports a function', () => {
    const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0];
    expect(fn.Properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Architectures: ['arm64'],
    });
    const source = fn.Properties.Code.ZipFile as string;
    const module = { exports: {} as Record<string, unknown> };
    vm.runInNewContext(source, {
      module,
      exports: module.exports,
      require,
      Buffer,
      console,
      setTimeout,
      process,
    });
    expect(typeof module.exports.handler).toBe('function');
  });

  it('leaves out the KMS grant when the trail is not KMS-encrypted', () => {
    const plain = Template.fromStack(
      new MemberGrantsStack(new App(), 'Plain', {
        ...grants,
        trailKmsKeyArn: undefined,
        trailArn: undefined,
        handlerSource: 'exports.handler=()=>{}',
      }),
    );
    plain.resourceCountIs('Custom::TrailKeyGrant', 0);
    plain.resourceCountIs('Custom::TrailBucketStatement', 1);
  });

  it('lets the retro-hunt worker read and list the trail prefix and decrypt, when given', () => {
    const hunt = 'arn:aws:iam::222222222222:role/trailalerts-hunt-worker';
    const t = Template.fromStack(
      new MemberGrantsStack(new App(), 'Hunt', {
        ...grants,
        huntWorkerRoleArn: hunt,
        handlerSource: 'exports.handler=()=>{}',
      }),
    );
    t.hasResourceProperties('Custom::TrailBucketStatement', {
      Statement: Match.objectLike({
        Principal: { AWS: [grants.analyzerRoleArn, hunt] },
        Action: 's3:GetObject',
      }),
    });
    t.hasResourceProperties('Custom::TrailBucketStatement', {
      Statement: Match.objectLike({
        Principal: { AWS: hunt },
        Action: 's3:ListBucket',
        Condition: Match.objectLike({ StringLike: { 's3:prefix': [Match.stringLikeRegexp('AWSLogs/')] } }),
      }),
    });
    t.hasResourceProperties('Custom::TrailKeyGrant', { GranteeRoleArn: hunt });
  });

  it('leaves the bucket policy alone when it is managed elsewhere', () => {
    const managed = Template.fromStack(
      new MemberGrantsStack(new App(), 'Managed', {
        ...grants,
        manageBucketPolicy: false,
        handlerSource: 'exports.handler=()=>{}',
      }),
    );
    managed.resourceCountIs('Custom::TrailBucketStatement', 0);
    managed.resourceCountIs('Custom::TrailBucketEventBridge', 1);
    managed.resourceCountIs('Custom::TrailKeyGrant', 1);
  });

  it('names the missing trail ARN when a key is given', () => {
    expect(
      () => new MemberGrantsStack(new App(), 'X', { ...grants, trailArn: undefined, handlerSource: 'x' }),
    ).toThrow(/MemberGrantsStack: trailArn — expected the organization trail ARN/);
    expect(
      () => new MemberGrantsStack(new App(), 'Y', { ...grants, trailPrefix: '/bad/', handlerSource: 'x' }),
    ).toThrow(/trailPrefix — expected a key prefix/);
  });

  it('passes cdk-nag AwsSolutions with every finding acknowledged', () => {
    expect(unacknowledgedNagFindings(stack)).toEqual([]);
  });

  it('matches the snapshot (handler source and hashes masked)', () => {
    const json = template.toJSON() as {
      Resources: Record<string, { Type: string; Properties: { Code?: { ZipFile: string } } }>;
    };
    for (const res of Object.values(json.Resources))
      if (res.Properties?.Code) res.Properties.Code.ZipFile = '<inline handler>';
    expect(maskHashes(json)).toMatchSnapshot();
  });
});

describe('member-grants StackSet', () => {
  const stackSetProps = {
    env: { account: '222222222222', region: 'us-east-1' },
    grants,
    organizationalUnitIds: ['ou-ex12-securit1'],
    regions: ['us-east-1', 'eu-west-1'],
    callAs: 'DELEGATED_ADMIN' as const,
  };

  it('embeds the rendered template in a service-managed, auto-deploying StackSet', () => {
    const setStack = new MemberGrantsStackSetStack(new App(), 'Grants', stackSetProps);
    const t = Template.fromStack(setStack);
    t.hasResourceProperties('AWS::CloudFormation::StackSet', {
      StackSetName: 'trailalerts-member-grants',
      PermissionModel: 'SERVICE_MANAGED',
      AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
      CallAs: 'DELEGATED_ADMIN',
      Capabilities: ['CAPABILITY_IAM'],
      StackInstancesGroup: [
        {
          DeploymentTargets: { OrganizationalUnitIds: ['ou-ex12-securit1'] },
          Regions: ['us-east-1', 'eu-west-1'],
        },
      ],
      TemplateBody: Match.anyValue(),
    });
    const body = setStack.memberGrants.templateBody;
    expect(Buffer.byteLength(body)).toBeLessThan(TEMPLATE_BODY_LIMIT);
    const embedded = JSON.parse(body) as {
      Resources: Record<string, { Type: string }>;
      Parameters?: unknown;
      Rules?: unknown;
    };
    expect(Object.values(embedded.Resources).map((r) => r.Type)).toEqual(
      expect.arrayContaining(['Custom::TrailBucketStatement', 'Custom::TrailKeyGrant', 'AWS::Events::Rule']),
    );
    // No bootstrap version parameter or rule: member accounts are not CDK-bootstrapped.
    expect(embedded.Parameters).toBeUndefined();
    expect(embedded.Rules).toBeUndefined();
    expect(unacknowledgedNagFindings(setStack)).toEqual([]);
  });

  it('renders the same template every time (no volatile content)', () => {
    expect(renderMemberGrantsTemplate(grants)).toBe(renderMemberGrantsTemplate(grants));
    expect(renderGrantsHandler()).toBe(renderGrantsHandler());
  });

  it('refuses regions without the bucket region, empty or malformed OU lists', () => {
    expect(
      () => new MemberGrantsStackSetStack(new App(), 'A', { ...stackSetProps, regions: ['eu-west-1'] }),
    ).toThrow(/regions — expected a list including the trail bucket's region us-east-1/);
    expect(
      () => new MemberGrantsStackSetStack(new App(), 'B', { ...stackSetProps, organizationalUnitIds: [] }),
    ).toThrow(/organizationalUnitIds — expected at least one OU id/);
    expect(
      () =>
        new MemberGrantsStackSetStack(new App(), 'C', {
          ...stackSetProps,
          organizationalUnitIds: ['Security'],
        }),
    ).toThrow(/organizationalUnitIds\[0\] — expected an OU id/);
  });
});

describe('Organizations resource policy', () => {
  it('lets the security account Describe* and List* on Organizations, nothing else', () => {
    const policyStack = new OrganizationsPolicyStack(new App(), 'OrgPolicy', {
      env: { account: '111111111111', region: 'us-east-1' },
      securityAccountId: '222222222222',
    });
    const t = Template.fromStack(policyStack);
    t.hasResourceProperties('AWS::Organizations::ResourcePolicy', {
      Content: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'TrailAlertsSecurityAccountReadsOrganization',
            Effect: 'Allow',
            Principal: {
              AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::222222222222:root']] },
            },
            Action: ['organizations:Describe*', 'organizations:List*'],
            Resource: '*',
          },
        ],
      },
    });
    expect(unacknowledgedNagFindings(policyStack)).toEqual([]);
    expect(() => new OrganizationsPolicyStack(new App(), 'Bad', { securityAccountId: '2222' })).toThrow(
      /securityAccountId — expected a 12-digit AWS account id/,
    );
  });
});
