/**
 * Construction-time checks of construct props. Each failure names the construct, the prop path
 * and what was expected, so a wrong accounts.yaml value fails `cdk synth` with a readable message.
 */
import { TrailAlertsError } from '../../src/core';

export class PropsError extends TrailAlertsError {
  constructor(owner: string, path: string, expected: string, actual: unknown) {
    super(`${owner}: ${path} — expected ${expected}, got ${JSON.stringify(actual)}`);
  }
}

export function requireAccountId(owner: string, path: string, value: unknown): string {
  if (typeof value !== 'string' || !/^\d{12}$/.test(value))
    throw new PropsError(owner, path, 'a 12-digit AWS account id in quotes', value);
  return value;
}

export function requireOrganizationId(owner: string, path: string, value: unknown): string {
  if (typeof value !== 'string' || !/^o-[a-z0-9]{10,32}$/.test(value))
    throw new PropsError(owner, path, 'an organization id like o-abcd123456', value);
  return value;
}

export function requireRegion(owner: string, path: string, value: unknown): string {
  if (typeof value !== 'string' || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(value))
    throw new PropsError(owner, path, 'an AWS region such as us-east-1', value);
  return value;
}

export function requireBucketName(owner: string, path: string, value: unknown): string {
  if (typeof value !== 'string' || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(value))
    throw new PropsError(owner, path, 'an S3 bucket name', value);
  return value;
}

/** A key prefix before `AWSLogs/`: empty, or segments without leading/trailing slashes. */
export function requireKeyPrefix(owner: string, path: string, value: unknown): string {
  if (value === undefined || value === '') return '';
  if (typeof value !== 'string' || !/^[A-Za-z0-9!_.()'-]+(\/[A-Za-z0-9!_.()'-]+)*$/.test(value)) {
    throw new PropsError(
      owner,
      path,
      'a key prefix without leading or trailing slash (e.g. o-abcd123456)',
      value,
    );
  }
  return value;
}

export function requireArn(owner: string, path: string, value: unknown, service: string): string {
  if (typeof value !== 'string' || !new RegExp(`^arn:aws[a-z-]*:${service}:`).test(value))
    throw new PropsError(owner, path, `an ${service} ARN`, value);
  return value;
}

export function requireIntInRange(
  owner: string,
  path: string,
  value: unknown,
  min: number,
  max: number,
): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new PropsError(owner, path, `an integer from ${min} to ${max}`, value);
  }
  return value;
}

export function requireName(
  owner: string,
  path: string,
  value: unknown,
  pattern: RegExp,
  expected: string,
): string {
  if (typeof value !== 'string' || !pattern.test(value)) throw new PropsError(owner, path, expected, value);
  return value;
}

/** `<prefix>/AWSLogs/` or `AWSLogs/`: where CloudTrail writes log objects in the bucket. */
export function trailLogsKeyPrefix(prefix: string): string {
  return prefix === '' ? 'AWSLogs/' : `${prefix}/AWSLogs/`;
}

/**
 * The EventBridge content filter for CloudTrail log object keys: `.../CloudTrail/...json.gz`
 * under the trail prefix. Digest (`CloudTrail-Digest/`) and Insights (`CloudTrail-Insight/`)
 * keys do not contain `/CloudTrail/` and so never match.
 */
export function trailLogKeyWildcard(prefix: string): string {
  return `${trailLogsKeyPrefix(prefix)}*/CloudTrail/*.json.gz`;
}
