/**
 * Synthetic CloudTrail records, deterministic for a seed: mostly read-only noise (Describe*,
 * List*, Get*), console sign-ins, AssumeRole, S3 data events, IAM changes and access-denied
 * errors, from varied identities (IAM users, roles, Identity Center, services, root), regions,
 * addresses and user agents, with requestParameters of realistic size (records of ~1–2 KB).
 * Used by the benchmark and by anyone building example trails; also writes gzip log objects
 * of a target size in the organization trail key layout.
 *
 *   npx tsx scripts/synthetic-events.ts <outDir> [--size-mb 10] [--objects 1] [--seed 1]
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';

export type SyntheticRecord = Record<string, unknown>;

/** mulberry32: a small, fast, seedable PRNG returning floats in [0, 1). */
export function makeRng(seed: number): () => number {
  let a = seed >>> 0 || 0x9e3779b9;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SyntheticOptions {
  seed?: number;
  /** Member accounts events come from (12 digits). */
  accounts?: string[];
  regions?: string[];
  /** Time of the first event; later events follow at `stepMs` on average. */
  start?: Date;
  stepMs?: number;
}

export const DEFAULT_ACCOUNTS = [
  '111111111111',
  '222222222222',
  '444455556666',
  '555566667777',
  '777788889999',
];
export const DEFAULT_REGIONS = [
  'us-east-1',
  'us-east-1',
  'us-east-1',
  'eu-west-1',
  'eu-west-1',
  'us-west-2',
  'ap-southeast-2',
];

const USER_AGENTS = [
  'aws-cli/2.15.30 Python/3.11.8 Linux/6.1.79-99.167.amzn2023.x86_64 exe/x86_64.amzn.2023 prompt/off command/ec2.describe-instances',
  'Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#5.10.213-201.855.amzn2.x86_64 md/arch#x86_64 lang/python#3.12.2 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.69',
  'APN/1.0 HashiCorp/1.0 Terraform/1.7.5 (+https://www.terraform.io) terraform-provider-aws/5.42.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.26.0 os/linux lang/go#1.22.1 md/GOOS#linux md/GOARCH#amd64 api/ec2#1.152.0',
  'aws-sdk-js/3.540.0 ua/2.0 os/linux#5.10.214-202.855.amzn2.x86_64 lang/js md/nodejs#20.11.1 api/s3#3.540.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36',
  'AWS Internal',
  'console.amazonaws.com',
];

const PUBLIC_IPS = [
  '203.0.113.10',
  '198.51.100.23',
  '52.94.133.131',
  '3.120.181.40',
  '185.220.101.4',
  '81.2.69.142',
  '2a02:26f0:fe::5c:9a42',
  '34.201.112.7',
];
const PRIVATE_IPS = ['10.0.12.34', '10.1.3.99', '172.31.40.2'];
const USERS = ['alice', 'bob', 'carol', 'deploy-bot', 'terraform', 'dave.ops'];
const ROLES = [
  'Admin',
  'ReadOnly',
  'ci/Deployer',
  'service-role/LambdaExecution',
  'OrganizationAccountAccessRole',
];
const SSO_ROLES = [
  'AWSReservedSSO_AdministratorAccess_0123456789abcdef',
  'AWSReservedSSO_ReadOnlyAccess_fedcba9876543210',
];

const READ_ONLY: [string, string][] = [
  ['ec2.amazonaws.com', 'DescribeInstances'],
  ['ec2.amazonaws.com', 'DescribeSecurityGroups'],
  ['ec2.amazonaws.com', 'DescribeVolumes'],
  ['iam.amazonaws.com', 'ListRoles'],
  ['iam.amazonaws.com', 'GetRole'],
  ['iam.amazonaws.com', 'ListAttachedRolePolicies'],
  ['s3.amazonaws.com', 'ListBuckets'],
  ['s3.amazonaws.com', 'GetBucketPolicy'],
  ['lambda.amazonaws.com', 'ListFunctions20150331'],
  ['rds.amazonaws.com', 'DescribeDBInstances'],
  ['kms.amazonaws.com', 'DescribeKey'],
  ['sts.amazonaws.com', 'GetCallerIdentity'],
  ['cloudtrail.amazonaws.com', 'DescribeTrails'],
  ['logs.amazonaws.com', 'DescribeLogGroups'],
  ['config.amazonaws.com', 'DescribeConfigRules'],
];

const IAM_CHANGES = [
  'CreateUser',
  'AttachUserPolicy',
  'CreateAccessKey',
  'PutRolePolicy',
  'UpdateAssumeRolePolicy',
  'CreateLoginProfile',
  'DeleteUserPolicy',
];

/** Builds records one at a time from a seeded generator. */
/** Share of calls made by an already active session, and active sessions kept per account. */
const SESSION_REUSE = 0.85;
const MAX_SESSIONS = 24;

export class SyntheticTrail {
  private readonly rng: () => number;
  private readonly accounts: string[];
  private readonly regions: string[];
  private time: number;
  private readonly stepMs: number;
  private count = 0;
  /** Active sessions per account: a principal makes call after call with the same credentials. */
  private readonly sessions = new Map<string, SyntheticRecord[]>();

  constructor(options: SyntheticOptions = {}) {
    this.rng = makeRng(options.seed ?? 1);
    this.accounts = options.accounts ?? DEFAULT_ACCOUNTS;
    this.regions = options.regions ?? DEFAULT_REGIONS;
    this.time = (options.start ?? new Date('2026-11-20T08:00:00Z')).getTime();
    this.stepMs = options.stepMs ?? 250;
  }

  private pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.rng() * list.length)];
  }

  private hex(n: number): string {
    let out = '';
    for (let i = 0; i < n; i++) out += Math.floor(this.rng() * 16).toString(16);
    return out;
  }

  private uuid(): string {
    return `${this.hex(8)}-${this.hex(4)}-4${this.hex(3)}-a${this.hex(3)}-${this.hex(12)}`;
  }

  private upper(n: number): string {
    const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
    let out = '';
    for (let i = 0; i < n; i++) out += chars[Math.floor(this.rng() * chars.length)];
    return out;
  }

  /**
   * The identity of the next call in `account`: mostly one of the account's active sessions
   * (as in real trails, where each session makes many calls), sometimes a new one.
   */
  private sessionIdentity(account: string): SyntheticRecord {
    let pool = this.sessions.get(account);
    if (!pool) this.sessions.set(account, (pool = []));
    if (pool.length > 0 && this.rng() < SESSION_REUSE) return pool[Math.floor(this.rng() * pool.length)];
    const { identity } = this.identity(account);
    if (pool.length < MAX_SESSIONS) pool.push(identity);
    else pool[Math.floor(this.rng() * pool.length)] = identity;
    return identity;
  }

  /** An identity of a weighted-random type, in `account`. */
  private identity(account: string): { identity: SyntheticRecord; arn: string } {
    const r = this.rng();
    if (r < 0.3) {
      const user = this.pick(USERS);
      const arn = `arn:aws:iam::${account}:user/${user}`;
      return {
        arn,
        identity: {
          type: 'IAMUser',
          principalId: `AIDA${this.upper(17)}`,
          arn,
          accountId: account,
          accessKeyId: `AKIA${this.upper(16)}`,
          userName: user,
        },
      };
    }
    if (r < 0.8) {
      const sso = this.rng() < 0.3;
      const rolePath = sso
        ? `aws-reserved/sso.amazonaws.com/eu-west-1/${this.pick(SSO_ROLES)}`
        : this.pick(ROLES);
      const roleName = rolePath.split('/').pop() as string;
      const session = sso
        ? `${this.pick(USERS)}@acme.example`
        : this.rng() < 0.5
          ? `i-0${this.hex(16)}`
          : `botocore-session-${Math.floor(this.rng() * 1e10)}`;
      const arn = `arn:aws:sts::${account}:assumed-role/${roleName}/${session}`;
      const principal = `AROA${this.upper(17)}`;
      return {
        arn,
        identity: {
          type: 'AssumedRole',
          principalId: `${principal}:${session}`,
          arn,
          accountId: account,
          accessKeyId: `ASIA${this.upper(16)}`,
          sessionContext: {
            sessionIssuer: {
              type: 'Role',
              principalId: principal,
              arn: `arn:aws:iam::${account}:role/${rolePath}`,
              accountId: account,
              userName: roleName,
            },
            webIdFederationData: {},
            attributes: {
              creationDate: new Date(this.time - 600_000).toISOString().replace(/\.\d+Z$/, 'Z'),
              mfaAuthenticated: this.rng() < 0.3 ? 'true' : 'false',
            },
          },
        },
      };
    }
    if (r < 0.93) {
      const service = this.pick([
        'ec2.amazonaws.com',
        'lambda.amazonaws.com',
        'cloudformation.amazonaws.com',
        'config.amazonaws.com',
      ]);
      return { arn: service, identity: { type: 'AWSService', invokedBy: service } };
    }
    if (r < 0.98) {
      return {
        arn: this.pick(USERS),
        identity: {
          type: 'IdentityCenterUser',
          accountId: account,
          onBehalfOf: {
            userId: this.uuid(),
            identityStoreArn: `arn:aws:identitystore::${account}:identitystore/d-90677${this.hex(5)}`,
          },
          credentialId: this.upper(20),
        },
      };
    }
    const arn = `arn:aws:iam::${account}:root`;
    return {
      arn,
      identity: { type: 'Root', principalId: account, arn, accountId: account, accessKeyId: '' },
    };
  }

  /** Tags, filters and similar lists that give requestParameters their realistic bulk. */
  private tags(n: number): { key: string; value: string }[] {
    return Array.from({ length: n }, (_, i) => ({
      key:
        this.pick(['Name', 'Environment', 'CostCenter', 'Owner', 'Application', 'Team']) + (i > 5 ? i : ''),
      value: `${this.pick(['payments', 'data', 'web', 'batch'])}-${this.hex(6)}`,
    }));
  }

  private requestParameters(source: string, name: string, region: string, account: string): unknown {
    switch (name) {
      case 'DescribeInstances':
        return {
          instancesSet: {
            items: Array.from({ length: 4 + Math.floor(this.rng() * 8) }, () => ({
              instanceId: `i-0${this.hex(16)}`,
            })),
          },
          filterSet: {
            items: this.tags(3).map((t) => ({
              name: `tag:${t.key}`,
              valueSet: { items: [{ value: t.value }, { value: `${t.value}-b` }] },
            })),
          },
          maxResults: 1000,
        };
      case 'DescribeSecurityGroups':
        return {
          securityGroupSet: {},
          securityGroupIdSet: {
            items: Array.from({ length: 6 }, () => ({ groupId: `sg-0${this.hex(16)}` })),
          },
          filterSet: {},
        };
      case 'DescribeVolumes':
        return {
          volumeSet: { items: Array.from({ length: 6 }, () => ({ volumeId: `vol-0${this.hex(16)}` })) },
          filterSet: {
            items: [
              { name: 'attachment.instance-id', valueSet: { items: [{ value: `i-0${this.hex(16)}` }] } },
            ],
          },
        };
      case 'GetRole':
      case 'ListAttachedRolePolicies':
        return { roleName: this.pick(ROLES).split('/').pop() };
      case 'GetBucketPolicy':
        return {
          bucketName: `acme-${this.pick(['logs', 'data', 'artifacts'])}-${account}-${region}`,
          Host: `acme-data-${account}.s3.${region}.amazonaws.com`,
          policy: '',
        };
      case 'DescribeKey':
        return { keyId: `arn:aws:kms:${region}:${account}:key/${this.uuid()}` };
      case 'DescribeTrails':
        return { trailNameList: [], includeShadowTrails: true };
      case 'DescribeLogGroups':
        return { logGroupNamePrefix: `/aws/lambda/${this.pick(['payments', 'ingest', 'auth'])}-`, limit: 50 };
      case 'DescribeDBInstances':
        return {
          dBInstanceIdentifier: `db-${this.hex(8)}`,
          filters: this.tags(2).map((t) => ({ name: t.key, values: [t.value] })),
        };
      default:
        return source === 'sts.amazonaws.com' || name.startsWith('List') ? null : { maxResults: 100 };
    }
  }

  private base(account: string, source: string, name: string, readOnly: boolean): SyntheticRecord {
    const region = this.pick(this.regions);
    const identity = this.sessionIdentity(account);
    const service = identity.type === 'AWSService' ? (identity.invokedBy as string) : undefined;
    this.time += Math.floor(this.rng() * 2 * this.stepMs);
    this.count++;
    return {
      eventVersion: '1.09',
      userIdentity: identity,
      eventTime: new Date(this.time).toISOString().replace(/\.\d+Z$/, 'Z'),
      eventSource: source,
      eventName: name,
      awsRegion: region,
      sourceIPAddress: service ?? (this.rng() < 0.15 ? this.pick(PRIVATE_IPS) : this.pick(PUBLIC_IPS)),
      userAgent: service ?? this.pick(USER_AGENTS),
      requestParameters: this.requestParameters(source, name, region, account),
      responseElements: null,
      requestID: this.uuid(),
      eventID: this.uuid(),
      readOnly,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: account,
      eventCategory: 'Management',
      tlsDetails: {
        tlsVersion: 'TLSv1.3',
        cipherSuite: 'TLS_AES_128_GCM_SHA256',
        clientProvidedHostHeader: `${source.split('.')[0]}.${region}.amazonaws.com`,
      },
    };
  }

  /** The next record. */
  next(): SyntheticRecord {
    const account = this.pick(this.accounts);
    const r = this.rng();
    if (r < 0.66) {
      const [source, name] = this.pick(READ_ONLY);
      return this.base(account, source, name, true);
    }
    if (r < 0.7) return this.consoleLogin(account);
    if (r < 0.78) return this.assumeRole(account);
    if (r < 0.9) return this.s3DataEvent(account);
    if (r < 0.93) return this.iamChange(account);
    if (r < 0.97) return this.accessDenied(account);
    return this.runInstances(account);
  }

  /** `n` records. */
  records(n: number): SyntheticRecord[] {
    return Array.from({ length: n }, () => this.next());
  }

  private consoleLogin(account: string): SyntheticRecord {
    const rec = this.base(account, 'signin.amazonaws.com', 'ConsoleLogin', false);
    const failed = this.rng() < 0.1;
    rec.eventType = 'AwsConsoleSignIn';
    rec.userAgent = USER_AGENTS[4];
    rec.sourceIPAddress = this.pick(PUBLIC_IPS);
    rec.requestParameters = null;
    rec.responseElements = { ConsoleLogin: failed ? 'Failure' : 'Success' };
    rec.additionalEventData = {
      LoginTo: 'https://console.aws.amazon.com/console/home?state=hashArgs%23&isauthcode=true',
      MobileVersion: 'No',
      MFAUsed: this.rng() < 0.7 ? 'Yes' : 'No',
    };
    if (failed) rec.errorMessage = 'Failed authentication';
    delete rec.tlsDetails;
    return rec;
  }

  private assumeRole(account: string): SyntheticRecord {
    const rec = this.base(account, 'sts.amazonaws.com', 'AssumeRole', false);
    const role = this.pick(ROLES);
    const session = `session-${this.hex(10)}`;
    rec.requestParameters = {
      roleArn: `arn:aws:iam::${account}:role/${role}`,
      roleSessionName: session,
      durationSeconds: 3600,
      tags: this.tags(4),
    };
    rec.responseElements = {
      credentials: {
        accessKeyId: `ASIA${this.upper(16)}`,
        sessionToken: this.upper(180),
        expiration: 'Nov 20, 2026, 11:00:00 AM',
      },
      assumedRoleUser: {
        assumedRoleId: `AROA${this.upper(17)}:${session}`,
        arn: `arn:aws:sts::${account}:assumed-role/${role.split('/').pop()}/${session}`,
      },
    };
    rec.resources = [
      { accountId: account, type: 'AWS::IAM::Role', ARN: `arn:aws:iam::${account}:role/${role}` },
    ];
    rec.sharedEventID = this.uuid();
    return rec;
  }

  private s3DataEvent(account: string): SyntheticRecord {
    const put = this.rng() < 0.3;
    const rec = this.base(account, 's3.amazonaws.com', put ? 'PutObject' : 'GetObject', !put);
    const bucket = `acme-${this.pick(['data', 'exports', 'artifacts'])}-${account}`;
    const key = `${this.pick(['reports', 'raw', 'exports'])}/2026/11/20/${this.hex(12)}.parquet`;
    rec.managementEvent = false;
    rec.eventCategory = 'Data';
    rec.requestParameters = {
      bucketName: bucket,
      Host: `${bucket}.s3.${rec.awsRegion}.amazonaws.com`,
      key,
      'x-id': put ? 'PutObject' : 'GetObject',
    };
    rec.additionalEventData = {
      SignatureVersion: 'SigV4',
      CipherSuite: 'TLS_AES_128_GCM_SHA256',
      bytesTransferredIn: put ? Math.floor(this.rng() * 1e7) : 0,
      AuthenticationMethod: 'AuthHeader',
      'x-amz-id-2': this.upper(76),
      bytesTransferredOut: put ? 0 : Math.floor(this.rng() * 1e7),
    };
    rec.resources = [
      { type: 'AWS::S3::Object', ARN: `arn:aws:s3:::${bucket}/${key}` },
      { accountId: account, type: 'AWS::S3::Bucket', ARN: `arn:aws:s3:::${bucket}` },
    ];
    return rec;
  }

  private iamChange(account: string): SyntheticRecord {
    const name = this.pick(IAM_CHANGES);
    const rec = this.base(account, 'iam.amazonaws.com', name, false);
    rec.awsRegion = 'us-east-1';
    const user = `svc-${this.hex(6)}`;
    rec.requestParameters =
      name === 'AttachUserPolicy'
        ? {
            userName: user,
            policyArn: this.pick([
              'arn:aws:iam::aws:policy/AdministratorAccess',
              'arn:aws:iam::aws:policy/ReadOnlyAccess',
            ]),
          }
        : name === 'PutRolePolicy'
          ? {
              roleName: this.pick(ROLES).split('/').pop(),
              policyName: 'inline',
              policyDocument: JSON.stringify({
                Version: '2012-10-17',
                Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: '*' }],
              }),
            }
          : { userName: user, tags: this.tags(3) };
    rec.responseElements =
      name === 'CreateAccessKey'
        ? {
            accessKey: {
              userName: user,
              accessKeyId: `AKIA${this.upper(16)}`,
              status: 'Active',
              createDate: 'Nov 20, 2026 10:00:00 AM',
            },
          }
        : null;
    return rec;
  }

  private accessDenied(account: string): SyntheticRecord {
    const [source, name] = this.pick(READ_ONLY);
    const rec = this.base(account, source, name, true);
    rec.errorCode = source === 'ec2.amazonaws.com' ? 'Client.UnauthorizedOperation' : 'AccessDenied';
    const arn = (rec.userIdentity as { arn?: string }).arn ?? 'unknown';
    rec.errorMessage = `User: ${arn} is not authorized to perform: ${source.split('.')[0]}:${name} because no identity-based policy allows the ${source.split('.')[0]}:${name} action`;
    rec.responseElements = null;
    return rec;
  }

  private runInstances(account: string): SyntheticRecord {
    const rec = this.base(
      account,
      'ec2.amazonaws.com',
      this.rng() < 0.5 ? 'RunInstances' : 'AuthorizeSecurityGroupIngress',
      false,
    );
    rec.requestParameters =
      rec.eventName === 'RunInstances'
        ? {
            instancesSet: { items: [{ imageId: `ami-0${this.hex(16)}`, minCount: 1, maxCount: 1 }] },
            instanceType: this.pick(['t3.micro', 'm5.large', 'p4d.24xlarge']),
            blockDeviceMapping: {
              items: [
                {
                  deviceName: '/dev/xvda',
                  ebs: { volumeSize: 50, deleteOnTermination: true, volumeType: 'gp3', encrypted: true },
                },
              ],
            },
            tagSpecificationSet: { items: [{ resourceType: 'instance', tags: this.tags(5) }] },
            subnetId: `subnet-0${this.hex(16)}`,
            iamInstanceProfile: { name: 'app-profile' },
          }
        : {
            groupId: `sg-0${this.hex(16)}`,
            ipPermissions: {
              items: [
                {
                  ipProtocol: 'tcp',
                  fromPort: 22,
                  toPort: 22,
                  ipRanges: { items: [{ cidrIp: this.pick(['0.0.0.0/0', '10.0.0.0/8']) }] },
                },
              ],
            },
          };
    return rec;
  }
}

/** `n` records for the given options. */
export function syntheticRecords(n: number, options: SyntheticOptions = {}): SyntheticRecord[] {
  return new SyntheticTrail(options).records(n);
}

/** A CloudTrail log object's text: `{"Records":[…]}`. */
export function logObjectText(records: SyntheticRecord[]): string {
  return `{"Records":[${records.map((r) => JSON.stringify(r)).join(',')}]}`;
}

export interface WrittenObject {
  path: string;
  records: number;
  uncompressedBytes: number;
  compressedBytes: number;
}

/**
 * Writes one gzip log object `{"Records":[…]}` of about `targetBytes` uncompressed, streaming
 * (memory stays small whatever the size). Deterministic for the options' seed.
 */
export async function writeLogObject(
  path: string,
  targetBytes: number,
  options: SyntheticOptions & { gzipLevel?: number } = {},
): Promise<WrittenObject> {
  mkdirSync(dirname(path), { recursive: true });
  const trail = new SyntheticTrail(options);
  const gzip = createGzip({ level: options.gzipLevel ?? 6 });
  const file = createWriteStream(path);
  gzip.pipe(file);
  let written = 0;
  let records = 0;
  const push = async (text: string): Promise<void> => {
    if (!gzip.write(text)) await once(gzip, 'drain');
  };
  await push('{"Records":[');
  written += 12;
  let batch: string[] = [];
  while (written < targetBytes - 2) {
    const text = (records > 0 ? ',' : '') + JSON.stringify(trail.next());
    records++;
    batch.push(text);
    written += Buffer.byteLength(text);
    if (batch.length >= 256) {
      await push(batch.join(''));
      batch = [];
    }
  }
  if (batch.length > 0) await push(batch.join(''));
  await push(']}');
  written += 2;
  gzip.end();
  await once(file, 'finish');
  return { path, records, uncompressedBytes: written, compressedBytes: file.bytesWritten };
}

/** The organization trail key of a log object for `account`, `region` and time. */
export function trailKey(orgId: string, account: string, region: string, time: Date, suffix: string): string {
  const iso = time.toISOString();
  const [y, m, d] = [iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10)];
  const stamp = `${y}${m}${d}T${iso.slice(11, 13)}${iso.slice(14, 16)}Z`;
  return `AWSLogs/${orgId}/${account}/CloudTrail/${region}/${y}/${m}/${d}/${account}_CloudTrail_${region}_${stamp}_${suffix}.json.gz`;
}

async function main(argv: string[]): Promise<void> {
  const outDir = argv.find((a) => !a.startsWith('--'));
  const flag = (name: string, fallback: number): number => {
    const at = argv.indexOf(`--${name}`);
    const value = at >= 0 ? Number(argv[at + 1]) : fallback;
    if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} expects a positive number`);
    return value;
  };
  if (!outDir) {
    console.error('usage: tsx scripts/synthetic-events.ts <outDir> [--size-mb 10] [--objects 1] [--seed 1]');
    process.exitCode = 2;
    return;
  }
  const sizeMb = flag('size-mb', 10);
  const objects = flag('objects', 1);
  const seed = flag('seed', 1);
  for (let i = 0; i < objects; i++) {
    const account = DEFAULT_ACCOUNTS[i % DEFAULT_ACCOUNTS.length];
    const time = new Date(Date.UTC(2026, 10, 20, 8, 5 * i));
    const key = trailKey('o-synthetic01', account, 'us-east-1', time, `S${seed}N${i}`);
    const out = await writeLogObject(join(outDir, key), sizeMb * 1024 * 1024, {
      seed: seed * 1000 + i,
      accounts: [account],
      start: time,
    });
    console.log(
      `${out.path}: ${out.records} records, ${(out.uncompressedBytes / 1048576).toFixed(1)} MB (${(out.compressedBytes / 1048576).toFixed(1)} MB gzip)`,
    );
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}
