/**
 * The names of every named resource of a deployment, all derived from one prefix
 * (accounts.yaml deployment.name, default `trailalerts`), so that a second deployment in the same
 * accounts (a staging copy, a second organization) never collides with the first. Roles, the bus
 * and the reader role are named because other accounts' policies refer to them by ARN.
 */
import { DEFAULT_DEPLOYMENT_NAME, huntBucketName, huntStateMachineName } from '../src/hunt';
import { PropsError } from './constructs/validate-props';

/** Short enough for every derived name (hunt bucket: 63 characters with account and region). */
const DEPLOYMENT_NAME = /^[a-z][a-z0-9-]{0,19}$/;

export interface ResourceNames {
  /** The deployment name itself. */
  deployment: string;
  analyzerRole: string;
  processorRole: string;
  huntWorkerRole: string;
  pollerRole: string;
  /** The reader role in the log-archive account. */
  trailReaderRole: string;
  eventBus: string;
  /** The log-archive account's rule forwarding trail objects to the bus. */
  forwardRule: string;
  /** The security account's rule, in each other region, forwarding GuardDuty findings home. */
  guardDutyForwardRule: string;
  stackSet: string;
  keyAlias: string;
  stateMachine: string;
  pipeline: string;
  huntBucket(account: string, region: string): string;
}

export function resourceNames(name: string = DEFAULT_DEPLOYMENT_NAME): ResourceNames {
  if (!DEPLOYMENT_NAME.test(name))
    throw new PropsError(
      'accounts.yaml',
      'deployment.name',
      'a lower-case name of 1 to 20 letters, digits or hyphens, starting with a letter',
      name,
    );
  return {
    deployment: name,
    analyzerRole: `${name}-analyzer`,
    processorRole: `${name}-processor`,
    huntWorkerRole: `${name}-hunt-worker`,
    pollerRole: `${name}-poller`,
    trailReaderRole: `${name}-trail-reader`,
    eventBus: `${name}-trail-objects`,
    forwardRule: `${name}-forward-trail-objects`,
    guardDutyForwardRule: `${name}-forward-guardduty-findings`,
    stackSet: `${name}-member-grants`,
    keyAlias: name,
    stateMachine: huntStateMachineName(name),
    pipeline: name,
    huntBucket: (account, region) => huntBucketName(name, account, region),
  };
}
