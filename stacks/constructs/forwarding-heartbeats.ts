/**
 * Heartbeats of the GuardDuty forwarding of other regions. A forwarding path broken for every
 * event (the home bus's policy, the role, an SCP on events:PutEvents) loses the findings and the
 * dead-letter alarm's own state changes alike, and findings are too rare for their absence to
 * say anything. So each forwarding stack also has a scheduled rule that sends an event to the
 * home default bus through the same role every HEARTBEAT_MINUTES (bus-forwarding.ts); here, in
 * the home stack, one rule per region takes that region's heartbeats into a sink queue, and an
 * alarm per region fires when its rule invoked no target for an hour (AWS/Events `Invocations`,
 * which EventBridge sends only when it is not zero, so a missing value counts as none).
 *
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html
 */
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { companionRuleName } from './forwarded-alarms';
import { PropsError, requireRegion } from './validate-props';

/** How often each forwarding stack sends a heartbeat. */
export const HEARTBEAT_MINUTES = 15;
/** A region whose forwarding sent no heartbeat for this long raises its alarm. */
export const HEARTBEAT_ALARM_PERIOD = Duration.hours(1);

/** What the heartbeat rule's name adds to the forwarding rule's name. */
const HEARTBEAT_RULE_SUFFIX = '-heartbeat';

/** The scheduled rule of a forwarding stack (an EventBridge rule name: 64 characters at most). */
export function forwardingHeartbeatRuleName(forwardingRuleName: string): string {
  return companionRuleName(forwardingRuleName, HEARTBEAT_RULE_SUFFIX, 'the heartbeat rule');
}

export interface ForwardingHeartbeatsProps {
  /** The regions whose forwarding stacks send heartbeats (never the home region). */
  regions: readonly string[];
  /** The forwarding rule's name in those stacks (the heartbeat rule's name derives from it). */
  forwardingRuleName: string;
  /** The account the heartbeats come from: this one. */
  account: string;
}

export class ForwardingHeartbeats extends Construct {
  /** Where the heartbeats end: a rule needs a target for its `Invocations` to count. */
  readonly sink: sqs.Queue;
  /** Per region, its rule and the alarm props for its heartbeats. */
  readonly regions: Array<{ region: string; rule: events.Rule; alarm: cloudwatch.AlarmProps }> = [];

  constructor(scope: Construct, id: string, props: ForwardingHeartbeatsProps) {
    super(scope, id);
    const heartbeatRule = forwardingHeartbeatRuleName(props.forwardingRuleName);
    this.sink = new sqs.Queue(this, 'Sink', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Nothing reads it: a heartbeat has said what it had to by arriving.
      retentionPeriod: Duration.minutes(1),
    });
    Validations.of(this.sink).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'Heartbeats are only counted; one that cannot be delivered is what the alarm reports',
    });
    const seen = new Set<string>();
    for (const [i, given] of props.regions.entries()) {
      const region = requireRegion('ForwardingHeartbeats', `regions[${i}]`, given);
      if (seen.has(region))
        throw new PropsError('ForwardingHeartbeats', `regions[${i}]`, 'a region listed once', region);
      seen.add(region);
      const suffix = regionId(region);
      const rule = new events.Rule(this, `From${suffix}`, {
        description: `TrailAlerts: heartbeats of the GuardDuty forwarding of ${region}`,
        eventPattern: {
          source: ['aws.events'],
          detailType: ['Scheduled Event'],
          account: [props.account],
          region: [region],
          resources: [
            Stack.of(this).formatArn({
              service: 'events',
              region,
              account: props.account,
              resource: 'rule',
              resourceName: heartbeatRule,
            }),
          ],
        },
        targets: [new targets.SqsQueue(this.sink)],
      });
      this.regions.push({
        region,
        rule,
        alarm: {
          alarmDescription:
            `No heartbeat from the GuardDuty forwarding of ${region} for an hour: its findings may not ` +
            'reach the home region (the home bus policy, the forwarding role, an SCP; docs/operations.md)',
          metric: new cloudwatch.Metric({
            namespace: 'AWS/Events',
            metricName: 'Invocations',
            dimensionsMap: { RuleName: rule.ruleName },
            period: HEARTBEAT_ALARM_PERIOD,
            statistic: 'Sum',
          }),
          threshold: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        },
      });
    }
  }
}

/** `eu-west-1` → `EuWest1`, for construct ids. */
function regionId(region: string): string {
  return region
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
