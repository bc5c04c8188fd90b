/**
 * An EventBridge rule that forwards matching events to an event bus of another account or region:
 * a role only that rule may assume, allowed to put events on that one bus; 24 hours of retries;
 * and a dead-letter queue (14 days) only that rule may write to. Used for trail objects
 * (log-archive account → security account) and GuardDuty findings (other regions → home region).
 *
 * The resources are added to `scope` itself under fixed ids (not under a construct of their own),
 * so the stacks that had them before keep their logical ids.
 */
import { Duration, Validations, type Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';

export interface BusForwardingProps {
  ruleName: string;
  /** The rule's construct id. */
  ruleId: string;
  ruleDescription: string;
  roleDescription: string;
  /** The pattern as CloudFormation takes it (`detail-type`, not `detailType`). */
  eventPattern: Record<string, unknown>;
  busArn: string;
  /** The target's id within the rule. */
  targetId: string;
}

export interface BusForwarding {
  rule: events.CfnRule;
  role: iam.Role;
  deadLetterQueue: sqs.Queue;
}

export function addBusForwarding(scope: Stack, props: BusForwardingProps): BusForwarding {
  const ruleArn = scope.formatArn({ service: 'events', resource: 'rule', resourceName: props.ruleName });
  const deadLetterQueue = new sqs.Queue(scope, 'ForwardDeadLetters', {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  deadLetterQueue.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'ForwardingRuleDeadLetters',
      principals: [new iam.ServicePrincipal('events.amazonaws.com')],
      actions: ['sqs:SendMessage'],
      resources: [deadLetterQueue.queueArn],
      conditions: { ArnEquals: { 'aws:SourceArn': ruleArn } },
    }),
  );
  Validations.of(deadLetterQueue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason: 'This queue is the forwarding rule dead-letter queue itself',
  });
  const role = new iam.Role(scope, 'ForwardRole', {
    description: props.roleDescription,
    assumedBy: new iam.ServicePrincipal('events.amazonaws.com', {
      conditions: {
        StringEquals: { 'aws:SourceAccount': scope.account },
        ArnEquals: { 'aws:SourceArn': ruleArn },
      },
    }),
  });
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [props.busArn] }),
  );
  const rule = new events.CfnRule(scope, props.ruleId, {
    name: props.ruleName,
    description: props.ruleDescription,
    eventPattern: props.eventPattern,
    state: 'ENABLED',
    targets: [
      {
        id: props.targetId,
        arn: props.busArn,
        roleArn: role.roleArn,
        deadLetterConfig: { arn: deadLetterQueue.queueArn },
        retryPolicy: { maximumEventAgeInSeconds: 86_400, maximumRetryAttempts: 185 },
      },
    ],
  });
  return { rule, role, deadLetterQueue };
}
