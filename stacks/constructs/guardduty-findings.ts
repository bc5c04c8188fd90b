/**
 * GuardDuty findings into the processor: an EventBridge rule on this account's default bus that
 * puts every `GuardDuty Finding` event on the matches queue, where the processor reads it as a
 * GuardDuty alert (src/runtime/match-queue.ts decodeMatch, src/guardduty/).
 *
 * In the GuardDuty delegated administrator account, the findings of every member account are
 * published to the administrator's default bus, in the region where they were found
 * (https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings_eventbridge.html); the event
 * pattern is GuardDuty's own (https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-guardduty.html).
 * The queue admits only this rule (aws:SourceArn); events EventBridge could not deliver go to the
 * matches DLQ, like messages the processor could not use.
 */
import type * as events from 'aws-cdk-lib/aws-events';
import { Rule } from 'aws-cdk-lib/aws-events';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SourceBoundQueueTarget } from './trail-event-bus';

/** The rule's pattern: GuardDuty's findings, nothing else it sends (runtime, malware scan status). */
export const GUARDDUTY_FINDING_PATTERN: events.EventPattern = {
  source: ['aws.guardduty'],
  detailType: ['GuardDuty Finding'],
};

export interface GuardDutyFindingsProps {
  /** The processor's queue (the matches queue). */
  queue: sqs.IQueue;
  /** Where undeliverable events go (the matches DLQ). */
  deadLetterQueue: sqs.IQueue;
}

export class GuardDutyFindings extends Construct {
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: GuardDutyFindingsProps) {
    super(scope, id);
    this.rule = new Rule(this, 'Findings', {
      description: 'TrailAlerts: GuardDuty findings of every member account to the processor',
      eventPattern: GUARDDUTY_FINDING_PATTERN,
      targets: [new SourceBoundQueueTarget(props.queue, props.deadLetterQueue)],
    });
  }
}
