/**
 * GuardDuty findings of one more region, forwarded to the home region. GuardDuty publishes a
 * finding to the default bus of the region it was found in, and only there; the processor's rule
 * is on the home region's default bus (stacks/constructs/guardduty-findings.ts). This stack, in
 * the security account and one other region, sends that region's findings to the home region's
 * default bus (same account: the rule's role is the only permission needed), where they arrive
 * with their own source and detail type. EventBridge retries for 24 hours; what it still cannot
 * deliver waits in this region's dead-letter queue (14 days), whose alarm's state changes go home
 * the same way, to the operations topic (stacks/constructs/forwarded-alarms.ts). A heartbeat goes
 * home the same way every 15 minutes, so that a path broken for every event raises an alarm there
 * too (stacks/constructs/forwarding-heartbeats.ts).
 *
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-region.html
 */
import { Stack, type StackProps } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { addBusForwarding } from './constructs/bus-forwarding';
import { GUARDDUTY_FINDING_PATTERN } from './constructs/guardduty-findings';
import { PropsError, requireName, requireRegion } from './constructs/validate-props';

export interface GuardDutyForwardingStackProps extends StackProps {
  /** The security account and the region whose findings are forwarded. */
  env: { account: string; region: string };
  /** The home region, where the processor's GuardDuty rule is. */
  homeRegion: string;
  /** The forwarding rule's name (resource-names.ts guardDutyForwardRule). */
  ruleName: string;
}

const OWNER = 'GuardDutyForwardingStack';

export class GuardDutyForwardingStack extends Stack {
  readonly rule: events.CfnRule;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: GuardDutyForwardingStackProps) {
    super(scope, id, props);
    const region = requireRegion(OWNER, 'env.region', props.env.region);
    const home = requireRegion(OWNER, 'homeRegion', props.homeRegion);
    if (region === home)
      throw new PropsError(OWNER, 'env.region', 'a region other than the home region', region);
    const ruleName = requireName(
      OWNER,
      'ruleName',
      props.ruleName,
      /^[\w.-]{1,64}$/,
      'an EventBridge rule name',
    );
    const homeBus = `arn:${this.partition}:events:${home}:${this.account}:event-bus/default`;
    ({ rule: this.rule, deadLetterQueue: this.deadLetterQueue } = addBusForwarding(this, {
      ruleName,
      ruleId: 'ForwardFindings',
      ruleDescription: `TrailAlerts: GuardDuty findings of ${region} to the home region ${home}`,
      roleDescription: `TrailAlerts: EventBridge forwards GuardDuty findings of ${region} to ${home}`,
      eventPattern: {
        source: GUARDDUTY_FINDING_PATTERN.source,
        'detail-type': GUARDDUTY_FINDING_PATTERN.detailType,
      },
      busArn: homeBus,
      targetId: 'HomeRegionBus',
      heartbeat: true,
    }));
  }
}
