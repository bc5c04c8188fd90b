/**
 * Alarms raised outside the security account's home region reach the operations topic. A
 * CloudWatch alarm can only notify a topic of its own account and region, so each forwarding
 * rule's dead-letter alarm (stacks/constructs/bus-forwarding.ts) lives next to its queue, and a
 * second rule there forwards the alarm's "CloudWatch Alarm State Change" events to the bus the
 * forwarding rule already sends to. Here, in the home stack, one rule per bus takes those events
 * (source aws.cloudwatch, the sending account, the alarm names TrailAlerts gave them, states ALARM
 * and OK, as the home alarms notify) and publishes them to the operations topic, reshaped to the
 * fields of CloudWatch's own alarm message.
 *
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html
 */
import { Duration, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { PropsError, requireAccountId } from './validate-props';

/** The event CloudWatch sends on every state change of an alarm. */
export const ALARM_STATE_CHANGE = {
  source: 'aws.cloudwatch',
  detailType: 'CloudWatch Alarm State Change',
} as const;

/** The states that notify, as the home alarms' alarm and OK actions do. */
export const NOTIFIED_ALARM_STATES = ['ALARM', 'OK'];

/** What the name of the rule forwarding a dead-letter alarm adds to the forwarding rule's name. */
const ALARM_RULE_SUFFIX = '-dlq-alarm';

/** The dead-letter alarm of a forwarding rule: the name both ends derive from the rule's name. */
export function forwardingAlarmName(forwardingRuleName: string): string {
  return `${forwardingRuleName}-dlq`;
}

/** The rule that forwards that alarm's state changes (an EventBridge rule name: 64 characters at most). */
export function forwardingAlarmRuleName(forwardingRuleName: string): string {
  return companionRuleName(forwardingRuleName, ALARM_RULE_SUFFIX, "the dead-letter alarm's rule");
}

/** The name of a rule that goes with a forwarding rule: its name and `suffix`, 64 characters at most. */
export function companionRuleName(forwardingRuleName: string, suffix: string, what: string): string {
  const name = `${forwardingRuleName}${suffix}`;
  if (name.length > 64)
    throw new PropsError(
      'BusForwarding',
      'ruleName',
      `at most ${64 - suffix.length} characters (${what} adds ${suffix})`,
      forwardingRuleName,
    );
  return name;
}

export interface ForwardedAlarmSource {
  /** The rule's construct id. */
  id: string;
  description: string;
  /** The bus the alarm events arrive on (default: the account's default bus). */
  eventBus?: events.IEventBus;
  /** The account whose alarms they are (the event's `account`). */
  account: string;
  alarmNames: string[];
}

export interface ForwardedAlarmsProps {
  topic: sns.ITopic;
  sources: ForwardedAlarmSource[];
  /** Where EventBridge puts what it could not publish after 24 hours of retries. */
  deadLetterQueue: sqs.IQueue;
}

export class ForwardedAlarms extends Construct {
  readonly rules: events.Rule[];

  constructor(scope: Construct, id: string, props: ForwardedAlarmsProps) {
    super(scope, id);
    this.rules = props.sources.map((source) => {
      // The stack's own account is a token in an environment-agnostic stack.
      if (!Token.isUnresolved(source.account))
        requireAccountId('ForwardedAlarms', `${source.id}.account`, source.account);
      if (source.alarmNames.length === 0)
        throw new PropsError('ForwardedAlarms', `${source.id}.alarmNames`, 'at least one alarm name', []);
      return new events.Rule(this, source.id, {
        eventBus: source.eventBus,
        description: source.description,
        eventPattern: {
          source: [ALARM_STATE_CHANGE.source],
          detailType: [ALARM_STATE_CHANGE.detailType],
          account: [source.account],
          detail: { alarmName: source.alarmNames, state: { value: NOTIFIED_ALARM_STATES } },
        },
        targets: [new SourceBoundTopicTarget(props.topic, props.deadLetterQueue)],
      });
    });
  }
}

/** The fields of CloudWatch's alarm notification, so one reader serves both kinds of message. */
const ALARM_MESSAGE = events.RuleTargetInput.fromObject({
  AlarmName: events.EventField.fromPath('$.detail.alarmName'),
  AlarmDescription: events.EventField.fromPath('$.detail.configuration.description'),
  AWSAccountId: events.EventField.account,
  Region: events.EventField.region,
  NewStateValue: events.EventField.fromPath('$.detail.state.value'),
  NewStateReason: events.EventField.fromPath('$.detail.state.reason'),
  StateChangeTime: events.EventField.fromPath('$.detail.state.timestamp'),
  OldStateValue: events.EventField.fromPath('$.detail.previousState.value'),
});

/**
 * An SNS target the topic policy admits for this rule only (aws:SourceArn). CDK's SnsTopic target
 * grants sns:Publish to events.amazonaws.com unconditioned, which would let any rule publish.
 */
class SourceBoundTopicTarget implements events.IRuleTarget {
  constructor(
    private readonly topic: sns.ITopic,
    private readonly deadLetterQueue: sqs.IQueue,
  ) {}

  bind(rule: events.IRule): events.RuleTargetConfig {
    const fromRule = { ArnEquals: { 'aws:SourceArn': rule.ruleArn } };
    const service = new iam.ServicePrincipal('events.amazonaws.com');
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [service],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: fromRule,
      }),
    );
    this.deadLetterQueue.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [service],
        actions: ['sqs:SendMessage'],
        resources: [this.deadLetterQueue.queueArn],
        conditions: fromRule,
      }),
    );
    return {
      arn: this.topic.topicArn,
      targetResource: this.topic,
      input: ALARM_MESSAGE,
      deadLetterConfig: { arn: this.deadLetterQueue.queueArn },
      retryPolicy: { maximumEventAgeInSeconds: Duration.hours(24).toSeconds(), maximumRetryAttempts: 185 },
    };
  }
}
