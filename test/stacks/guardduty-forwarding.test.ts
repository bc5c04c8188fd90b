/**
 * GuardDuty findings of other regions: accounts.yaml deployment.guardDutyRegions gives one stack
 * per region (other than home) in the security account, whose rule sends that region's findings
 * to the home region's default bus, where the processor's rule takes them; in pipeline mode one
 * stage each. The role may put events on that one bus only; undeliverable events wait in a DLQ.
 */
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { loadAccountsConfig, parseAccountsConfig } from '../../src/org/config';
import { validateAccountsConfig } from '../../src/org/validate';
import type { AccountsConfig } from '../../src/org/types';
import { buildDeployment } from '../../stacks/deployment';
import { GuardDutyForwardingStack } from '../../stacks/guardduty-forwarding-stack';
import { GUARDDUTY_FINDING_PATTERN } from '../../stacks/constructs/guardduty-findings';
import {
  DELEGATED_ACCOUNTS,
  allStatements,
  unacknowledgedNagFindings,
  DEPLOYMENT_OPTIONS,
  noBundling,
} from './helpers';

const options = DEPLOYMENT_OPTIONS;

function withRegions(regions: string[]): AccountsConfig {
  const loaded = loadAccountsConfig(DELEGATED_ACCOUNTS);
  const config = loaded.config!;
  return { ...config, deployment: { ...config.deployment, guardDutyRegions: regions } };
}

describe('GuardDuty forwarding stack', () => {
  const app = noBundling();
  const stack = new GuardDutyForwardingStack(app, 'Forward', {
    env: { account: '222222222222', region: 'eu-west-1' },
    homeRegion: 'us-east-1',
    ruleName: 'trailalerts-forward-guardduty-findings',
  });
  const template = Template.fromStack(stack);

  it("sends GuardDuty's findings, nothing else, to the home region's default bus with retries and a DLQ", () => {
    const rules = Object.values(
      template.findResources('AWS::Events::Rule', {
        Properties: { Name: 'trailalerts-forward-guardduty-findings' },
      }),
    );
    expect(rules).toHaveLength(1);
    const rule = rules[0].Properties as Record<string, unknown>;
    expect(rule.EventPattern).toEqual({
      source: GUARDDUTY_FINDING_PATTERN.source,
      'detail-type': GUARDDUTY_FINDING_PATTERN.detailType,
    });
    expect(rule.EventBusName).toBeUndefined();
    const [target] = rule.Targets as Record<string, unknown>[];
    expect(JSON.stringify(target.Arn)).toContain(':events:us-east-1:222222222222:event-bus/default');
    expect(target.RetryPolicy).toEqual({ MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 });
    expect(target.DeadLetterConfig).toEqual({
      Arn: { 'Fn::GetAtt': [expect.stringMatching(/^ForwardDeadLetters/), 'Arn'] },
    });
  });

  it('lets the rule put events on that bus only, and only this rule assume the role', () => {
    const statements = allStatements(template.toJSON());
    const puts = statements.filter((s) => JSON.stringify(s.statement.Action).includes('events:PutEvents'));
    expect(puts).toHaveLength(1);
    expect(JSON.stringify(puts[0].statement.Resource)).toContain(
      ':events:us-east-1:222222222222:event-bus/default',
    );
    expect(JSON.stringify(puts[0].statement.Resource)).not.toContain('*');
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Condition: {
              StringEquals: { 'aws:SourceAccount': '222222222222' },
              ArnEquals: { 'aws:SourceArn': Match.anyValue() },
            },
          },
        ],
      },
    });
    const [role] = Object.values(template.findResources('AWS::IAM::Role'));
    const trust = JSON.stringify(role.Properties.AssumeRolePolicyDocument);
    // The forwarding rule, the rule forwarding its dead-letter alarm and the heartbeat, nothing else.
    expect(trust.match(/:rule\/[\w.-]+/g)).toEqual([
      ':rule/trailalerts-forward-guardduty-findings',
      ':rule/trailalerts-forward-guardduty-findings-dlq-alarm',
      ':rule/trailalerts-forward-guardduty-findings-heartbeat',
    ]);
    expect(trust).toContain(':events:eu-west-1:222222222222:rule/trailalerts-forward-guardduty-findings');
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1209600,
    });
  });

  it("alarms on its dead-letter queue and sends the alarm's changes home, where the operations topic is", () => {
    const [dlq] = Object.keys(template.findResources('AWS::SQS::Queue'));
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'trailalerts-forward-guardduty-findings-dlq',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq, 'QueueName'] } }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
    const [alarm] = Object.keys(template.findResources('AWS::CloudWatch::Alarm'));
    const [rule] = Object.values(
      template.findResources('AWS::Events::Rule', {
        Properties: { Name: 'trailalerts-forward-guardduty-findings-dlq-alarm' },
      }),
    );
    expect(rule.Properties.EventPattern).toEqual({
      source: ['aws.cloudwatch'],
      'detail-type': ['CloudWatch Alarm State Change'],
      resources: [{ 'Fn::GetAtt': [alarm, 'Arn'] }],
      detail: { state: { value: ['ALARM', 'OK'] } },
    });
    const [target] = rule.Properties.Targets as Record<string, unknown>[];
    expect(JSON.stringify(target.Arn)).toContain(':events:us-east-1:222222222222:event-bus/default');
    expect(target.DeadLetterConfig).toBeUndefined();
    // Only the findings rule may dead-letter: a replay to the matches queue finds findings only.
    const [policy] = Object.values(template.findResources('AWS::SQS::QueuePolicy'));
    const allows = (policy.Properties.PolicyDocument.Statement as Record<string, unknown>[]).filter(
      (st) => st.Effect === 'Allow',
    );
    expect(JSON.stringify(allows)).toContain('rule/trailalerts-forward-guardduty-findings"');
    expect(JSON.stringify(allows)).not.toContain('dlq-alarm');
  });

  it('sends a heartbeat home every 15 minutes through the same role, with no retries and no DLQ', () => {
    const [rule] = Object.values(
      template.findResources('AWS::Events::Rule', {
        Properties: { Name: 'trailalerts-forward-guardduty-findings-heartbeat' },
      }),
    );
    expect(rule.Properties.ScheduleExpression).toBe('rate(15 minutes)');
    expect(rule.Properties.EventPattern).toBeUndefined();
    const [target] = rule.Properties.Targets as Record<string, unknown>[];
    expect(JSON.stringify(target.Arn)).toContain(':events:us-east-1:222222222222:event-bus/default');
    const [role] = Object.keys(template.findResources('AWS::IAM::Role'));
    expect(target.RoleArn).toEqual({ 'Fn::GetAtt': [role, 'Arn'] });
    expect(target.DeadLetterConfig).toBeUndefined();
    expect(target.RetryPolicy).toBeUndefined();
  });

  it('passes cdk-nag with every finding acknowledged', () => {
    expect(unacknowledgedNagFindings(stack)).toEqual([]);
  });

  it('refuses the home region itself and a name that is not a region', () => {
    expect(
      () =>
        new GuardDutyForwardingStack(noBundling(), 'Same', {
          env: { account: '222222222222', region: 'us-east-1' },
          homeRegion: 'us-east-1',
          ruleName: 'r',
        }),
    ).toThrow(/env.region.*a region other than the home region/);
    expect(
      () =>
        new GuardDutyForwardingStack(noBundling(), 'Bad', {
          env: { account: '222222222222', region: 'eu-west-1' },
          homeRegion: 'europe',
          ruleName: 'r',
        }),
    ).toThrow(/homeRegion.*an AWS region/);
  });
});

describe('deployment.guardDutyRegions', () => {
  it('builds one stack per region other than home, in the security account', () => {
    const app = noBundling();
    const deployment = buildDeployment(app, withRegions(['us-east-1', 'eu-west-1', 'ap-southeast-2']), {
      ...options,
      mode: 'stacks',
    });
    const stacks = deployment.guardDutyForwarding ?? [];
    expect(stacks.map((s) => [s.stackName, s.account, s.region])).toEqual([
      ['TrailAlerts-GuardDuty-eu-west-1', '222222222222', 'eu-west-1'],
      ['TrailAlerts-GuardDuty-ap-southeast-2', '222222222222', 'ap-southeast-2'],
    ]);
    expect(unacknowledgedNagFindings(app)).toEqual([]);
  });

  it('adds a stage per region after the others in pipeline mode, and none without the key', () => {
    const apps: App[] = [];
    const stages = (config: AccountsConfig) => {
      const app = noBundling();
      apps.push(app);
      const deployment = buildDeployment(app, config, { ...options, mode: 'pipeline' });
      const [pipeline] = Object.values(
        Template.fromStack(deployment.pipeline!).findResources('AWS::CodePipeline::Pipeline'),
      );
      return (pipeline.Properties.Stages as { Name: string }[]).map((s) => s.Name);
    };
    expect(stages(withRegions(['eu-west-1', 'eu-central-1']))).toEqual([
      'Source',
      'Build',
      'UpdatePipeline',
      'Assets',
      'Security',
      'MemberGrants',
      'GuardDuty-eu-west-1',
      'GuardDuty-eu-central-1',
    ]);
    expect(stages(withRegions([]))).not.toContain(expect.stringMatching(/^GuardDuty/));
    // Cross-region stages bring CodePipeline's replication support stacks: nothing unacknowledged.
    expect(unacknowledgedNagFindings(apps[0])).toEqual([]);
  });

  it('is checked by validate: a region name, each once; the home region is a notice', () => {
    const base = `organization: { id: o-exampleorg1, managementAccountId: '111111111111', securityAccountId: '222222222222', homeRegion: us-east-1 }
trail: { bucket: org-trail, accountId: '333333333333' }
destinations: {}
deployment:
  guardDutyRegions: `;
    const messages = (list: string) => {
      const loaded = parseAccountsConfig(base + list + '\n', 'accounts.yaml');
      const found = loaded.config
        ? [...loaded.diagnostics, ...validateAccountsConfig(loaded.config, { file: 'accounts.yaml' })]
        : loaded.diagnostics;
      return found.map((d) => `${d.severity} ${d.path ?? ''}: ${d.message}`);
    };
    expect(messages('[eu-west-1, us-east-1]')).toEqual([
      'notice deployment.guardDutyRegions[1]: us-east-1 is the home region: its GuardDuty findings reach the processor without forwarding',
    ]);
    expect(messages('[eu-west-1, Europe]')).toEqual([
      'error deployment.guardDutyRegions[1]: expected an AWS region, got "Europe"',
    ]);
    expect(messages('[eu-west-1, eu-west-1]').join('\n')).toMatch(
      /^error deployment\.guardDutyRegions\b.*duplicate/,
    );
  });
});
