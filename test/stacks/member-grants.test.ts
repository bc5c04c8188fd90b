/**
 * The log-archive access template (what the StackSet deploys into the log-archive account, or the
 * plain stack in the management account) and the StackSet that embeds it: the trail reader role
 * and what it may read, the KMS grant only for a key of another account, the EventBridge switch
 * and forwarding rule only for a customer-owned bucket, no bucket policy ever, no Lambda when
 * nothing needs one, the inlined handler, StackSet targeting, size limits and cdk-nag.
 */
import * as vm from 'node:vm';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { NagPack } from 'cdk-nag';
import { GRANTS_API_ACTIONS } from '../../src/grants/custom-resource';
import {
  FORWARD_RULE_NAME,
  MemberGrantsStack,
  TRAIL_READER_ROLE_NAME,
  type MemberGrantsStackProps,
} from '../../stacks/member-grants-stack';
import {
  MEMBER_GRANTS_STACK_SET_NAME,
  MemberGrantsStackSetStack,
  TEMPLATE_BODY_LIMIT,
  renderMemberGrantsTemplate,
} from '../../stacks/member-grants-stackset';
import { OrganizationsPolicyStack } from '../../stacks/organizations-policy-stack';
import { renderGrantsHandler } from '../../stacks/render-grants-handler';
import { actionsOf, allStatements, isStarAction, unacknowledgedNagFindings } from './helpers';

type Json = Record<string, unknown>;

const ANALYZER = 'arn:aws:iam::222222222222:role/trailalerts-analyzer';
const HUNT_WORKER = 'arn:aws:iam::222222222222:role/trailalerts-hunt-worker';
const POLLER = 'arn:aws:iam::222222222222:role/trailalerts-poller';
const BUS = 'arn:aws:events:us-east-1:222222222222:event-bus/trailalerts-trail-objects';
const TRAIL_ARN = 'arn:aws:cloudtrail:us-east-1:111111111111:trail/org-trail';
/** A trail key in the log-archive account itself: IAM on the reader role is enough. */
const LOCAL_KEY = 'arn:aws:kms:us-east-1:333333333333:key/1111';
/** A trail key in the management account (Control Tower's usual place): a grant is needed. */
const MANAGEMENT_KEY = 'arn:aws:kms:us-east-1:111111111111:key/2222';
const STUB_HANDLER = 'exports.handler=()=>{}';

/** A customer-owned bucket (no landing zone): the switch and the forwarding rule, key in the log archive. */
const owned: MemberGrantsStackProps = {
  organizationId: 'o-exampleorg1',
  logArchiveAccountId: '333333333333',
  trailBucket: 'org-trail-bucket',
  trailBucketRegion: 'us-east-1',
  trailPrefix: 'o-exampleorg1',
  trailKmsKeyArn: LOCAL_KEY,
  trailArn: TRAIL_ARN,
  readerPrincipalArns: [ANALYZER, HUNT_WORKER],
  forwardTo: { securityEventBusArn: BUS },
};

/** A Control Tower bucket read by a poller: no forwarding, the key in the management account. */
const managed: MemberGrantsStackProps = {
  ...owned,
  trailBucket: 'aws-controltower-logs-333333333333-us-east-1',
  trailKmsKeyArn: MANAGEMENT_KEY,
  readerPrincipalArns: [ANALYZER, HUNT_WORKER, POLLER],
  forwardTo: undefined,
};

const build = (id: string, props: MemberGrantsStackProps) =>
  new MemberGrantsStack(new App(), id, { handlerSource: STUB_HANDLER, ...props });

const statementsOf = (t: Template, roleLogicalIdPrefix: RegExp): Json[] =>
  Object.values(t.findResources('AWS::IAM::Policy'))
    .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => roleLogicalIdPrefix.test(r.Ref)))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Json[]);

const logicalIdOf = (t: Template, type: string, prefix: RegExp): string => {
  const ids = Object.keys(t.findResources(type)).filter((id) => prefix.test(id));
  expect(ids).toHaveLength(1);
  return ids[0];
};

let ownedStack: MemberGrantsStack;
let ownedTemplate: Template;
let managedStack: MemberGrantsStack;
let managedTemplate: Template;

beforeAll(() => {
  // The customer-owned variant runs the real handler (esbuild-rendered), as the StackSet does.
  ownedStack = new MemberGrantsStack(new App(), 'Owned', owned);
  ownedTemplate = Template.fromStack(ownedStack);
  managedStack = build('Managed', managed);
  managedTemplate = Template.fromStack(managedStack);
});

describe('trail reader role', () => {
  it('is named, lasts at most an hour, and trusts exactly the given security-account roles', () => {
    managedTemplate.hasResourceProperties('AWS::IAM::Role', {
      RoleName: TRAIL_READER_ROLE_NAME,
      MaxSessionDuration: 3600,
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [ANALYZER, HUNT_WORKER, POLLER].map((arn) => ({
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { AWS: arn },
        })),
      },
    });
    // Without a poller, the poller role is not trusted.
    const trust = JSON.stringify(
      ownedTemplate.findResources('AWS::IAM::Role', { Properties: { RoleName: TRAIL_READER_ROLE_NAME } }),
    );
    expect(trust).toContain(ANALYZER);
    expect(trust).toContain(HUNT_WORKER);
    expect(trust).not.toContain('trailalerts-poller');
  });

  it('may read objects and list keys under the logs prefix, and decrypt only via S3 in the trail context', () => {
    expect(statementsOf(ownedTemplate, /^TrailReaderRole/)).toEqual([
      {
        Sid: 'ReadTrailLogObjects',
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: {
          'Fn::Join': [
            '',
            ['arn:', { Ref: 'AWS::Partition' }, ':s3:::org-trail-bucket/o-exampleorg1/AWSLogs/*'],
          ],
        },
      },
      {
        Sid: 'ListTrailLogPrefix',
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::org-trail-bucket']] },
        Condition: { StringLike: { 's3:prefix': ['o-exampleorg1/AWSLogs/*'] } },
      },
      {
        Sid: 'DecryptTrailObjectsViaS3',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: LOCAL_KEY,
        Condition: {
          StringEquals: {
            'kms:ViaService': 's3.us-east-1.amazonaws.com',
            'kms:EncryptionContext:aws:cloudtrail:arn': TRAIL_ARN,
          },
        },
      },
    ]);
  });

  it('reads AWSLogs/ at the bucket root without a prefix, and has no key statement without a key', () => {
    const t = Template.fromStack(
      build('NoPrefix', { ...owned, trailPrefix: undefined, trailKmsKeyArn: undefined, trailArn: undefined }),
    );
    const statements = statementsOf(t, /^TrailReaderRole/);
    expect(statements.map((s) => s.Sid)).toEqual(['ReadTrailLogObjects', 'ListTrailLogPrefix']);
    expect(JSON.stringify(statements[0].Resource)).toContain(':s3:::org-trail-bucket/AWSLogs/*');
    expect(statements[1].Condition).toEqual({ StringLike: { 's3:prefix': ['AWSLogs/*'] } });
  });

  it('keeps the kms:ViaService condition when no trail ARN is known (key in the log archive)', () => {
    const t = Template.fromStack(build('NoTrailArn', { ...owned, trailArn: undefined }));
    expect(statementsOf(t, /^TrailReaderRole/)).toContainEqual({
      Sid: 'DecryptTrailObjectsViaS3',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: LOCAL_KEY,
      Condition: { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } },
    });
  });

  it('takes another role name when asked', () => {
    const t = Template.fromStack(build('Renamed', { ...managed, readerRoleName: 'trail-reader-2' }));
    t.hasResourceProperties('AWS::IAM::Role', { RoleName: 'trail-reader-2' });
  });
});

describe('no bucket policy, ever', () => {
  const variants: [string, MemberGrantsStackProps][] = [
    ['customer-owned, forwarding', owned],
    ['managed, cross-account key', managed],
    ['no key, no forwarding', { ...managed, trailKmsKeyArn: undefined }],
  ];

  it.each(variants)('%s: no bucket-policy resource, custom resource or permission', (_, props) => {
    const t = Template.fromStack(build('NoPolicy', props));
    t.resourceCountIs('AWS::S3::BucketPolicy', 0);
    t.resourceCountIs('Custom::TrailBucketStatement', 0);
    const actions = allStatements(t.toJSON()).flatMap(({ statement }) => actionsOf(statement));
    expect(actions.filter((a) => /^s3:(Get|Put|Delete)BucketPolicy/i.test(a))).toEqual([]);
    // Nothing may write to the bucket or its objects, except the notification switch.
    expect(actions.filter((a) => /^s3:(Put|Delete)/i.test(a) && a !== 's3:PutBucketNotification')).toEqual(
      [],
    );
  });

  it('has no condition and no placeholder: the StackSet only reaches the log-archive account', () => {
    const json = ownedTemplate.toJSON() as { Conditions?: unknown; Resources: Record<string, Json> };
    expect(json.Conditions).toBeUndefined();
    for (const res of Object.values(json.Resources)) expect(res.Condition).toBeUndefined();
    ownedTemplate.resourceCountIs('AWS::CloudFormation::WaitConditionHandle', 0);
  });
});

describe('KMS grant', () => {
  it('is created only for a key of another account: Decrypt for the reader, retired by the grants role', () => {
    managedTemplate.resourceCountIs('Custom::TrailKeyGrant', 1);
    const reader = logicalIdOf(managedTemplate, 'AWS::IAM::Role', /^TrailReaderRole/);
    const grantsRole = logicalIdOf(managedTemplate, 'AWS::IAM::Role', /^GrantsRole/);
    managedTemplate.hasResourceProperties('Custom::TrailKeyGrant', {
      KeyArn: MANAGEMENT_KEY,
      GranteeRoleArn: { 'Fn::GetAtt': [reader, 'Arn'] },
      RetiringPrincipalArn: { 'Fn::GetAtt': [grantsRole, 'Arn'] },
      TrailArn: TRAIL_ARN,
    });
    ownedTemplate.resourceCountIs('Custom::TrailKeyGrant', 0);
  });

  it('lets the grants role create Decrypt-only grants for the reader and retire them, nothing more', () => {
    const reader = logicalIdOf(managedTemplate, 'AWS::IAM::Role', /^TrailReaderRole/);
    const kms = statementsOf(managedTemplate, /^GrantsRole/).filter((s) =>
      actionsOf(s).some((a) => a.startsWith('kms:')),
    );
    expect(kms).toEqual([
      {
        Sid: 'GrantReaderDecryptOnly',
        Effect: 'Allow',
        Action: 'kms:CreateGrant',
        Resource: MANAGEMENT_KEY,
        Condition: {
          StringEquals: { 'kms:GranteePrincipal': { 'Fn::GetAtt': [reader, 'Arn'] } },
          'ForAllValues:StringEquals': { 'kms:GrantOperations': ['Decrypt'] },
        },
      },
      { Sid: 'RetireReaderGrant', Effect: 'Allow', Action: 'kms:RetireGrant', Resource: MANAGEMENT_KEY },
    ]);
    expect(kms.flatMap(actionsOf)).toEqual(GRANTS_API_ACTIONS['Custom::TrailKeyGrant']);
  });

  it('still lets the reader decrypt through its own policy (the grant only adds the key side)', () => {
    expect(statementsOf(managedTemplate, /^TrailReaderRole/)).toContainEqual(
      expect.objectContaining({ Action: 'kms:Decrypt', Resource: MANAGEMENT_KEY }),
    );
  });
});

describe('forwarding, for customer-owned buckets only', () => {
  it('switches on the bucket EventBridge notifications', () => {
    ownedTemplate.hasResourceProperties('Custom::TrailBucketEventBridge', { Bucket: 'org-trail-bucket' });
    managedTemplate.resourceCountIs('Custom::TrailBucketEventBridge', 0);
    managedTemplate.resourceCountIs('AWS::Events::Rule', 0);
    managedTemplate.resourceCountIs('AWS::SQS::Queue', 0);
  });

  it('forwards CloudTrail log objects (not digests or Insights) to the security bus, with retries and a DLQ', () => {
    const forwardRole = logicalIdOf(ownedTemplate, 'AWS::IAM::Role', /^ForwardRole/);
    const dlq = logicalIdOf(ownedTemplate, 'AWS::SQS::Queue', /^ForwardDeadLetters/);
    // The forwarding rule, and the rule that forwards its dead-letter alarm (below).
    ownedTemplate.resourceCountIs('AWS::Events::Rule', 2);
    ownedTemplate.hasResourceProperties('AWS::Events::Rule', {
      Name: FORWARD_RULE_NAME,
      State: 'ENABLED',
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: {
          bucket: { name: ['org-trail-bucket'] },
          object: { key: [{ wildcard: 'o-exampleorg1/AWSLogs/*/CloudTrail/*.json.gz' }] },
        },
      },
      Targets: [
        {
          Id: 'SecurityAccountBus',
          Arn: BUS,
          RoleArn: { 'Fn::GetAtt': [forwardRole, 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlq, 'Arn'] } },
          RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 },
        },
      ],
    });
  });

  const arnOfRule = (name: string) => ({
    'Fn::Join': [
      '',
      [
        'arn:',
        { Ref: 'AWS::Partition' },
        ':events:',
        { Ref: 'AWS::Region' },
        ':',
        { Ref: 'AWS::AccountId' },
        `:rule/${name}`,
      ],
    ],
  });
  // The forwarding rule and the rule forwarding its dead-letter alarm share the role.
  const ruleArns = [arnOfRule(FORWARD_RULE_NAME), arnOfRule(`${FORWARD_RULE_NAME}-dlq-alarm`)];

  it('sends through a role that only the forwarding rules of this account may assume, and only to the bus', () => {
    ownedTemplate.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnEquals: { 'aws:SourceArn': ruleArns },
            },
          },
        ],
      },
    });
    expect(statementsOf(ownedTemplate, /^ForwardRole/)).toEqual([
      { Effect: 'Allow', Action: 'events:PutEvents', Resource: BUS },
    ]);
  });

  it('keeps undeliverable events in an SSL-only dead-letter queue that only the rule may send to', () => {
    const dlq = logicalIdOf(ownedTemplate, 'AWS::SQS::Queue', /^ForwardDeadLetters/);
    ownedTemplate.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1209600,
    });
    ownedTemplate.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: dlq }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          {
            Sid: 'ForwardingRuleDeadLetters',
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Resource: { 'Fn::GetAtt': [dlq, 'Arn'] },
            Condition: { ArnEquals: { 'aws:SourceArn': ruleArns[0] } },
          },
        ]),
      },
    });
  });

  it('alarms on any message in the dead-letter queue, under a name the security stack matches', () => {
    const dlq = logicalIdOf(ownedTemplate, 'AWS::SQS::Queue', /^ForwardDeadLetters/);
    ownedTemplate.resourceCountIs('AWS::CloudWatch::Alarm', 1);
    ownedTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: `${FORWARD_RULE_NAME}-dlq`,
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq, 'QueueName'] } }],
      Statistic: 'Maximum',
      Period: 60,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
    // No alarm action: no operations topic exists in this account (the next rule carries it).
    const [alarm] = Object.values(ownedTemplate.findResources('AWS::CloudWatch::Alarm'));
    expect(alarm.Properties.AlarmActions).toBeUndefined();
  });

  it("forwards that alarm's ALARM and OK changes to the security bus, through the same role, no DLQ", () => {
    const forwardRole = logicalIdOf(ownedTemplate, 'AWS::IAM::Role', /^ForwardRole/);
    const alarm = logicalIdOf(ownedTemplate, 'AWS::CloudWatch::Alarm', /^ForwardDeadLettersAlarm/);
    ownedTemplate.hasResourceProperties('AWS::Events::Rule', {
      Name: `${FORWARD_RULE_NAME}-dlq-alarm`,
      State: 'ENABLED',
      EventPattern: {
        source: ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        resources: [{ 'Fn::GetAtt': [alarm, 'Arn'] }],
        detail: { state: { value: ['ALARM', 'OK'] } },
      },
      Targets: [
        {
          Id: 'SecurityAccountBus',
          Arn: BUS,
          RoleArn: { 'Fn::GetAtt': [forwardRole, 'Arn'] },
          RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 },
          // Its events fail when the forwarding rule's do; the queue must hold forwarded events only.
          DeadLetterConfig: Match.absent(),
        },
      ],
    });
  });

  it('refuses a forwarding rule name too long for the alarm rule derived from it', () => {
    expect(() => build('LongName', { ...owned, forwardRuleName: 'r'.repeat(55) })).toThrow(
      /ruleName — expected at most 54 characters/,
    );
    expect(() => build('Longest', { ...owned, forwardRuleName: 'r'.repeat(54) })).not.toThrow();
  });

  it('lets the grants role only read and write the bucket notification configuration', () => {
    const s3 = statementsOf(ownedTemplate, /^GrantsRole/).filter((s) =>
      actionsOf(s).some((a) => a.startsWith('s3:')),
    );
    expect(s3).toEqual([
      {
        Sid: 'SwitchOnBucketEventBridge',
        Effect: 'Allow',
        Action: GRANTS_API_ACTIONS['Custom::TrailBucketEventBridge'],
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::org-trail-bucket']] },
      },
    ]);
    // A key in the log archive needs no grant: the grants role gets no KMS permission at all.
    expect(
      statementsOf(ownedTemplate, /^GrantsRole/)
        .flatMap(actionsOf)
        .filter((a) => a.startsWith('kms:')),
    ).toEqual([]);
  });
});

describe('custom-resource function', () => {
  it('is left out when neither a key grant nor forwarding is needed', () => {
    for (const props of [
      { ...managed, trailKmsKeyArn: undefined },
      { ...managed, trailKmsKeyArn: LOCAL_KEY },
    ]) {
      const t = Template.fromStack(build('NoLambda', props));
      t.resourceCountIs('AWS::Lambda::Function', 0);
      t.resourceCountIs('AWS::Logs::LogGroup', 0);
      expect(Object.keys(t.findResources('AWS::IAM::Role'))).toEqual([
        expect.stringMatching(/^TrailReaderRole/),
      ]);
      expect(
        Object.values(t.toJSON().Resources as Record<string, Json>)
          .map((r) => r.Type)
          .sort(),
      ).toEqual(['AWS::IAM::Policy', 'AWS::IAM::Role']);
    }
  });

  it('is present for a key grant alone, with a role that mentions no bucket', () => {
    managedTemplate.resourceCountIs('AWS::Lambda::Function', 1);
    const actions = statementsOf(managedTemplate, /^GrantsRole/).flatMap(actionsOf);
    expect(actions.some((a) => a.startsWith('s3:'))).toBe(false);
  });

  it('inlines a handler that loads and exports a function', () => {
    const fn = Object.values(ownedTemplate.findResources('AWS::Lambda::Function'))[0];
    expect(fn.Properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Architectures: ['arm64'],
    });
    const source = fn.Properties.Code.ZipFile as string;
    expect(source).toBe(renderGrantsHandler());
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
});

describe('props', () => {
  it('names the missing trail ARN when the key is in another account', () => {
    expect(() => build('X', { ...managed, trailArn: undefined })).toThrow(
      /MemberGrantsStack: trailArn — expected the organization trail ARN/,
    );
    // A key of the log archive itself needs no grant, so no trail ARN either.
    expect(() => build('Y', { ...owned, trailArn: undefined })).not.toThrow();
  });

  it('refuses an empty reader list, a malformed reader or bus ARN, a bad prefix or role name', () => {
    expect(() => build('A', { ...owned, readerPrincipalArns: [] })).toThrow(
      /readerPrincipalArns — expected at least one role ARN/,
    );
    expect(() => build('B', { ...owned, readerPrincipalArns: [ANALYZER, 'trailalerts-analyzer'] })).toThrow(
      /readerPrincipalArns\[1\]/,
    );
    expect(() =>
      build('C', { ...owned, forwardTo: { securityEventBusArn: 'arn:aws:sqs:us-east-1:222222222222:q' } }),
    ).toThrow(/forwardTo.securityEventBusArn/);
    expect(() => build('D', { ...owned, trailPrefix: '/bad/' })).toThrow(
      /trailPrefix — expected a key prefix/,
    );
    expect(() => build('E', { ...owned, readerRoleName: 'not a role name' })).toThrow(/readerRoleName/);
  });
});

describe('least privilege and cdk-nag', () => {
  it.each([
    ['customer-owned', () => ownedStack],
    ['managed', () => managedStack],
  ])('%s: grants no `*` or service-wide action', (_, stack) => {
    const allowed = allStatements(Template.fromStack(stack()).toJSON())
      .filter(({ statement }) => statement.Effect === 'Allow')
      .flatMap(({ statement }) => actionsOf(statement));
    expect(allowed.filter(isStarAction)).toEqual([]);
  });

  it.each([
    ['customer-owned', () => ownedStack],
    ['managed', () => managedStack],
    ['reader role only', () => build('Minimal', { ...managed, trailKmsKeyArn: undefined })],
  ])('%s: passes cdk-nag AwsSolutions with every finding acknowledged', (_, stack) => {
    expect(unacknowledgedNagFindings(stack())).toEqual([]);
  });
});

describe('member-grants StackSet', () => {
  const stackSetProps = {
    env: { account: '222222222222', region: 'us-east-1' },
    grants: { ...owned, trailBucketRegion: 'eu-west-1', handlerSource: STUB_HANDLER },
    organizationalUnitIds: ['ou-ex12-securit1'],
    callAs: 'DELEGATED_ADMIN' as const,
  };

  afterEach(() => jest.restoreAllMocks());

  it('targets only the log-archive account of the OU, in the bucket region, service-managed and auto-deploying', () => {
    const setStack = new MemberGrantsStackSetStack(new App(), 'Grants', stackSetProps);
    const t = Template.fromStack(setStack);
    t.hasResourceProperties('AWS::CloudFormation::StackSet', {
      StackSetName: MEMBER_GRANTS_STACK_SET_NAME,
      PermissionModel: 'SERVICE_MANAGED',
      AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
      CallAs: 'DELEGATED_ADMIN',
      StackInstancesGroup: [
        {
          DeploymentTargets: {
            OrganizationalUnitIds: ['ou-ex12-securit1'],
            Accounts: ['333333333333'],
            AccountFilterType: 'INTERSECTION',
          },
          Regions: ['eu-west-1'],
        },
      ],
      TemplateBody: Match.anyValue(),
    });
    expect(unacknowledgedNagFindings(setStack)).toEqual([]);
  });

  it('embeds the rendered log-archive access template, without bootstrap parameters', () => {
    const setStack = new MemberGrantsStackSetStack(new App(), 'Grants', stackSetProps);
    const body = setStack.memberGrants.templateBody;
    expect(Buffer.byteLength(body)).toBeLessThan(TEMPLATE_BODY_LIMIT);
    const embedded = JSON.parse(body) as {
      Resources: Record<string, { Type: string; Properties: Json }>;
      Parameters?: unknown;
      Rules?: unknown;
    };
    const types = Object.values(embedded.Resources).map((r) => r.Type);
    expect(types).toEqual(
      expect.arrayContaining([
        'AWS::IAM::Role',
        'Custom::TrailBucketEventBridge',
        'AWS::Events::Rule',
        'AWS::SQS::Queue',
      ]),
    );
    expect(types).not.toContain('Custom::TrailBucketStatement');
    expect(types).not.toContain('Custom::TrailKeyGrant');
    expect(body).toContain(`"RoleName":"${TRAIL_READER_ROLE_NAME}"`);
    // No bootstrap version parameter or rule: member accounts are not CDK-bootstrapped.
    expect(embedded.Parameters).toBeUndefined();
    expect(embedded.Rules).toBeUndefined();
  });

  it('embeds the real handler under the template size limit', () => {
    const body = renderMemberGrantsTemplate({ ...managed });
    expect(Buffer.byteLength(body)).toBeLessThan(TEMPLATE_BODY_LIMIT);
    expect(body).toContain('Custom::TrailKeyGrant');
  });

  it('checks the rendered template with cdk-nag: a finding fails the rendering', () => {
    const validate = jest.spyOn(NagPack.prototype, 'validate');
    renderMemberGrantsTemplate(stackSetProps.grants);
    expect(validate).toHaveBeenCalled();

    validate.mockImplementation((context) => ({
      success: false,
      violations: [
        {
          ruleName: 'AwsSolutions-TEST',
          description: 'an unacknowledged finding',
          fix: 'acknowledge it',
          violatingResources: [
            { resourceLogicalId: 'X', templatePath: context.templatePaths[0], locations: ['Resources/X'] },
          ],
        },
      ],
    }));
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
    jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(() => renderMemberGrantsTemplate(stackSetProps.grants)).toThrow(/AwsSolutions-TEST/);
  });

  it('renders the same template every time (no volatile content)', () => {
    expect(renderMemberGrantsTemplate(managed)).toBe(renderMemberGrantsTemplate(managed));
    expect(renderGrantsHandler()).toBe(renderGrantsHandler());
  });

  it('refuses empty or malformed OU lists and a malformed bucket region', () => {
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
    expect(
      () =>
        new MemberGrantsStackSetStack(new App(), 'D', {
          ...stackSetProps,
          grants: { ...stackSetProps.grants, trailBucketRegion: 'Europe' },
        }),
    ).toThrow(/trailBucketRegion/);
  });

  // CloudFormation refuses IAM resources with custom names without CAPABILITY_NAMED_IAM.
  it('acknowledges the named reader role with CAPABILITY_NAMED_IAM', () => {
    const setStack = new MemberGrantsStackSetStack(new App(), 'Grants', stackSetProps);
    const body = setStack.memberGrants.templateBody;
    const namesIam = Object.values(
      (JSON.parse(body) as { Resources: Record<string, { Type: string; Properties: Json }> }).Resources,
    ).some((r) => r.Type.startsWith('AWS::IAM::') && r.Properties.RoleName !== undefined);
    expect(namesIam).toBe(true);
    const [stackSet] = Object.values(
      Template.fromStack(setStack).findResources('AWS::CloudFormation::StackSet'),
    );
    expect(stackSet.Properties.Capabilities).toContain('CAPABILITY_NAMED_IAM');
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
