/**
 * Decides whether a rule's logsource is AWS CloudTrail. `product: aws, service: cloudtrail` is
 * the standard spelling; TrailAlerts writes `product: aws` with the AWS service the rule watches
 * (`service: iam`, `ec2`, `s3` …) and reads every such rule as CloudTrail, so we do too, saying so.
 */
import { entryOf, type SourceNode } from './yaml-documents';

export interface LogsourceVerdict {
  ok: boolean;
  /** What the logsource says, for the notice of a skipped rule. */
  found: string;
  /** Set when ok only in TrailAlerts' dialect: the AWS service named instead of `cloudtrail`. */
  awsService?: string;
}

// AWS log feeds other than CloudTrail: a rule over them cannot match a CloudTrail record.
const NOT_CLOUDTRAIL = new Set([
  'vpcflowlogs',
  'flowlogs',
  'vpc_flow_logs',
  'guardduty',
  'securityhub',
  'waf',
  'elb',
  'alb',
  'cloudfront',
  's3access',
  's3_access_logs',
  'route53_query_logs',
]);

// A service name as TrailAlerts writes it: one word of letters, digits, `-` or `_`.
const SERVICE_NAME = /^[a-z][a-z0-9_-]*$/;

function text(node: SourceNode | undefined): string | undefined {
  if (!node || node.kind !== 'scalar' || node.value === null) return undefined;
  return String(node.value).trim().toLowerCase();
}

/** Whether a document's logsource is AWS CloudTrail (case-insensitive). */
export function cloudTrailLogsource(root: SourceNode): LogsourceVerdict {
  const logsource = entryOf(root, 'logsource')?.value;
  const product = text(entryOf(logsource, 'product')?.value);
  const service = text(entryOf(logsource, 'service')?.value);
  const category = text(entryOf(logsource, 'category')?.value);
  const found = `product ${product ?? '(none)'}, service ${service ?? '(none)'}${category ? `, category ${category}` : ''}`;
  if (product !== 'aws' || service === undefined) return { ok: false, found };
  if (service === 'cloudtrail') return { ok: true, found };
  // A category (process_creation …) or a known other log feed is not an API call record.
  if (category !== undefined || NOT_CLOUDTRAIL.has(service) || !SERVICE_NAME.test(service))
    return { ok: false, found };
  return { ok: true, found, awsService: service };
}
