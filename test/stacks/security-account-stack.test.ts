/**
 * The security-account stack, synthesized once with real esbuild bundling of fixture handlers:
 * resources and their properties, least privilege, no secret in the environment, the shipped
 * rules, cdk-nag, and a snapshot with asset hashes masked.
 */
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { SecurityAccountStack, type SecurityAccountStackProps } from '../../stacks/security-account-stack';
import {
  ANALYZER_FIXTURE,
  PROCESSOR_FIXTURE,
  REPO_ACCOUNTS,
  RULES_FIXTURE,
  actionsOf,
  allStatements,
  isStarAction,
  maskHashes,
  unacknowledgedNagFindings,
} from './helpers';

const props: SecurityAccountStackProps = {
  env: { account: '222222222222', region: 'us-east-1' },
  organizationId: 'o-exampleorg1',
  logArchiveAccountId: '333333333333',
  trail: {
    bucket: 'org-trail-bucket',
    bucketRegion: 'us-east-1',
    prefix: 'o-exampleorg1',
    kmsKeyArn: 'arn:aws:kms:us-east-1:333333333333:key/1111',
  },
  configFile: REPO_ACCOUNTS,
  rulesDir: RULES_FIXTURE,
  regexChecksFile: path.join(__dirname, 'fixtures', 'regex-checks.json'),
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
    expect(Object.keys(queues)).toHaveLength(4);
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
    expect(denied.length).toBe(4);
    for (const s of denied) expect(s.Condition).toEqual({ Bool: { 'aws:SecureTransport': 'false' } });
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
        { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ObjectsQueueBC'), 'Arn'] }, Id: Match.anyValue() },
      ],
    });
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

  it('reserves the configured analyzer concurrency', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('analyzer'),
      ReservedConcurrentExecutions: 7,
    });
  });

  it('reads both queues with partial batch failures', () => {
    const mappings = Object.values(template.findResources('AWS::Lambda::EventSourceMapping'));
    expect(mappings).toHaveLength(2);
    for (const m of mappings) expect(m.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
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

  it('ships the rules, accounts.yaml and the regex checks inside every function bundle', () => {
    const assets = readdirSync(app.outdir).filter((d) => d.startsWith('asset.'));
    const bundles = assets
      .map((d) => path.join(app.outdir, d))
      .filter((d) => existsSync(path.join(d, 'index.js')));
    expect(bundles.length).toBeGreaterThanOrEqual(1);
    for (const bundle of bundles) {
      expect(existsSync(path.join(bundle, 'rules/sigma/fixture_root_login.yml'))).toBe(true);
      expect(existsSync(path.join(bundle, 'accounts.yaml'))).toBe(true);
      expect(existsSync(path.join(bundle, 'regex-checks.json'))).toBe(true);
    }
    // Every function that loads accounts.yaml and rules finds the file (runtime.ts takeRegexChecks).
    const loading = Object.values(template.findResources('AWS::Lambda::Function')).filter(
      (fn) => fn.Properties.Environment?.Variables?.TRAILALERTS_CONFIG !== undefined,
    );
    expect(loading).toHaveLength(2);
    for (const fn of loading)
      expect(fn.Properties.Environment.Variables.TRAILALERTS_REGEX_CHECKS).toBe(
        '/var/task/regex-checks.json',
      );
  });
});

describe('least privilege', () => {
  const policyOf = (rolePrefix: RegExp) => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      p.Properties.Roles.some((r: { Ref: string }) => rolePrefix.test(r.Ref)),
    );
    return policies.flatMap((p) => p.Properties.PolicyDocument.Statement) as Record<string, unknown>[];
  };

  it('lets the analyzer read only the trail prefix, and decrypt with the trail key only via S3', () => {
    const statements = policyOf(/^AnalyzerRole/);
    const s3 = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')));
    expect(s3).toEqual([
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
    ]);
    expect(statements).toContainEqual({
      Sid: 'DecryptTrailObjectsViaS3',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: 'arn:aws:kms:us-east-1:333333333333:key/1111',
      Condition: { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } },
    });
    expect(
      statements.some((s) =>
        actionsOf(s).some(
          (a) => a.startsWith('dynamodb:') || a.startsWith('ses:') || a.startsWith('secretsmanager:'),
        ),
      ),
    ).toBe(false);
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

  it('creates the SES v2 configuration set requiring TLS', () => {
    template.hasResourceProperties('AWS::SES::ConfigurationSet', {
      Name: 'trailalerts',
      DeliveryOptions: { TlsPolicy: 'REQUIRE' },
    });
  });

  it('alarms on each DLQ, function errors and throttles, queue age and trail silence', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
    expect(alarms).toHaveLength(9);
    expect(alarms.filter((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible')).toHaveLength(2);
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

it('matches the snapshot (asset hashes masked)', () => {
  expect(maskHashes(json)).toMatchSnapshot();
});
