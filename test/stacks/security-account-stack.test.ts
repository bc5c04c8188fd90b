/**
 * The security-account stack, synthesized once with real esbuild bundling of fixture handlers
 * (new objects forwarded by EventBridge, the default): resources and their properties, least
 * privilege (the trail is read only through the log-archive reader role), no secret in the
 * environment, the shipped rules and cdk-nag. The other ways new objects arrive (the trail's SNS
 * topic, the poller) are synthesized without bundling.
 */
import { DELIVERY_LEASE_SECONDS } from '../../src/alerts/delivery-lease';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import {
  POLLER_ROLE_NAME,
  SecurityAccountStack,
  type SecurityAccountStackProps,
} from '../../stacks/security-account-stack';
import {
  ANALYZER_FIXTURE,
  PROCESSOR_FIXTURE,
  REPO_ACCOUNTS,
  RULES_FIXTURE,
  actionsOf,
  allStatements,
  isStarAction,
  unacknowledgedNagFindings,
  noBundling,
} from './helpers';

type Json = Record<string, unknown>;

const READER_ROLE = 'arn:aws:iam::333333333333:role/trailalerts-trail-reader';
const TRAIL_KEY = 'arn:aws:kms:us-east-1:333333333333:key/1111';
const CT_TOPIC = 'arn:aws:sns:us-east-1:222222222222:aws-controltower-AllConfigNotifications';

const props: SecurityAccountStackProps = {
  env: { account: '222222222222', region: 'us-east-1' },
  organizationId: 'o-exampleorg1',
  logArchiveAccountId: '333333333333',
  trail: {
    bucket: 'org-trail-bucket',
    bucketRegion: 'us-east-1',
    prefix: 'o-exampleorg1',
    kmsKeyArn: TRAIL_KEY,
  },
  trailReaderRoleArn: READER_ROLE,
  configFile: REPO_ACCOUNTS,
  rulesDir: RULES_FIXTURE,
  analyzerEntry: ANALYZER_FIXTURE,
  processorEntry: PROCESSOR_FIXTURE,
  analyzerReservedConcurrency: 7,
  accountDirectory: { source: 'organizations' },
  emailIdentities: ['security.example.com'],
  topicArns: ['arn:aws:sns:us-east-1:222222222222:prod-pager'],
  webhookSecrets: { 'dev-chat': 'trailalerts/dev-chat' },
  ipContextSecret: 'trailalerts/vpnapi',
  alarmEmail: 'soc@example.com',
  trailSilenceMinutes: 30,
};

let app: App;
let stack: SecurityAccountStack;
let template: Template;
let json: Record<string, unknown>;

beforeAll(() => {
  app = new App();
  stack = new SecurityAccountStack(app, 'Security', props);
  template = Template.fromStack(stack);
  json = template.toJSON();
});

describe('encryption and queues', () => {
  it('has one customer key with rotation, and no kms:* in its policy', () => {
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('encrypts every queue with the key and redrives after 5 receives', () => {
    const queues = template.findResources('AWS::SQS::Queue');
    // Objects and matches with their DLQs, and the schedule rules' DLQ.
    expect(Object.keys(queues)).toHaveLength(5);
    for (const q of Object.values(queues))
      expect(q.Properties.KmsMasterKeyId).toEqual({
        'Fn::GetAtt': [expect.stringMatching(/^EncryptionKey/), 'Arn'],
      });
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { maxReceiveCount: 5, deadLetterTargetArn: Match.anyValue() },
    });
  });

  it('refuses non-TLS access to every queue', () => {
    const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy'));
    const denied = policies
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .filter((s: Record<string, unknown>) => s.Effect === 'Deny');
    expect(denied.length).toBe(5);
    for (const s of denied) expect(s.Condition).toEqual({ Bool: { 'aws:SecureTransport': 'false' } });
  });

  it('admits EventBridge to the objects queue and its DLQ for the trail rule only (aws:SourceArn)', () => {
    const rule = Object.keys(template.findResources('AWS::Events::Rule')).find((id) =>
      id.startsWith('TrailEvents'),
    );
    const allowed = Object.values(template.findResources('AWS::SQS::QueuePolicy'))
      .filter((p) => !/ScheduleDeadLetters|MatchesQueue/.test(JSON.stringify(p.Properties.Queues)))
      .flatMap((p) =>
        (p.Properties.PolicyDocument.Statement as Json[])
          .filter((s) => s.Effect === 'Allow')
          .map((s) => ({ queues: p.Properties.Queues, statement: s })),
      );
    expect(allowed).toEqual([
      {
        queues: [{ Ref: expect.stringMatching(/^ObjectsQueueDeadLetterQueue/) }],
        statement: {
          Sid: 'RuleDeadLetters',
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Resource: { 'Fn::GetAtt': [expect.stringMatching(/^ObjectsQueueDeadLetterQueue/), 'Arn'] },
          Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [rule, 'Arn'] } } },
        },
      },
      {
        queues: [{ Ref: expect.stringMatching(/^ObjectsQueueBC/) }],
        statement: {
          Sid: 'RuleDelivers',
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Resource: { 'Fn::GetAtt': [expect.stringMatching(/^ObjectsQueueBC/), 'Arn'] },
          Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [rule, 'Arn'] } } },
        },
      },
    ]);
  });
});

describe('event bus', () => {
  it('admits only the log-archive account of this organization', () => {
    template.hasResourceProperties('AWS::Events::EventBusPolicy', {
      Statement: {
        Action: 'events:PutEvents',
        Principal: {
          AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::333333333333:root']] },
        },
        Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-exampleorg1' } },
        Effect: 'Allow',
        Sid: Match.stringLikeRegexp('LogArchiveForwardsTrailObjects'),
      },
    });
    template.resourceCountIs('AWS::Events::EventBusPolicy', 1);
  });

  it('routes Object Created events for CloudTrail log keys to the objects queue', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: Match.anyValue(),
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        account: ['333333333333'],
        detail: {
          bucket: { name: ['org-trail-bucket'] },
          object: { key: [{ wildcard: 'o-exampleorg1/AWSLogs/*/CloudTrail/*.json.gz' }] },
        },
      },
      Targets: [
        {
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ObjectsQueueBC'), 'Arn'] },
          Id: Match.anyValue(),
          DeadLetterConfig: {
            Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ObjectsQueueDeadLetterQueue'), 'Arn'] },
          },
          RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 },
        },
      ],
    });
    // The trail rule, the digest schedule, the GuardDuty findings rule and the rule taking the
    // log-archive forwarding rule's dead-letter alarm (no other region forwards GuardDuty findings
    // here; test/stacks/forwarded-alarms.test.ts).
    template.resourceCountIs('AWS::Events::Rule', 4);
    template.resourceCountIs('AWS::SNS::Subscription', 1); // the alarm e-mail only
  });
});

describe('functions', () => {
  it('runs both functions on arm64 Node.js 22 with explicit log groups', () => {
    const fns = Object.values(template.findResources('AWS::Lambda::Function'));
    expect(fns).toHaveLength(2);
    for (const fn of fns) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        LoggingConfig: { LogGroup: { Ref: expect.any(String) } },
      });
    }
    template.resourcePropertiesCountIs(
      'AWS::Logs::LogGroup',
      { RetentionInDays: 30, KmsKeyId: Match.anyValue() },
      2,
    );
  });

  it('reserves the configured analyzer concurrency and the default processor concurrency', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('analyzer'),
      ReservedConcurrentExecutions: 7,
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('processor'),
      ReservedConcurrentExecutions: 5,
    });
  });

  it('sends due digests every 5 minutes through a scheduled run of the processor', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ProcessorFunction'), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 0 },
        }),
      ],
    });
  });

  it('reads both queues with partial batch failures, never polling beyond the reservation', () => {
    const mappings = Object.values(template.findResources('AWS::Lambda::EventSourceMapping'));
    expect(mappings).toHaveLength(2);
    for (const m of mappings) expect(m.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    const byQueue = Object.fromEntries(
      mappings.map((m) => [
        (m.Properties.EventSourceArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0].replace(
          /Queue.*$/,
          '',
        ),
        m.Properties.ScalingConfig,
      ]),
    );
    expect(byQueue).toEqual({
      Objects: { MaximumConcurrency: 7 },
      // One of the processor's 5 is kept for the scheduled digest flush.
      Matches: { MaximumConcurrency: 4 },
    });
  });

  it('refuses a reservation below 2 (the least an SQS event source may poll with)', () => {
    expect(
      () =>
        new SecurityAccountStack(noBundling(), 'Low', {
          ...props,
          analyzerReservedConcurrency: 1,
        }),
    ).toThrow(/SecurityAccountStack: analyzerReservedConcurrency/);
    expect(
      () =>
        new SecurityAccountStack(noBundling(), 'Low2', {
          ...props,
          processorReservedConcurrency: 1,
        }),
    ).toThrow(/SecurityAccountStack: processorReservedConcurrency/);
  });

  it('tells the analyzer which reader role to assume, and outputs it', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('analyzer'),
      Environment: {
        Variables: Match.objectLike({ TRAIL_BUCKET: 'org-trail-bucket', TRAIL_READER_ROLE_ARN: READER_ROLE }),
      },
    });
    template.hasOutput('TrailReaderRoleArn', { Value: READER_ROLE });
    expect(
      () =>
        new SecurityAccountStack(noBundling(), 'BadReader', { ...props, trailReaderRoleArn: 'trail-reader' }),
    ).toThrow(/SecurityAccountStack: trailReaderRoleArn/);
  });

  it('keeps secrets out of the environment: only names, ARNs, URLs of our own resources', () => {
    const secretValuePattern = /hooks\.slack\.com|webhook\.office\.com|^[A-Za-z0-9]{24,}$/;
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
      const env = (fn.Properties.Environment?.Variables ?? {}) as Record<string, unknown>;
      for (const [name, value] of Object.entries(env)) {
        expect(name).not.toMatch(/(SECRET|PASSWORD|TOKEN|API_?KEY|URL_SECRET)$/);
        if (typeof value === 'string') expect(value).not.toMatch(secretValuePattern);
      }
    }
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          IP_CONTEXT_SECRET_NAME: 'trailalerts/vpnapi',
          ALERT_STATE_TABLE: { Ref: Match.anyValue() },
        }),
      },
    });
  });

  it('ships the rules and accounts.yaml inside every function bundle, and no regex verdicts', () => {
    const assets = readdirSync(app.outdir).filter((d) => d.startsWith('asset.'));
    const bundles = assets
      .map((d) => path.join(app.outdir, d))
      .filter((d) => existsSync(path.join(d, 'index.js')));
    expect(bundles.length).toBeGreaterThanOrEqual(1);
    for (const bundle of bundles) {
      expect(existsSync(path.join(bundle, 'rules/sigma/fixture_root_login.yml'))).toBe(true);
      expect(existsSync(path.join(bundle, 'accounts.yaml'))).toBe(true);
      // Patterns run on a linear-time engine: nothing is proven safe at synth, nothing shipped.
      expect(existsSync(path.join(bundle, 'regex-checks.json'))).toBe(false);
    }
    const loading = Object.values(template.findResources('AWS::Lambda::Function')).filter(
      (fn) => fn.Properties.Environment?.Variables?.TRAILALERTS_CONFIG !== undefined,
    );
    expect(loading).toHaveLength(2);
    for (const fn of loading) {
      const names = Object.keys(fn.Properties.Environment.Variables as Record<string, unknown>);
      expect(names.filter((n) => /REGEX|SYNC_BACKEND/.test(n))).toEqual([]);
    }
  });
});

describe('least privilege', () => {
  const policyOf = (rolePrefix: RegExp) => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      p.Properties.Roles.some((r: { Ref: string }) => rolePrefix.test(r.Ref)),
    );
    return policies.flatMap((p) => p.Properties.PolicyDocument.Statement) as Record<string, unknown>[];
  };

  it('lets the analyzer only assume the reader role for the trail: no S3 or trail-key access of its own', () => {
    const statements = policyOf(/^AnalyzerRole/);
    expect(statements.filter((s) => actionsOf(s).includes('sts:AssumeRole'))).toEqual([
      { Sid: 'AssumeTrailReader', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: READER_ROLE },
    ]);
    expect(statements.filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')))).toEqual([]);
    expect(JSON.stringify(statements)).not.toContain(TRAIL_KEY);
    expect(
      statements.some((s) =>
        actionsOf(s).some(
          (a) => a.startsWith('dynamodb:') || a.startsWith('ses:') || a.startsWith('secretsmanager:'),
        ),
      ),
    ).toBe(false);
  });

  it('never reads the trail bucket or uses the trail key from this account', () => {
    const trailAccess = allStatements(json).filter(
      ({ statement }) =>
        statement.Effect === 'Allow' &&
        (JSON.stringify(statement.Resource ?? '').includes('org-trail-bucket') ||
          JSON.stringify(statement).includes(TRAIL_KEY)),
    );
    expect(trailAccess).toEqual([]);
    expect(JSON.stringify(json)).not.toContain(TRAIL_KEY);
  });

  it('grants exactly the Organizations calls the directory makes, scoped to this organization but ListRoots', () => {
    for (const role of [/^AnalyzerRole/, /^ProcessorRole/]) {
      const statements = policyOf(role);
      const inOrg = (type: string) => ({
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:organizations::*:${type}/o-exampleorg1/*`]],
      });
      expect(statements).toContainEqual({
        Sid: 'WalkOrganizationTree',
        Effect: 'Allow',
        Action: [
          'organizations:ListAccountsForParent',
          'organizations:ListOrganizationalUnitsForParent',
          'organizations:ListTagsForResource',
        ],
        Resource: [inOrg('account'), inOrg('ou'), inOrg('root')],
      });
      expect(statements).toContainEqual({
        Sid: 'ListOrganizationRoots',
        Effect: 'Allow',
        Action: 'organizations:ListRoots',
        Resource: '*',
      });
      // No other statement of these roles reaches every resource.
      expect(statements.filter((s) => s.Resource === '*').map((s) => s.Sid)).toEqual([
        'ListOrganizationRoots',
      ]);
      // Every organizations action granted is one the directory sends (organizations-directory.ts).
      const source = readFileSync(path.join(__dirname, '../../src/org/organizations-directory.ts'), 'utf8');
      const sent = new Set([...source.matchAll(/new (\w+)Command\(/g)].map((m) => `organizations:${m[1]}`));
      const granted = statements
        .flatMap((s) => [s.Action].flat())
        .filter((a) => String(a).startsWith('organizations:'));
      expect(new Set(granted)).toEqual(sent);
    }
  });

  it('gives the processor its table, SES identity and configuration set, topics and secrets — and no trail access', () => {
    const statements = policyOf(/^ProcessorRole/);
    const actions = statements.flatMap(actionsOf);
    expect(actions).toEqual(
      expect.arrayContaining([
        'dynamodb:PutItem',
        'ses:SendEmail',
        'sns:Publish',
        'secretsmanager:GetSecretValue',
      ]),
    );
    expect(actions.some((a) => a.startsWith('s3:'))).toBe(false);
    const secretResources = JSON.stringify(
      statements.filter((s) => actionsOf(s).includes('secretsmanager:GetSecretValue')),
    );
    expect(secretResources).toContain('secret:trailalerts/dev-chat-??????');
    expect(secretResources).toContain('secret:trailalerts/vpnapi-??????');
    expect(JSON.stringify(statements)).toContain(':ses:us-east-1:222222222222:identity/security.example.com');
  });

  it('lets the processor use customer keys of its topics and secrets only through SNS and Secrets Manager', () => {
    const keyStatements = policyOf(/^ProcessorRole/).filter((s) =>
      JSON.stringify(s.Resource).includes(':kms:us-east-1:222222222222:key/*'),
    );
    expect(keyStatements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
          Condition: { StringEquals: { 'kms:ViaService': 'sns.us-east-1.amazonaws.com' } },
        }),
        expect.objectContaining({
          Action: 'kms:Decrypt',
          Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com' } },
        }),
      ]),
    );
    // Never a key statement without the service condition.
    for (const st of keyStatements) expect(JSON.stringify(st.Condition)).toContain('kms:ViaService');
  });

  it('allows no `*` or service-wide action anywhere in the template (Deny for non-TLS is fine)', () => {
    const offending = allStatements(json)
      .filter(({ statement }) => statement.Effect === 'Allow')
      .flatMap(({ resource, statement }) =>
        actionsOf(statement)
          .filter(isStarAction)
          .map((a) => `${resource}: ${a}`),
      );
    expect(offending).toEqual([]);
    expect(allStatements(json).length).toBeGreaterThan(20);
  });
});

describe('state, email, alarms', () => {
  it('creates the alert-state table: pk/sk, on demand, TTL, PITR, customer key', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: Match.anyValue() },
    });
  });

  it('creates the SES v2 configuration set requiring TLS, named by CloudFormation (no collisions)', () => {
    const sets = Object.entries(template.findResources('AWS::SES::ConfigurationSet'));
    expect(sets).toHaveLength(1);
    const [id, set] = sets[0];
    expect(set.Properties.DeliveryOptions).toEqual({ TlsPolicy: 'REQUIRE' });
    expect(set.Properties.Name).toBeUndefined();
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SES_CONFIGURATION_SET: { Ref: id } }) },
    });
  });

  it('keeps the delivery lease between the processor timeout and the matches visibility timeout', () => {
    // Longer than a run, so a live run is never overtaken; shorter than the visibility timeout,
    // so the redelivery after a dead run finds the lease expired and resumes it.
    const processor = Object.values(template.findResources('AWS::Lambda::Function')).find((f) =>
      f.Properties.Description?.startsWith('TrailAlerts processor'),
    );
    const matches = Object.entries(template.findResources('AWS::SQS::Queue')).find(
      ([id]) => id.startsWith('MatchesQueue') && !id.includes('DeadLetter'),
    )?.[1];
    expect(processor?.Properties.Timeout).toBeLessThan(DELIVERY_LEASE_SECONDS);
    expect(DELIVERY_LEASE_SECONDS).toBeLessThan(matches?.Properties.VisibilityTimeout);
  });

  it('sets the queues to the largest SQS message, 1 MiB, explicitly', () => {
    const queues = Object.values(template.findResources('AWS::SQS::Queue')).filter(
      (q) => q.Properties.MaximumMessageSize !== undefined,
    );
    expect(queues).toHaveLength(4);
    for (const q of queues) expect(q.Properties.MaximumMessageSize).toBe(1_048_576);
  });

  it('sends undeliverable scheduled invocations to a DLQ admitted for those rules only', () => {
    const dlqPolicy = Object.values(template.findResources('AWS::SQS::QueuePolicy')).find((p) =>
      JSON.stringify(p.Properties.Queues).includes('ScheduleDeadLetters'),
    );
    const allows = (dlqPolicy?.Properties.PolicyDocument.Statement as Json[]).filter(
      (st) => st.Effect === 'Allow',
    );
    expect(allows.length).toBeGreaterThanOrEqual(1);
    for (const st of allows) expect(JSON.stringify(st.Condition)).toContain('aws:SourceArn');
  });

  it('alarms on each DLQ, function errors and throttles, queue age, quiet failures and trail silence', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
    expect(alarms).toHaveLength(18);
    expect(alarms.filter((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible')).toHaveLength(3);
    for (const metric of [
      'ObjectErrors',
      'DirectoryFallbacks',
      'MatchFailures',
      'LeasesExpired',
      'SendTimeouts',
      'DigestSendFailures',
    ])
      expect(alarms.filter((a) => a.MetricName === metric && a.Threshold === 0)).toHaveLength(1);
    // Analyzer and processor each count their own failed cold starts.
    expect(alarms.filter((a) => a.MetricName === 'ColdStartFailures')).toHaveLength(2);
    expect(alarms.filter((a) => a.MetricName === 'ApproximateAgeOfOldestMessage')).toHaveLength(2);
    expect(alarms.filter((a) => a.MetricName === 'Errors')).toHaveLength(2);
    expect(alarms.filter((a) => a.MetricName === 'Throttles')).toHaveLength(2);
    for (const a of alarms)
      expect(a.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^OperationsTopic/) }]);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'TrailAlerts',
      MetricName: 'ObjectsProcessed',
      Dimensions: [{ Name: 'service', Value: 'trailalerts-analyzer' }],
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      Period: 300,
      EvaluationPeriods: 6,
      TreatMissingData: 'breaching',
    });
  });

  it('encrypts the operations topic and subscribes the alarm address', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'soc@example.com',
    });
  });
});

it('passes cdk-nag AwsSolutions with every finding acknowledged', () => {
  expect(unacknowledgedNagFindings(stack)).toEqual([]);
});

describe('new objects from the trail SNS topic', () => {
  let sns: Template;
  let snsStack: SecurityAccountStack;

  beforeAll(() => {
    snsStack = new SecurityAccountStack(noBundling(), 'SecuritySns', {
      ...props,
      newObjects: { source: 'sns', topicArn: CT_TOPIC },
    });
    sns = Template.fromStack(snsStack);
  });

  it('has no event bus, and subscribes the objects queue with a body filter for trail log keys', () => {
    sns.resourceCountIs('AWS::Events::EventBus', 0);
    // The digest schedule and the GuardDuty findings rule: no trail rule, nor one for the trail's
    // alarm (and no other region forwards GuardDuty findings here).
    sns.resourceCountIs('AWS::Events::Rule', 2);
    sns.hasResourceProperties('AWS::SNS::Subscription', {
      TopicArn: CT_TOPIC,
      Protocol: 'sqs',
      Endpoint: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ObjectsQueueBC'), 'Arn'] },
      RawMessageDelivery: true,
      Region: 'us-east-1',
      FilterPolicyScope: 'MessageBody',
      FilterPolicy: {
        s3Bucket: ['org-trail-bucket'],
        s3ObjectKey: [{ prefix: 'o-exampleorg1/AWSLogs/' }],
        messageType: [{ exists: false }],
      },
    });
  });

  it('admits SNS to the objects queue and the key for this topic only', () => {
    sns.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Sid: 'TrailTopicDelivers',
            Effect: 'Allow',
            Principal: { Service: 'sns.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ObjectsQueueBC'), 'Arn'] },
            Condition: { ArnEquals: { 'aws:SourceArn': CT_TOPIC } },
          },
        ]),
      },
    });
    sns.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          {
            Sid: 'TrailTopicEncryptsForQueue',
            Effect: 'Allow',
            Principal: { Service: 'sns.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Resource: '*',
            Condition: { ArnEquals: { 'aws:SourceArn': CT_TOPIC } },
          },
        ]),
      },
    });
    // Only the SNS statement admits a service to the work queues: no trail rule exists (the
    // schedule rules' DLQ admits only those rules).
    const allowed = Object.values(sns.findResources('AWS::SQS::QueuePolicy'))
      .filter((p) => !/ScheduleDeadLetters|MatchesQueue/.test(JSON.stringify(p.Properties.Queues)))
      .flatMap((p) => (p.Properties.PolicyDocument.Statement as Json[]).filter((s) => s.Effect === 'Allow'));
    expect(allowed.map((s) => s.Sid)).toEqual(['TrailTopicDelivers']);
  });

  it('passes cdk-nag AwsSolutions with every finding acknowledged', () => {
    expect(unacknowledgedNagFindings(snsStack)).toEqual([]);
  });
});

describe('new objects found by the poller', () => {
  let poll: Template;
  let pollStack: SecurityAccountStack;

  beforeAll(() => {
    pollStack = new SecurityAccountStack(noBundling(), 'SecurityPoll', {
      ...props,
      newObjects: {
        source: 'poll',
        intervalMinutes: 10,
        regions: ['us-east-1', 'eu-west-1'],
        pollerEntry: ANALYZER_FIXTURE,
      },
    });
    poll = Template.fromStack(pollStack);
  });

  const pollerStatements = (): Json[] => {
    const role = Object.keys(
      poll.findResources('AWS::IAM::Role', { Properties: { RoleName: POLLER_ROLE_NAME } }),
    )[0];
    return Object.values(poll.findResources('AWS::IAM::Policy'))
      .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === role))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Json[]);
  };

  it('runs one poller at a time on a schedule, without retries, reading through the reader role', () => {
    poll.resourceCountIs('AWS::Events::EventBus', 0);
    poll.resourceCountIs('AWS::Lambda::Function', 3);
    poll.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('poller'),
      ReservedConcurrentExecutions: 1,
      Timeout: 300,
      Environment: {
        Variables: Match.objectLike({
          TRAIL_BUCKET: 'org-trail-bucket',
          TRAIL_LOGS_ROOT: 'o-exampleorg1/AWSLogs/o-exampleorg1/',
          TRAIL_REGIONS: 'us-east-1,eu-west-1',
          TRAIL_READER_ROLE_ARN: READER_ROLE,
          POLL_LOOKBACK_MINUTES: '30',
          OBJECTS_QUEUE_URL: { Ref: Match.stringLikeRegexp('^ObjectsQueueBC') },
        }),
      },
    });
    poll.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(10 minutes)',
      Targets: [Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 0 } })],
    });
    poll.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 600,
    });
  });

  it('lets the poller assume only the reader role, send to the objects queue and keep its state', () => {
    const statements = pollerStatements();
    const actions = statements.flatMap(actionsOf);
    expect(statements.filter((s) => actionsOf(s).includes('sts:AssumeRole'))).toEqual([
      { Sid: 'AssumeTrailReader', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: READER_ROLE },
    ]);
    expect(actions).toEqual(expect.arrayContaining(['sqs:SendMessage', 'dynamodb:PutItem']));
    expect(actions.some((a) => a.startsWith('s3:'))).toBe(false);
    expect(JSON.stringify(statements)).not.toContain(TRAIL_KEY);
    expect(JSON.stringify(statements.filter((s) => actionsOf(s).includes('sqs:SendMessage')))).toContain(
      'ObjectsQueueBC',
    );
  });

  it('alarms on poller errors and throttles as well', () => {
    const alarms = Object.values(poll.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
    expect(alarms).toHaveLength(20);
    expect(alarms.filter((a) => a.MetricName === 'Errors')).toHaveLength(3);
    expect(alarms.filter((a) => a.MetricName === 'Throttles')).toHaveLength(3);
  });

  it('refuses a poll interval outside 1-60 minutes', () => {
    expect(
      () =>
        new SecurityAccountStack(noBundling(), 'BadPoll', {
          ...props,
          newObjects: { source: 'poll', intervalMinutes: 90, pollerEntry: ANALYZER_FIXTURE },
        }),
    ).toThrow(/newObjects.intervalMinutes/);
  });

  it('passes cdk-nag AwsSolutions with every finding acknowledged', () => {
    expect(unacknowledgedNagFindings(pollStack)).toEqual([]);
  });
});
