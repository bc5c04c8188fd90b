/**
 * A TrailAlerts Lambda function (analyzer or processor): NodejsFunction bundled locally with
 * esbuild, arm64, Node.js 22, its own role (no managed policies), an explicit KMS-encrypted log
 * group with retention, and optional directories/files copied into the bundle (rules/,
 * accounts.yaml). Environment values are names and ARNs only, never secrets.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { PropsError, requireIntInRange, requireName } from './validate-props';

export interface BundledCopy {
  /** Absolute or project-relative source file or directory. */
  from: string;
  /** Name inside the bundle (the function's /var/task). */
  to: string;
}

export interface DetectionFunctionProps {
  /** Entry file exporting `handler`. */
  entry: string;
  roleName: string;
  description: string;
  timeout: Duration;
  memorySize: number;
  encryptionKey: kms.IKey;
  logRetention: logs.RetentionDays;
  environment: Record<string, string>;
  reservedConcurrency?: number;
  copies?: BundledCopy[];
}

/** Environment variable names that suggest a secret value; values must go to Secrets Manager. */
const SECRET_LIKE = /(SECRET|PASSWORD|TOKEN|API_?KEY|WEBHOOK_URL)$/i;

export class DetectionFunction extends Construct {
  readonly fn: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: DetectionFunctionProps) {
    super(scope, id);
    const owner = `DetectionFunction ${id}`;
    if (!existsSync(props.entry))
      throw new PropsError(owner, 'entry', 'an existing handler file', props.entry);
    requireName(owner, 'roleName', props.roleName, /^[A-Za-z0-9+=,.@_-]{1,64}$/, 'an IAM role name');
    requireIntInRange(owner, 'memorySize', props.memorySize, 128, 10240);
    if (props.reservedConcurrency !== undefined)
      requireIntInRange(owner, 'reservedConcurrency', props.reservedConcurrency, 1, 1000);
    for (const [name, value] of Object.entries(props.environment)) {
      if (SECRET_LIKE.test(name))
        throw new PropsError(
          owner,
          `environment.${name}`,
          'a secret NAME variable (…_SECRET_NAME), never a secret value',
          value,
        );
    }
    const copies = (props.copies ?? []).map((c) => ({ from: path.resolve(c.from), to: c.to }));
    for (const c of copies) {
      if (!existsSync(c.from))
        throw new PropsError(owner, `copies ${c.to}`, 'an existing file or directory', c.from);
      requireName(owner, `copies ${c.from}`, c.to, /^[A-Za-z0-9._-]+$/, 'a plain file name');
    }

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention,
      encryptionKey: props.encryptionKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.role = new iam.Role(this, 'Role', {
      roleName: props.roleName,
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.description} (least privilege; no managed policies)`,
    });
    this.logGroup.grantWrite(this.role);

    this.fn = new nodejs.NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      role: this.role,
      timeout: props.timeout,
      memorySize: props.memorySize,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      reservedConcurrentExecutions: props.reservedConcurrency,
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
      bundling: {
        target: 'node22',
        format: nodejs.OutputFormat.CJS,
        minify: true,
        sourceMap: true,
        bundleAwsSDK: false,
        forceDockerBundling: false,
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_inputDir: string, outputDir: string) =>
            copies.map((c) => `cp -R "${c.from}" "${path.join(outputDir, c.to)}"`),
        },
      },
    });
  }
}
