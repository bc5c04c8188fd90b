/**
 * The custom EventBridge bus that receives "Object Created" events for trail log objects from the
 * log-archive account, and the rule that puts CloudTrail log keys (not digests, not Insights) on
 * the objects queue. The bus policy admits only the log-archive account of this organization.
 */
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
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
      targets: [new targets.SqsQueue(props.objectsQueue)],
    });
  }
}
