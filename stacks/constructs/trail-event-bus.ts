/**
 * The custom EventBridge bus that receives "Object Created" events for trail log objects from the
 * log-archive account, and the rule that puts CloudTrail log keys (not digests, not Insights) on
 * the objects queue. The bus policy admits only the log-archive account of this organization; the
 * queue admits only this rule (aws:SourceArn), and undeliverable events go to the dead-letter queue.
 */
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  requireAccountId,
  requireBucketName,
  requireKeyPrefix,
  requireName,
  requireOrganizationId,
  trailLogKeyWildcard,
} from './validate-props';

export interface TrailEventBusProps {
  eventBusName: string;
  organizationId: string;
  logArchiveAccountId: string;
  trailBucket: string;
  /** Key prefix before `AWSLogs/` ('' for none). */
  trailPrefix: string;
  objectsQueue: sqs.IQueue;
  /** Where events the rule could not deliver go (the objects DLQ). */
  deadLetterQueue: sqs.IQueue;
}

/** The event pattern shared by the forwarding rule (log archive) and the bus rule (here). */
export function trailObjectCreatedPattern(bucket: string, prefix: string): events.EventPattern {
  return {
    source: ['aws.s3'],
    detailType: ['Object Created'],
    detail: {
      bucket: { name: [bucket] },
      object: { key: events.Match.wildcard(trailLogKeyWildcard(prefix)) },
    },
  };
}

export class TrailEventBus extends Construct {
  readonly bus: events.EventBus;
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: TrailEventBusProps) {
    super(scope, id);
    const owner = 'TrailEventBus';
    requireName(owner, 'eventBusName', props.eventBusName, /^[A-Za-z0-9._-]{1,256}$/, 'an event bus name');
    const orgId = requireOrganizationId(owner, 'organizationId', props.organizationId);
    const logArchive = requireAccountId(owner, 'logArchiveAccountId', props.logArchiveAccountId);
    const bucket = requireBucketName(owner, 'trailBucket', props.trailBucket);
    const prefix = requireKeyPrefix(owner, 'trailPrefix', props.trailPrefix);

    this.bus = new events.EventBus(this, 'Bus', { eventBusName: props.eventBusName });
    this.bus.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'LogArchiveForwardsTrailObjects',
        principals: [new iam.AccountPrincipal(logArchive)],
        actions: ['events:PutEvents'],
        resources: [this.bus.eventBusArn],
        conditions: { StringEquals: { 'aws:PrincipalOrgID': orgId } },
      }),
    );
    this.rule = new events.Rule(this, 'TrailObjectCreated', {
      eventBus: this.bus,
      description: 'CloudTrail log objects created in the organization trail bucket',
      eventPattern: { ...trailObjectCreatedPattern(bucket, prefix), account: [logArchive] },
      targets: [new SourceBoundQueueTarget(props.objectsQueue, props.deadLetterQueue)],
    });
  }
}

/**
 * An SQS target whose queue policies admit EventBridge for this rule only. CDK's SqsQueue target
 * leaves the grant unconditioned for KMS-encrypted queues, which would let any rule send.
 */
export class SourceBoundQueueTarget implements events.IRuleTarget {
  constructor(
    private readonly queue: sqs.IQueue,
    private readonly deadLetterQueue: sqs.IQueue,
  ) {}

  bind(rule: events.IRule): events.RuleTargetConfig {
    for (const [sid, queue] of [
      ['RuleDelivers', this.queue],
      ['RuleDeadLetters', this.deadLetterQueue],
    ] as const) {
      queue.addToResourcePolicy(
        new iam.PolicyStatement({
          sid,
          principals: [new iam.ServicePrincipal('events.amazonaws.com')],
          actions: ['sqs:SendMessage'],
          resources: [queue.queueArn],
          conditions: { ArnEquals: { 'aws:SourceArn': rule.ruleArn } },
        }),
      );
    }
    return {
      arn: this.queue.queueArn,
      targetResource: this.queue,
      deadLetterConfig: { arn: this.deadLetterQueue.queueArn },
      retryPolicy: { maximumEventAgeInSeconds: Duration.hours(24).toSeconds(), maximumRetryAttempts: 185 },
    };
  }
}
