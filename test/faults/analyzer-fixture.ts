/**
 * What the analyzer fault scenarios share: a small organization whose Production OU runs a rule
 * set of its own (the root runs only `baseline`), its rules, log objects, a mocked S3 bucket, SQS
 * messages and a queue that redelivers as SQS does, all around the real analyzer handler.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { createAnalyzerHandler, type AnalyzerHandlerDeps } from '../../src/analyzer/handler';
import { parseAccountsConfig } from '../../src/org/config';
import type { AccountDirectory } from '../../src/org/directory';
import type { AccountsConfig } from '../../src/org/types';
import { buildPolicy, loadDetectionContent } from '../../src/runtime/build';
import type { Runtime } from '../../src/runtime/runtime';

export const BUCKET = 'org-trail-logs';
export const PROD = '444455556666';
export const STOP_ID = '0f5a6c1e-1111-4a11-8a11-000000000001';
export const SECRET_ID = '0f5a6c1e-2222-4a22-8a22-000000000002';

/** Rule sets: the root runs only the StopLogging rule; /Workloads/Production adds the secrets rule. */
export const CONFIG = `
organization:
  id: o-faults00001
  managementAccountId: '111111111111'
  securityAccountId: '222222222222'
  homeRegion: us-east-1
  accountDirectory: { source: organizations, cacheTtlMinutes: 60 }
trail: { bucket: ${BUCKET}, accountId: '333333333333' }
destinations: { soc: { type: email, from: a@example.com, to: [b@example.com] } }
ruleSets:
  baseline: { rules: ['${STOP_ID}'] }
  production: { rules: ['${SECRET_ID}'] }
organizationalUnits:
  /: { ruleSets: [baseline], routes: [{ to: [soc] }] }
  /Workloads/Production: { ruleSets: [production] }
`;

const rule = (id: string, title: string, source: string, name: string) => `title: ${title}
id: ${id}
status: test
logsource: { product: aws, service: cloudtrail }
detection:
  selection: { eventSource: ${source}, eventName: ${name} }
  condition: selection
level: high
`;

export interface Fixture {
  config: AccountsConfig;
  rulesDir: string;
  runtime(directory: AccountDirectory): Runtime;
}

export function fixture(): Fixture {
  const rulesDir = mkdtempSync(join(tmpdir(), 'ta-faults-'));
  writeFileSync(
    join(rulesDir, 'stop.yml'),
    rule(STOP_ID, 'Trail logging stopped', 'cloudtrail.amazonaws.com', 'StopLogging'),
  );
  writeFileSync(
    join(rulesDir, 'secret.yml'),
    rule(SECRET_ID, 'Production secret read', 'secretsmanager.amazonaws.com', 'GetSecretValue'),
  );
  const { config, diagnostics } = parseAccountsConfig(CONFIG, 'accounts.yaml');
  if (!config) throw new Error(`fixture config: ${JSON.stringify(diagnostics)}`);
  const content = loadDetectionContent([rulesDir], config);
  if (content.bundle.rules.length !== 2) throw new Error('fixture rules did not load');
  return {
    config,
    rulesDir,
    runtime: (directory) => ({
      config,
      content,
      policy: buildPolicy(config, content, rulesDir),
      directory,
    }),
  };
}

export function event(id: string, source: string, name: string, extra: Record<string, unknown> = {}) {
  return {
    eventVersion: '1.10',
    eventID: id,
    eventTime: '2026-11-20T10:10:27Z',
    eventSource: source,
    eventName: name,
    awsRegion: 'us-east-1',
    sourceIPAddress: '198.51.100.9',
    userAgent: 'aws-cli/2.22.4',
    recipientAccountId: PROD,
    userIdentity: { type: 'IAMUser', arn: `arn:aws:iam::${PROD}:user/alice`, accountId: PROD },
    requestParameters: { name: 'x' },
    responseElements: null,
    ...extra,
  };
}

export const stopLogging = (id: string, extra: Record<string, unknown> = {}) =>
  event(id, 'cloudtrail.amazonaws.com', 'StopLogging', extra);
export const secretRead = (id: string) => event(id, 'secretsmanager.amazonaws.com', 'GetSecretValue');

export const key = (name: string) =>
  `AWSLogs/o-faults00001/${PROD}/CloudTrail/us-east-1/2026/11/20/${PROD}_CloudTrail_us-east-1_20261120T1010Z_${name}.json.gz`;

export const logObject = (...records: unknown[]) => gzipSync(JSON.stringify({ Records: records }));

/** Serves `objects` (key → gzip body) through a mocked S3 client's GetObject. */
export function serveObjects(s3: AwsClientStub<S3Client>, objects: Map<string, Buffer>): void {
  s3.on(GetObjectCommand).callsFake((input: { Key: string }) => {
    const body = objects.get(input.Key);
    if (!body) throw Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey' });
    return { Body: Readable.from([body]), ContentLength: body.length };
  });
}

/** An objects-queue message for `key` (an S3 event, as EventBridge forwards it). */
export const objectMessage = (objectKey: string) =>
  JSON.stringify({
    'detail-type': 'Object Created',
    source: 'aws.s3',
    detail: { bucket: { name: BUCKET }, object: { key: objectKey } },
  });

export const context = { getRemainingTimeInMillis: () => 60_000 } as unknown as Context;

type Handler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/**
 * One delivery of `bodies` as an SQS batch. What SQS does next: the failed items (or, when the
 * handler threw, every item) come back.
 */
export async function deliver(
  handler: Handler,
  bodies: string[],
): Promise<{ failed: string[]; threw?: Error; response?: SQSBatchResponse }> {
  const records = bodies.map((body, i) => ({
    messageId: `m${i}`,
    receiptHandle: `rh${i}`,
    body,
    attributes: { ApproximateReceiveCount: '1' },
    eventSource: 'aws:sqs',
  }));
  try {
    const response = await handler({ Records: records } as unknown as SQSEvent, context);
    const ids = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
    return { failed: bodies.filter((_b, i) => ids.has(`m${i}`)), response };
  } catch (err) {
    return { failed: bodies, threw: err as Error };
  }
}

/** One flush of the handler's metrics: each metric's values, and the dimension sets. */
export interface PublishedMetrics {
  values: Record<string, number[]>;
  dimensions: string[][];
}

/** A Metrics instance that keeps what each publishStoredMetrics() flushed (as EMF would carry it). */
export function recordingMetrics(): {
  metrics: Metrics;
  published: PublishedMetrics[];
  sum(name: string): number;
} {
  const metrics = new Metrics({ namespace: 'faults', serviceName: 'analyzer' });
  const published: PublishedMetrics[] = [];
  const publish = metrics.publishStoredMetrics.bind(metrics);
  metrics.publishStoredMetrics = () => {
    if (metrics.hasStoredMetrics()) {
      const emf = metrics.serializeMetrics() as unknown as Record<string, unknown> & {
        _aws: { CloudWatchMetrics: { Dimensions: string[][]; Metrics: { Name: string }[] }[] };
      };
      const directive = emf._aws.CloudWatchMetrics[0];
      const values: Record<string, number[]> = {};
      for (const { Name } of directive.Metrics) {
        const v = emf[Name] as number | number[];
        values[Name] = Array.isArray(v) ? v : [v];
      }
      published.push({ values, dimensions: directive.Dimensions });
      metrics.clearMetrics();
      return metrics;
    }
    return publish();
  };
  const sum = (name: string) => published.flatMap((p) => p.values[name] ?? []).reduce((a, b) => a + b, 0);
  return { metrics, published, sum };
}

export const MATCHES_QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/222222222222/matches';

/**
 * The real analyzer handler over S3 and SQS clients the tests mock (aws-sdk-client-mock), silent,
 * sending to MATCHES_QUEUE_URL; `deps` overrides any of it (runtime, metrics, clock, logger …).
 */
export function analyzerHandler(deps: Partial<AnalyzerHandlerDeps> & Pick<AnalyzerHandlerDeps, 'runtime'>) {
  return createAnalyzerHandler({
    s3: new S3Client({ region: 'us-east-1' }),
    sqs: new SQSClient({ region: 'us-east-1' }),
    matchesQueueUrl: MATCHES_QUEUE_URL,
    logger: new Logger({ logLevel: 'SILENT' }),
    ...deps,
  });
}
