/**
 * The forwarding rules' dead-letter alarms reach the operations topic: the security stack has a
 * rule per bus the alarm events arrive on (the default bus for the GuardDuty forwarding stacks of
 * other regions, the trail bus for the log-archive forwarding rule), matching only those alarms'
 * names and their sending account, publishing to the KMS-encrypted topic, which admits each rule
 * alone; the names match what the forwarding stacks create.
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { loadAccountsConfig } from '../../src/org/config';
import { buildDeployment } from '../../stacks/deployment';
import { SecurityAccountStack, type SecurityAccountStackProps } from '../../stacks/security-account-stack';
import {
  ANALYZER_FIXTURE,
  DELEGATED_ACCOUNTS,
  DEPLOYMENT_OPTIONS,
  PROCESSOR_FIXTURE,
  REPO_ACCOUNTS,
  RULES_FIXTURE,
  noBundling,
  unacknowledgedNagFindings,
} from './helpers';

type Json = Record<string, unknown>;

const props: SecurityAccountStackProps = {
  env: { account: '222222222222', region: 'us-east-1' },
  organizationId: 'o-exampleorg1',
  logArchiveAccountId: '333333333333',
  trail: { bucket: 'org-trail-bucket', bucketRegion: 'us-east-1', prefix: 'o-exampleorg1' },
  trailReaderRoleArn: 'arn:aws:iam::333333333333:role/trailalerts-trail-reader',
  configFile: REPO_ACCOUNTS,
  rulesDir: RULES_FIXTURE,
  analyzerEntry: ANALYZER_FIXTURE,
  processorEntry: PROCESSOR_FIXTURE,
  alarmEmail: 'soc@example.com',
  guardDutyForwardingRegions: ['eu-west-1'],
};

const ALARM_EVENT = { source: ['aws.cloudwatch'], 'detail-type': ['CloudWatch Alarm State Change'] };

const stack = new SecurityAccountStack(noBundling(), 'Security', props);
const template = Template.fromStack(stack);
const idOf = (type: string, prefix: RegExp): string => {
  const ids = Object.keys(template.findResources(type)).filter((id) => prefix.test(id));
  expect(ids).toHaveLength(1);
  return ids[0];
};
const alarmRules = () =>
  template.findResources('AWS::Events::Rule', {
    Properties: { EventPattern: { source: ['aws.cloudwatch'] } },
  });

describe('forwarded dead-letter alarms, in the security stack', () => {
  it('takes the log-archive alarm from the trail bus: that account, that alarm, ALARM and OK', () => {
    const bus = idOf('AWS::Events::EventBus', /^TrailEventsBus/);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: bus },
      EventPattern: {
        ...ALARM_EVENT,
        account: ['333333333333'],
        detail: {
          alarmName: ['trailalerts-forward-trail-objects-dlq'],
          state: { value: ['ALARM', 'OK'] },
        },
      },
    });
  });

  it('takes the GuardDuty forwarding alarms of other regions from the default bus, this account only', () => {
    const rule = Object.values(alarmRules()).find((r) => r.Properties.EventBusName === undefined);
    expect(rule?.Properties.EventPattern).toEqual({
      ...ALARM_EVENT,
      account: ['222222222222'],
      detail: {
        alarmName: ['trailalerts-forward-guardduty-findings-dlq'],
        state: { value: ['ALARM', 'OK'] },
      },
    });
    expect(Object.keys(alarmRules())).toHaveLength(2);
  });

  it('has no rule for GuardDuty forwarding alarms when no other region forwards findings', () => {
    const { guardDutyForwardingRegions: _, ...homeOnly } = props;
    const alone = Template.fromStack(new SecurityAccountStack(noBundling(), 'HomeOnly', homeOnly));
    const rules = alone.findResources('AWS::Events::Rule', {
      Properties: { EventPattern: { source: ['aws.cloudwatch'] } },
    });
    expect(Object.values(rules).map((r) => r.Properties.EventBusName === undefined)).toEqual([false]);
  });

  it("publishes to the operations topic in CloudWatch's message fields, with retries and a DLQ", () => {
    const topic = idOf('AWS::SNS::Topic', /^OperationsTopic/);
    const dlq = idOf('AWS::SQS::Queue', /^ScheduleDeadLetters/);
    for (const rule of Object.values(alarmRules())) {
      const [target] = rule.Properties.Targets as Json[];
      expect(target).toMatchObject({
        Arn: { Ref: topic },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlq, 'Arn'] } },
        RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 },
      });
      const transformer = target.InputTransformer as { InputPathsMap: Json; InputTemplate: string };
      const paths = Object.values(transformer.InputPathsMap).sort();
      expect(paths).toEqual(
        [
          '$.account',
          '$.region',
          '$.detail.alarmName',
          '$.detail.configuration.description',
          '$.detail.state.value',
          '$.detail.state.reason',
          '$.detail.state.timestamp',
          '$.detail.previousState.value',
        ].sort(),
      );
      // Every placeholder is a JSON value EventBridge quotes and escapes, never spliced into a string.
      const template = transformer.InputTemplate;
      for (const key of Object.keys(transformer.InputPathsMap))
        expect(template).toMatch(new RegExp(`":<${key}>[,}]`));
      for (const field of ['AlarmName', 'NewStateValue', 'NewStateReason', 'OldStateValue', 'AWSAccountId'])
        expect(template).toContain(`"${field}":`);
    }
  });

  it('lets each rule alone publish to the topic and dead-letter into the queue (aws:SourceArn)', () => {
    const ruleIds = Object.keys(alarmRules());
    const sourceArns = (statements: Json[], action: string) =>
      statements
        .filter((s) => s.Action === action && JSON.stringify(s.Principal).includes('events.amazonaws.com'))
        .map((s) => {
          expect(s.Effect).toBe('Allow');
          return (s.Condition as { ArnEquals: Json }).ArnEquals['aws:SourceArn'];
        });
    const [topicPolicy] = Object.values(template.findResources('AWS::SNS::TopicPolicy'));
    expect(sourceArns(topicPolicy.Properties.PolicyDocument.Statement as Json[], 'sns:Publish')).toEqual(
      expect.arrayContaining(ruleIds.map((id) => ({ 'Fn::GetAtt': [id, 'Arn'] }))),
    );
    expect(sourceArns(topicPolicy.Properties.PolicyDocument.Statement as Json[], 'sns:Publish')).toHaveLength(
      2,
    );
    const dlq = idOf('AWS::SQS::Queue', /^ScheduleDeadLetters/);
    const dlqPolicy = Object.values(template.findResources('AWS::SQS::QueuePolicy')).find(
      (p) => JSON.stringify(p.Properties.Queues) === JSON.stringify([{ Ref: dlq }]),
    );
    expect(sourceArns(dlqPolicy?.Properties.PolicyDocument.Statement as Json[], 'sqs:SendMessage')).toEqual(
      expect.arrayContaining(ruleIds.map((id) => ({ 'Fn::GetAtt': [id, 'Arn'] }))),
    );
  });

  it('lets EventBridge use the topic key for this account only', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'events.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Condition: { StringEquals: { 'aws:SourceAccount': '222222222222' } },
          }),
        ]),
      },
    });
  });

  it('has only the GuardDuty rule when trail objects do not come through the bus', () => {
    const sns = Template.fromStack(
      new SecurityAccountStack(noBundling(), 'Sns', {
        ...props,
        newObjects: { source: 'sns', topicArn: 'arn:aws:sns:us-east-1:222222222222:trail-topic' },
      }),
    );
    const rules = Object.values(
      sns.findResources('AWS::Events::Rule', {
        Properties: { EventPattern: { source: ['aws.cloudwatch'] } },
      }),
    );
    expect(rules.map((r) => r.Properties.EventPattern.detail.alarmName)).toEqual([
      ['trailalerts-forward-guardduty-findings-dlq'],
    ]);
  });

  it('follows deployment.name on both ends', () => {
    const named = Template.fromStack(
      new SecurityAccountStack(noBundling(), 'Named', { ...props, deploymentName: 'staging' }),
    );
    const names = Object.values(
      named.findResources('AWS::Events::Rule', {
        Properties: { EventPattern: { source: ['aws.cloudwatch'] } },
      }),
    ).flatMap((r) => r.Properties.EventPattern.detail.alarmName as string[]);
    expect(names.sort()).toEqual([
      'staging-forward-guardduty-findings-dlq',
      'staging-forward-trail-objects-dlq',
    ]);
  });

  it('passes cdk-nag AwsSolutions with every finding acknowledged', () => {
    expect(unacknowledgedNagFindings(stack)).toEqual([]);
  });
});

describe('heartbeats of the GuardDuty forwarding of other regions, in the security stack', () => {
  const heartbeatRules = (t: Template) =>
    t.findResources('AWS::Events::Rule', { Properties: { EventPattern: { source: ['aws.events'] } } });

  it("takes each region's heartbeats from the default bus into a sink, that account and rule only", () => {
    const rules = Object.entries(heartbeatRules(template));
    expect(rules).toHaveLength(1);
    const [id, rule] = rules[0];
    expect(rule.Properties.EventBusName).toBeUndefined();
    const pattern = rule.Properties.EventPattern as Json;
    expect(pattern).toMatchObject({
      'detail-type': ['Scheduled Event'],
      account: ['222222222222'],
      region: ['eu-west-1'],
    });
    expect(JSON.stringify(pattern.resources)).toContain(
      ':events:eu-west-1:222222222222:rule/trailalerts-forward-guardduty-findings-heartbeat',
    );
    const sink = idOf('AWS::SQS::Queue', /^OperationsHeartbeatsSink/);
    expect(rule.Properties.Targets).toEqual([
      expect.objectContaining({ Arn: { 'Fn::GetAtt': [sink, 'Arn'] } }),
    ]);
    template.hasResourceProperties('AWS::SQS::Queue', {
      MessageRetentionPeriod: 60,
      SqsManagedSseEnabled: true,
    });
    // Only that rule may send to the sink.
    const policy = Object.values(template.findResources('AWS::SQS::QueuePolicy')).find(
      (p) => JSON.stringify(p.Properties.Queues) === JSON.stringify([{ Ref: sink }]),
    );
    expect(JSON.stringify(policy?.Properties.PolicyDocument)).toContain(
      JSON.stringify({ 'Fn::GetAtt': [id, 'Arn'] }),
    );
  });

  it("alarms when a region's rule invoked nothing for an hour, missing data included, on the operations topic", () => {
    const [rule] = Object.keys(heartbeatRules(template));
    const topic = idOf('AWS::SNS::Topic', /^OperationsTopic/);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Events',
      MetricName: 'Invocations',
      Dimensions: [{ Name: 'RuleName', Value: { Ref: rule } }],
      Statistic: 'Sum',
      Period: 3600,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'breaching',
      AlarmActions: [{ Ref: topic }],
      OKActions: [{ Ref: topic }],
      AlarmDescription: Match.stringLikeRegexp('GuardDuty forwarding of eu-west-1'),
    });
  });

  it('has no heartbeat rule, sink or alarm when no other region forwards findings', () => {
    const { guardDutyForwardingRegions: _, ...homeOnly } = props;
    const alone = Template.fromStack(new SecurityAccountStack(noBundling(), 'NoBeats', homeOnly));
    expect(Object.keys(heartbeatRules(alone))).toHaveLength(0);
    alone.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { MetricName: 'Invocations' }, 0);
  });
});

describe('both ends of a deployment', () => {
  it('names in the GuardDuty forwarding stacks the alarms the security stack listens for', () => {
    const loaded = loadAccountsConfig(DELEGATED_ACCOUNTS);
    const config = loaded.config!;
    const app = noBundling();
    const deployment = buildDeployment(
      app,
      { ...config, deployment: { ...config.deployment, guardDutyRegions: ['eu-west-1', 'ap-southeast-2'] } },
      { ...DEPLOYMENT_OPTIONS, mode: 'stacks' },
    );
    const security = Template.fromStack(deployment.security!);
    const listened = Object.values(
      security.findResources('AWS::Events::Rule', {
        Properties: { EventPattern: { source: ['aws.cloudwatch'], account: [deployment.security!.account] } },
      }),
    ).flatMap((r) => r.Properties.EventPattern.detail.alarmName as string[]);
    const forwarding = deployment.guardDutyForwarding ?? [];
    expect(forwarding).toHaveLength(2);
    // The heartbeat rules the security stack expects are the ones the forwarding stacks create.
    const expected = Object.values(
      security.findResources('AWS::Events::Rule', {
        Properties: { EventPattern: { source: ['aws.events'] } },
      }),
    ).map((r) => JSON.stringify(r.Properties.EventPattern.resources));
    expect(expected).toHaveLength(2);
    for (const stack of forwarding) {
      const [beat] = Object.values(
        Template.fromStack(stack).findResources('AWS::Events::Rule', {
          Properties: { ScheduleExpression: 'rate(15 minutes)' },
        }),
      );
      const arn = `:events:${stack.region}:${stack.account}:rule/${beat.Properties.Name as string}`;
      expect(expected.filter((e) => e.includes(arn))).toHaveLength(1);
    }
    for (const stack of forwarding) {
      const names = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm')).map(
        (a) => a.Properties.AlarmName as string,
      );
      expect(names).toHaveLength(1);
      expect(listened).toContain(names[0]);
      expect(stack.account).toBe(deployment.security!.account);
    }
    expect(unacknowledgedNagFindings(app)).toEqual([]);
  });
});
