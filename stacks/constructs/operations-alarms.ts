/**
 * Operations alarms, published to a KMS-encrypted operations topic: every DLQ not empty, every
 * function's errors and throttles, every work queue's oldest message too old, and trail silence —
 * no trail object processed (metric TrailAlerts/ObjectsProcessed) for N minutes, where missing
 * data counts as silence. The forwarding rules' dead-letter alarms, in other regions or accounts,
 * reach the same topic as EventBridge events (forwarded-alarms.ts).
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ForwardedAlarms, type ForwardedAlarmSource } from './forwarded-alarms';
import { ForwardingHeartbeats, type ForwardingHeartbeatsProps } from './forwarding-heartbeats';
import { PropsError, requireIntInRange, requireName } from './validate-props';

export const OBJECTS_PROCESSED_METRIC = { namespace: 'TrailAlerts', metricName: 'ObjectsProcessed' } as const;

/** Any message visible in a dead-letter queue: the alarm every DLQ of the deployment has. */
export function deadLetterAlarmProps(queue: sqs.IQueue, alarmDescription: string): cloudwatch.AlarmProps {
  return {
    alarmDescription,
    metric: queue.metricApproximateNumberOfMessagesVisible({
      period: Duration.minutes(1),
      statistic: 'Maximum',
    }),
    threshold: 0,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  };
}

export interface OperationsAlarmsProps {
  encryptionKey: kms.IKey;
  alarmEmail?: string;
  deadLetterQueues: Record<string, sqs.IQueue>;
  workQueues: Record<string, sqs.IQueue>;
  functions: Record<string, lambda.IFunction>;
  /** Oldest message age that raises the alarm (default 15 minutes). */
  maxMessageAge?: Duration;
  /** Alarm when no trail object was processed for this many minutes (5–1440, multiple of 5). */
  trailSilenceMinutes: number;
  /** Dimensions the analyzer publishes ObjectsProcessed with (Powertools adds `service`). */
  objectsProcessedDimensions: Record<string, string>;
  /**
   * Failures the functions count and survive (a message retried, a fallback taken): any count
   * above zero in 5 minutes raises an alarm, since the Errors alarm never sees them.
   */
  quietFailures?: QuietFailure[];
  /**
   * Dead-letter alarms of other regions or accounts whose state changes arrive as EventBridge
   * events; published to the topic too, and what cannot be published goes to `deadLetterQueue`.
   */
  forwardedAlarms?: { sources: ForwardedAlarmSource[]; deadLetterQueue: sqs.IQueue };
  /** Heartbeats of the GuardDuty forwarding of other regions: an alarm per region when they stop. */
  forwardingHeartbeats?: ForwardingHeartbeatsProps;
}

export interface QuietFailure {
  /** Alarm id. */
  id: string;
  metricName: string;
  /** The Powertools `service` dimension of the function that emits it. */
  service: string;
  description: string;
}

export class OperationsAlarms extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: OperationsAlarmsProps) {
    super(scope, id);
    const owner = 'OperationsAlarms';
    const silence = requireIntInRange(owner, 'trailSilenceMinutes', props.trailSilenceMinutes, 5, 1440);
    if (silence % 5 !== 0)
      throw new PropsError(owner, 'trailSilenceMinutes', 'a multiple of 5 minutes', silence);
    if (props.alarmEmail !== undefined)
      requireName(
        owner,
        'alarmEmail',
        props.alarmEmail,
        /^[^@\s]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/,
        'an e-mail address',
      );

    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'TrailAlerts operations',
      masterKey: props.encryptionKey,
      enforceSSL: true,
    });
    if (props.alarmEmail !== undefined)
      this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    const action = new actions.SnsAction(this.topic);
    const add = (alarmId: string, alarmProps: cloudwatch.AlarmProps) => {
      const alarm = new cloudwatch.Alarm(this, alarmId, alarmProps);
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
      this.alarms.push(alarm);
    };

    for (const [name, dlq] of Object.entries(props.deadLetterQueues)) {
      add(
        `${name}DeadLetters`,
        deadLetterAlarmProps(dlq, `${name}: messages in the dead-letter queue (inspect, fix, redrive)`),
      );
    }
    for (const [name, queue] of Object.entries(props.workQueues)) {
      add(`${name}Backlog`, {
        alarmDescription: `${name}: oldest message waits too long (consumer failing or throttled)`,
        metric: queue.metricApproximateAgeOfOldestMessage({
          period: Duration.minutes(5),
          statistic: 'Maximum',
        }),
        threshold: (props.maxMessageAge ?? Duration.minutes(15)).toSeconds(),
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }
    for (const [name, fn] of Object.entries(props.functions)) {
      for (const [kind, metric] of [
        ['Errors', fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' })],
        ['Throttles', fn.metricThrottles({ period: Duration.minutes(5), statistic: 'Sum' })],
      ] as const) {
        add(`${name}${kind}`, {
          alarmDescription: `${name}: function ${kind.toLowerCase()}`,
          metric,
          threshold: 0,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        });
      }
    }
    for (const failure of props.quietFailures ?? []) {
      add(failure.id, {
        alarmDescription: failure.description,
        metric: new cloudwatch.Metric({
          namespace: OBJECTS_PROCESSED_METRIC.namespace,
          metricName: failure.metricName,
          dimensionsMap: { service: failure.service },
          period: Duration.minutes(5),
          statistic: 'Sum',
        }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }
    if (props.forwardedAlarms !== undefined && props.forwardedAlarms.sources.length > 0)
      new ForwardedAlarms(this, 'Forwarded', { topic: this.topic, ...props.forwardedAlarms });
    if (props.forwardingHeartbeats !== undefined && props.forwardingHeartbeats.regions.length > 0) {
      const heartbeats = new ForwardingHeartbeats(this, 'Heartbeats', props.forwardingHeartbeats);
      for (const { rule, alarm } of heartbeats.regions) add(`${rule.node.id}Heartbeats`, alarm);
    }
    add('TrailSilence', {
      alarmDescription: `No CloudTrail object processed for ${silence} minutes: the trail, the forwarding rule or the analyzer stopped`,
      metric: new cloudwatch.Metric({
        ...OBJECTS_PROCESSED_METRIC,
        dimensionsMap: props.objectsProcessedDimensions,
        period: Duration.minutes(5),
        statistic: 'Sum',
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: silence / 5,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
  }
}
