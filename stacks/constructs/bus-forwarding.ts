/**
 * An EventBridge rule that forwards matching events to an event bus of another account or region:
 * a role only that rule may assume, allowed to put events on that one bus; 24 hours of retries;
 * and a dead-letter queue (14 days) only that rule may write to. Used for trail objects
 * (log-archive account → security account) and GuardDuty findings (other regions → home region).
 *
 * The queue has an alarm (any message visible), named after the rule. An alarm can notify only a
 * topic of its own account and region, so a second rule sends the alarm's state changes to the
 * same bus through the same role; the home stack publishes them to the operations topic
 * (forwarded-alarms.ts). That rule has no dead-letter queue: its events would fail exactly when
 * the first rule's do, the queue already holds what matters, and a replay of the queue must find
 * only forwarded events in it.
 *
 * The resources are added to `scope` itself under fixed ids (not under a construct of their own),
 * so the stacks that had them before keep their logical ids.
 */
import { Duration, Validations, type Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import {
  ALARM_STATE_CHANGE,
  NOTIFIED_ALARM_STATES,
  forwardingAlarmName,
  forwardingAlarmRuleName,
} from './forwarded-alarms';
import { forwardingHeartbeatRuleName, HEARTBEAT_MINUTES } from './forwarding-heartbeats';
import { deadLetterAlarmProps } from './operations-alarms';

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
  /**
   * Also send a scheduled event to the bus every HEARTBEAT_MINUTES, through the same role, so that
   * the receiving side notices a path broken for every event (forwarding-heartbeats.ts).
   */
  heartbeat?: boolean;
}

export interface BusForwarding {
  rule: events.CfnRule;
  role: iam.Role;
  deadLetterQueue: sqs.Queue;
  /** Any message in the dead-letter queue. */
  deadLetterAlarm: cloudwatch.Alarm;
  /** Forwards the alarm's state changes to the bus. */
  alarmRule: events.CfnRule;
  /** Sends a heartbeat to the bus (when asked for). */
  heartbeatRule?: events.CfnRule;
}

export function addBusForwarding(scope: Stack, props: BusForwardingProps): BusForwarding {
  const alarmRuleName = forwardingAlarmRuleName(props.ruleName);
  const ruleArn = scope.formatArn({ service: 'events', resource: 'rule', resourceName: props.ruleName });
  const alarmRuleArn = scope.formatArn({ service: 'events', resource: 'rule', resourceName: alarmRuleName });
  const heartbeatRuleName = props.heartbeat ? forwardingHeartbeatRuleName(props.ruleName) : undefined;
  const heartbeatRuleArn =
    heartbeatRuleName === undefined
      ? undefined
      : scope.formatArn({ service: 'events', resource: 'rule', resourceName: heartbeatRuleName });
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
        ArnEquals: {
          'aws:SourceArn': [ruleArn, alarmRuleArn, ...(heartbeatRuleArn ? [heartbeatRuleArn] : [])],
        },
      },
    }),
  });
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [props.busArn] }),
  );
  const toBus = {
    id: props.targetId,
    arn: props.busArn,
    roleArn: role.roleArn,
    retryPolicy: { maximumEventAgeInSeconds: 86_400, maximumRetryAttempts: 185 },
  };
  const rule = new events.CfnRule(scope, props.ruleId, {
    name: props.ruleName,
    description: props.ruleDescription,
    eventPattern: props.eventPattern,
    state: 'ENABLED',
    targets: [{ ...toBus, deadLetterConfig: { arn: deadLetterQueue.queueArn } }],
  });
  const deadLetterAlarm = new cloudwatch.Alarm(scope, 'ForwardDeadLettersAlarm', {
    ...deadLetterAlarmProps(
      deadLetterQueue,
      `TrailAlerts: events the rule ${props.ruleName} could not deliver to ${props.busArn} (docs/operations.md)`,
    ),
    alarmName: forwardingAlarmName(props.ruleName),
  });
  const alarmRule = new events.CfnRule(scope, `${props.ruleId}DlqAlarm`, {
    name: alarmRuleName,
    description: `TrailAlerts: state changes of the alarm on the ${props.ruleName} dead-letter queue, to the same bus`,
    eventPattern: {
      source: [ALARM_STATE_CHANGE.source],
      'detail-type': [ALARM_STATE_CHANGE.detailType],
      resources: [deadLetterAlarm.alarmArn],
      detail: { state: { value: NOTIFIED_ALARM_STATES } },
    },
    state: 'ENABLED',
    targets: [toBus],
  });
  // No retries, no dead-letter queue: a heartbeat that cannot be delivered is the news.
  const heartbeatRule =
    heartbeatRuleName === undefined
      ? undefined
      : new events.CfnRule(scope, `${props.ruleId}Heartbeat`, {
          name: heartbeatRuleName,
          description: `TrailAlerts: a heartbeat every ${HEARTBEAT_MINUTES} minutes through the ${props.ruleName} path`,
          scheduleExpression: `rate(${HEARTBEAT_MINUTES} minutes)`,
          state: 'ENABLED',
          targets: [{ id: props.targetId, arn: props.busArn, roleArn: role.roleArn }],
        });
  return { rule, role, deadLetterQueue, deadLetterAlarm, alarmRule, heartbeatRule };
}
