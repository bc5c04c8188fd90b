/**
 * What the processor fault scenarios share: the REAL processor handler (createProcessorHandler)
 * in "containers", each with its own clients, over one dynalite state table (the world's), with
 * SES and SNS mocked per container and one wall clock for the state that tests move.
 *
 * A kill: from that instant every call the container makes (DynamoDB, SES, SNS) hangs forever,
 * so nothing more is sent or written, and its run is abandoned, as when Lambda kills a sandbox.
 * SQS then delivers the same message again, after the visibility timeout, to a FRESH container.
 *
 * Destinations: soc and audit (SES, two addresses) and pager (SNS); every alert goes to all
 * three. Each scenario uses actors of its own (grouping is per rule, account and actor).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { receiptKey } from '../../src/alerts/delivery-receipts';
import { parseAccountsConfig } from '../../src/org/config';
import { StaticAccountDirectory } from '../../src/org/directory';
import { Analyzer } from '../../src/runtime/analyze';
import { buildPolicy, type DetectionContent } from '../../src/runtime/build';
import { encodeMatch } from '../../src/runtime/match-queue';
import type { Runtime } from '../../src/runtime/runtime';
import { createProcessorHandler, type ProcessorHandler } from '../../src/processor/handler';
import { parseRules } from '../../src/sigma/index';
import { startStateTable, type LocalStateTable } from '../helpers/dynalite';

export const PROD = '444455556666';
export const DESTINATIONS = ['soc', 'audit', 'pager'] as const;
export type DestinationName = (typeof DESTINATIONS)[number];
/** The matches queue's visibility timeout: when SQS delivers a failed or abandoned message again. */
export const VISIBILITY_TIMEOUT_MS = 6 * 60_000;

const RULES = `
title: Trail Logging Stopped
id: 7c1f0a52-0d3e-4c1a-9a7e-5b2d3c4e5f01
logsource: { product: aws, service: cloudtrail }
detection:
  sel: { eventSource: cloudtrail.amazonaws.com, eventName: StopLogging }
  condition: sel
level: high
---
title: Console Login Failed
id: 7c1f0a52-0d3e-4c1a-9a7e-5b2d3c4e5f02
name: failed_login
logsource: { product: aws, service: cloudtrail }
detection:
  sel: { eventSource: signin.amazonaws.com, eventName: ConsoleLogin, errorMessage: Failed authentication }
  condition: sel
level: low
---
title: Brute Force Alpha
id: 7c1f0a52-0d3e-4c1a-9a7e-5b2d3c4e5f03
correlation:
  type: event_count
  rules: [failed_login]
  group-by: [userIdentity.arn]
  timespan: 10m
  condition: { gte: 2 }
level: high
---
title: Brute Force Beta
id: 7c1f0a52-0d3e-4c1a-9a7e-5b2d3c4e5f04
correlation:
  type: event_count
  rules: [failed_login]
  group-by: [sourceIPAddress]
  timespan: 10m
  condition: { gte: 2 }
level: high
`;

const CONFIG = `
organization: { id: o-faults00002, managementAccountId: '111111111111', securityAccountId: '222222222222', homeRegion: us-east-1 }
trail: { bucket: trail, accountId: '333333333333' }
destinations:
  soc: { type: email, from: alerts@example.com, to: [soc@example.com] }
  audit: { type: email, from: alerts@example.com, to: [audit@example.com] }
  pager: { type: sns, topicArn: 'arn:aws:sns:us-east-1:222222222222:pager' }
enrichment:
  ipContext: { provider: vpnapi, apiKeySecret: trailalerts/vpnapi }
organizationalUnits:
  /: { routes: [{ to: [soc, audit, pager] }], cooldownMinutes: 60 }
accounts:
  '${PROD}': { name: payments-prod, ou: /Production }
`;

/** A CloudTrail record by `actor`; private source IPs are never looked up (VPNAPI). */
export function record(
  id: string,
  actor: string,
  fields: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    eventVersion: '1.10',
    eventID: id,
    eventTime: '2026-11-20T10:00:00Z',
    eventSource: 'cloudtrail.amazonaws.com',
    eventName: 'StopLogging',
    awsRegion: 'us-east-1',
    sourceIPAddress: '10.0.0.9',
    recipientAccountId: PROD,
    requestParameters: { name: `arn:aws:cloudtrail:us-east-1:${PROD}:trail/${actor}` },
    userIdentity: { type: 'IAMUser', arn: `arn:aws:iam::${PROD}:user/${actor}`, accountId: PROD },
    ...fields,
  };
}

export const stopLogging = (id: string, actor: string) => record(id, actor);

/** A failed console sign-in (both brute-force correlations count it). */
export const failedLogin = (id: string, actor: string, time: string, ip: string) =>
  record(id, actor, {
    eventSource: 'signin.amazonaws.com',
    eventName: 'ConsoleLogin',
    eventTime: time,
    errorMessage: 'Failed authentication',
    sourceIPAddress: ip,
    requestParameters: null,
  });

/** A send that completed at a mocked SES or SNS. */
export interface Delivery {
  to: DestinationName;
  subject: string;
}

/** What a mocked send does: complete, never answer, or fail with the error. */
export type SendBehaviour = 'ok' | 'hang' | Error;
export type DynamoFault = 'throttle' | 'hang' | undefined;

export const throttled = (): Error =>
  Object.assign(new Error('Rate of requests exceeds the allowed throughput'), {
    name: 'ProvisionedThroughputExceededException',
    $metadata: { httpStatusCode: 400 },
  });

const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

/** Metrics as the handler adds them, counted; nothing printed. */
export class RecordingMetrics extends Metrics {
  readonly counts = new Map<string, number>();
  constructor() {
    super({ namespace: 'test', serviceName: 'trailalerts-processor' });
  }
  override addMetric(...args: Parameters<Metrics['addMetric']>): this {
    const [name, , value] = args;
    this.counts.set(name, (this.counts.get(name) ?? 0) + value);
    return super.addMetric(...args);
  }
  override publishStoredMetrics(): this {
    this.clearMetrics();
    return this;
  }
  count(name: string): number {
    return this.counts.get(name) ?? 0;
  }
}

/** A Lambda context with `ms` of real time left. */
export function contextWith(ms: number): Context {
  const deadline = Date.now() + ms;
  return { getRemainingTimeInMillis: () => deadline - Date.now() } as Context;
}

export class World {
  wall = Date.parse('2026-11-20T10:05:00Z');
  readonly now = () => new Date(this.wall);
  readonly delivered: Delivery[] = [];
  /** Every send a container began, completed or not. */
  readonly attempted: Delivery[] = [];
  /** Decides each send (by destination and subject); tests replace it. */
  send: (to: DestinationName, subject: string) => SendBehaviour = () => 'ok';
  /** Decides each DynamoDB call (by command name and its marshalled input); tests replace it. */
  dynamo: (command: string, input: string) => DynamoFault = () => undefined;
  runtime!: Runtime;
  private table!: LocalStateTable;
  private doc!: DynamoDBDocumentClient;
  private seq = 0;

  async start(): Promise<void> {
    this.table = await startStateTable('state');
    this.doc = DynamoDBDocumentClient.from(this.table.client);
    const bundle = parseRules(RULES, 'rules/faults.yml');
    if (bundle.diagnostics.some((d) => d.severity === 'error'))
      throw new Error(JSON.stringify(bundle.diagnostics));
    const config = parseAccountsConfig(CONFIG, 'accounts.yaml').config!;
    const content: DetectionContent = {
      bundle,
      correlations: bundle.correlations,
      importedExceptions: [],
      diagnostics: [],
    };
    const policy = buildPolicy(config, content);
    this.runtime = { config, content, policy, directory: new StaticAccountDirectory(config) };
  }

  async stop(): Promise<void> {
    await this.table.close();
  }

  /** Resets behaviours between scenarios (the state table and the deliveries stay). */
  reset(): void {
    this.send = () => 'ok';
    this.dynamo = () => undefined;
    this.delivered.length = 0;
    this.attempted.length = 0;
  }

  advance(ms: number): void {
    this.wall += ms;
  }

  /** SQS messages carrying the matches of these records, as the analyzer queues them. */
  async messages(records: Record<string, unknown>[]): Promise<SQSRecord[]> {
    const analyzer = new Analyzer({
      rules: this.runtime.content.bundle.rules,
      policy: this.runtime.policy,
      directory: this.runtime.directory,
    });
    const out: SQSRecord[] = [];
    for (const [index, r] of records.entries())
      for (const m of await analyzer.analyze({ record: r, source: { file: 'faults.json', index } })) {
        const id = `msg-${++this.seq}`;
        out.push({
          messageId: id,
          body: encodeMatch(m),
          receiptHandle: id,
          eventSource: 'aws:sqs',
        } as SQSRecord);
      }
    return out;
  }

  /** Completed sends to each destination whose subject matches. */
  count(to: DestinationName, subject: RegExp = /./): number {
    return this.delivered.filter((d) => d.to === to && subject.test(d.subject)).length;
  }

  /** Completed sends per destination, for one subject. */
  counts(subject: RegExp = /./): Record<DestinationName, number> {
    return {
      soc: this.count('soc', subject),
      audit: this.count('audit', subject),
      pager: this.count('pager', subject),
    };
  }

  /** A receipt's state (`sending`, `sent`) as stored, or undefined. */
  async receipt(notification: string, to: DestinationName): Promise<string | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: 'state', Key: { pk: `state#${receiptKey(notification, to)}`, sk: '-' } }),
    );
    return (out.Item?.v as { state?: string } | undefined)?.state;
  }

  async endpoint(): Promise<string> {
    const e = await this.table.client.config.endpoint!();
    return `${e.protocol}//${e.hostname}:${e.port}${e.path}`;
  }

  nextDelivery(subject: string, to: DestinationName): void {
    this.delivered.push({ to, subject });
  }
}

export interface ContainerOptions {
  runtime?: () => Promise<Runtime>;
  ipContextBaseUrl?: string;
}

/** One Lambda container of the processor: its own clients, handler and metrics. */
export class Container {
  killed = false;
  readonly metrics = new RecordingMetrics();
  readonly handler: ProcessorHandler;

  private constructor(
    private readonly world: World,
    dynamodb: DynamoDBClient,
    options: ContainerOptions,
  ) {
    const ses = new SESv2Client({ region: 'us-east-1' });
    const sns = new SNSClient({ region: 'us-east-1' });
    const secrets = new SecretsManagerClient({ region: 'us-east-1' });
    mockClient(ses)
      .on(SendEmailCommand)
      .callsFake(
        (input: {
          Destination?: { ToAddresses?: string[] };
          Content?: { Simple?: { Subject?: { Data?: string } } };
        }) =>
          this.deliver(
            (input.Destination?.ToAddresses?.[0] ?? '').split('@')[0] as DestinationName,
            String(input.Content?.Simple?.Subject?.Data),
          ),
      );
    mockClient(sns)
      .on(PublishCommand)
      .callsFake((input: { Subject?: string; Message?: string }) =>
        this.deliver('pager', String(input.Subject ?? input.Message)),
      );
    mockClient(secrets).on(GetSecretValueCommand).resolves({ SecretString: 'test-key' });
    dynamodb.middlewareStack.add(
      (next, context) => async (args) => {
        if (this.killed) return never();
        const fault = this.world.dynamo(String(context.commandName), JSON.stringify(args.input));
        if (fault === 'throttle') throw throttled();
        if (fault === 'hang') return never();
        return next(args);
      },
      { step: 'build', name: 'faultInjection' },
    );
    this.handler = createProcessorHandler({
      dynamodb,
      ses,
      sns,
      secrets,
      tableName: 'state',
      retry: { attempts: 1 },
      runtime: options.runtime ?? (async () => world.runtime),
      logger: new Logger({ logLevel: 'SILENT' }),
      metrics: this.metrics,
      now: world.now,
      ...(options.ipContextBaseUrl ? { ipContextBaseUrl: options.ipContextBaseUrl } : {}),
    });
  }

  static async create(world: World, options: ContainerOptions = {}): Promise<Container> {
    const dynamodb = new DynamoDBClient({
      endpoint: await world.endpoint(),
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    return new Container(world, dynamodb, options);
  }

  /** One invocation with these messages (a minute left unless told). */
  invoke(messages: SQSRecord[], context: Context = contextWith(60_000)): Promise<SQSBatchResponse> {
    return this.handler({ Records: messages } as SQSEvent, context);
  }

  /** From now on nothing this container does reaches DynamoDB, SES or SNS. */
  kill(): void {
    this.killed = true;
  }

  private async deliver(to: DestinationName, subject: string): Promise<{ MessageId: string }> {
    if (this.killed) return never();
    this.world.attempted.push({ to, subject });
    const behaviour = this.world.send(to, subject);
    if (behaviour === 'hang') return never();
    if (behaviour instanceof Error) throw behaviour;
    // A send that completes after a kill never happened (the sandbox is gone).
    if (this.killed) return never();
    this.world.nextDelivery(subject, to);
    return { MessageId: `${to}-${this.world.delivered.length}` };
  }
}

/** Ids of the messages the batch response asks SQS to deliver again. */
export const failedIds = (res: SQSBatchResponse): string[] =>
  res.batchItemFailures.map((f) => f.itemIdentifier);

/** Waits (real time, bounded) until `check` holds. */
export async function until(check: () => boolean | Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
