/**
 * Writes examples/: a synthetic organization trail (written here, deterministic) in the
 * organization key layout AWSLogs/<org>/<account>/CloudTrail/<region>/YYYY/MM/DD/<file>.json.gz.
 * Five hours of benign noise across seven accounts in four OUs, plus the demo's story:
 * a brute-force burst, a console sign-in without MFA from an anonymising VPN, a pivot into
 * production (user created, admin policy attached, access key created, trail stopped), secret
 * harvesting in another account, a break-glass action that an exception covers, repeated
 * AccessDenied that cooldown suppresses, and sandbox activity under a looser rule set.
 *
 *   npx tsx scripts/generate-examples.ts [outDir]
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { makeRng } from './synthetic-events';

type Rec = Record<string, unknown>;

const ORG = 'o-exampleorg1';
const DAY = '2026-11-20';
const REGIONS = ['us-east-1', 'eu-west-1'];
export const ACCOUNTS = {
  management: '111111111111',
  security: '222222222222',
  logArchive: '333333333333',
  paymentsProd: '444455556666',
  paymentsDev: '555566667777',
  dataProd: '666677778888',
  sandboxAlice: '777788889999',
} as const;

const ATTACKER_IP = '185.220.101.34';
const BRUTE_IP = '45.155.205.233';
const BROWSER =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';
const CLI = 'aws-cli/2.22.4 md/awscrt#0.23.4 ua/2.1 os/linux#6.8 md/arch#x86_64 lang/python#3.12.6 cmd/';

// A seeded PRNG (the synthetic-events one) so the example trail is identical on every machine.
const rand = makeRng(20261120);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
const hex = (n: number): string =>
  Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join('');
const uuid = (): string => `${hex(8)}-${hex(4)}-4${hex(3)}-${pick(['8', '9', 'a', 'b'])}${hex(3)}-${hex(12)}`;
const at = (hhmmss: string): string => `${DAY}T${hhmmss}Z`;
const addSeconds = (iso: string, s: number): string =>
  new Date(Date.parse(iso) + s * 1000).toISOString().replace('.000', '');

interface Principal {
  identity: Rec;
  ip: string;
  ua: string;
}

function iamUser(account: string, name: string, ip: string, ua = CLI): Principal {
  return {
    identity: {
      type: 'IAMUser',
      principalId: `AIDA${hex(16).toUpperCase()}`,
      arn: `arn:aws:iam::${account}:user/${name}`,
      accountId: account,
      accessKeyId: `AKIA${hex(16).toUpperCase()}`,
      userName: name,
    },
    ip,
    ua,
  };
}

function assumedRole(account: string, role: string, session: string, ip: string, ua = CLI): Principal {
  const roleId = `AROA${hex(16).toUpperCase()}`;
  return {
    identity: {
      type: 'AssumedRole',
      principalId: `${roleId}:${session}`,
      arn: `arn:aws:sts::${account}:assumed-role/${role}/${session}`,
      accountId: account,
      accessKeyId: `ASIA${hex(16).toUpperCase()}`,
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: roleId,
          arn: `arn:aws:iam::${account}:role/${role}`,
          accountId: account,
          userName: role,
        },
        attributes: { creationDate: at('08:00:00'), mfaAuthenticated: 'false' },
      },
    },
    ip,
    ua,
  };
}

function event(
  account: string,
  region: string,
  time: string,
  who: Principal,
  source: string,
  name: string,
  params: unknown = null,
  extra: Rec = {},
): Rec {
  const readOnly = /^(Describe|List|Get|Head|Lookup|Search)/.test(name);
  return {
    eventVersion: '1.10',
    userIdentity: who.identity,
    eventTime: time,
    eventSource: source,
    eventName: name,
    awsRegion: region,
    sourceIPAddress: who.ip,
    userAgent: who.ua,
    requestParameters: params,
    responseElements: null,
    requestID: uuid(),
    eventID: uuid(),
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
    ...extra,
  };
}

function consoleLogin(account: string, time: string, who: Principal, success: boolean, mfa: boolean): Rec {
  return event(account, 'us-east-1', time, who, 'signin.amazonaws.com', 'ConsoleLogin', null, {
    responseElements: { ConsoleLogin: success ? 'Success' : 'Failure' },
    additionalEventData: {
      LoginTo: 'https://console.aws.amazon.com/console/home?state=hashArgs',
      MobileVersion: 'No',
      MFAUsed: mfa ? 'Yes' : 'No',
    },
    ...(success ? {} : { errorMessage: 'Failed authentication' }),
    eventType: 'AwsConsoleSignIn',
    readOnly: false,
    tlsDetails: undefined,
  });
}

/** Benign background activity: read-only calls by people, pipelines and AWS services. */
function noise(): Rec[] {
  const out: Rec[] = [];
  const readCalls: [string, string, () => unknown][] = [
    ['ec2.amazonaws.com', 'DescribeInstances', () => ({ instancesSet: {}, filterSet: {} })],
    ['ec2.amazonaws.com', 'DescribeSecurityGroups', () => ({ securityGroupSet: {}, filterSet: {} })],
    ['ec2.amazonaws.com', 'DescribeVpcs', () => ({ vpcSet: {}, filterSet: {} })],
    ['s3.amazonaws.com', 'ListBuckets', () => ({ Host: 's3.amazonaws.com' })],
    ['s3.amazonaws.com', 'GetBucketLocation', () => ({ bucketName: `app-assets-${hex(6)}`, location: '' })],
    ['iam.amazonaws.com', 'ListRoles', () => ({ maxItems: 100 })],
    [
      'iam.amazonaws.com',
      'GetRole',
      () => ({ roleName: pick(['app-task-role', 'lambda-exec', 'ecs-task']) }),
    ],
    ['lambda.amazonaws.com', 'ListFunctions20150331', () => ({ functionVersion: 'ALL' })],
    ['cloudwatch.amazonaws.com', 'DescribeAlarms', () => ({ maxRecords: 100 })],
    ['logs.amazonaws.com', 'DescribeLogGroups', () => ({ limit: 50 })],
    [
      'dynamodb.amazonaws.com',
      'DescribeTable',
      () => ({ tableName: pick(['orders', 'sessions', 'ledger']) }),
    ],
    ['sts.amazonaws.com', 'GetCallerIdentity', () => null],
    ['kms.amazonaws.com', 'ListAliases', () => null],
    ['rds.amazonaws.com', 'DescribeDBInstances', () => null],
    ['ssm.amazonaws.com', 'DescribeInstanceInformation', () => ({ maxResults: 50 })],
  ];
  const workloadAccounts = Object.values(ACCOUNTS);
  const people = (account: string): Principal[] => [
    assumedRole(
      account,
      'AWSReservedSSO_ReadOnly_0a1b2c3d4e5f6a7b',
      'maria.garcia@example.com',
      '198.51.100.10',
      BROWSER,
    ),
    assumedRole(
      account,
      'AWSReservedSSO_PowerUser_9f8e7d6c5b4a3f2e',
      'sam.okafor@example.com',
      '198.51.100.11',
      BROWSER,
    ),
    assumedRole(account, 'deploy-pipeline', `codebuild-${hex(6)}`, '10.20.1.15', CLI),
    assumedRole(account, 'monitoring-readonly', 'datadog', '3.233.147.12', 'Datadog/1.0 (aws-sdk-go/1.55.5)'),
  ];
  for (let minute = 8 * 60; minute < 13 * 60; minute += 3) {
    for (const account of workloadAccounts) {
      const burst = 1 + Math.floor(rand() * 3);
      for (let i = 0; i < burst; i++) {
        const [source, name, params] = pick(readCalls);
        const time = at(
          `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}:${String(Math.floor(rand() * 60)).padStart(2, '0')}`,
        );
        out.push(event(account, pick(REGIONS), time, pick(people(account)), source, name, params()));
      }
      if (rand() < 0.25) {
        // Services acting on their own: KMS decrypts and role assumptions by AWS services.
        const time = at(
          `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}:${String(Math.floor(rand() * 60)).padStart(2, '0')}`,
        );
        out.push({
          ...event(
            account,
            pick(REGIONS),
            time,
            {
              identity: { type: 'AWSService', invokedBy: 'lambda.amazonaws.com' },
              ip: 'lambda.amazonaws.com',
              ua: 'lambda.amazonaws.com',
            },
            'sts.amazonaws.com',
            'AssumeRole',
            { roleArn: `arn:aws:iam::${account}:role/lambda-exec`, roleSessionName: `fn-${hex(6)}` },
          ),
          eventType: 'AwsServiceEvent',
          readOnly: true,
        });
      }
    }
    // Regular people signing in with MFA through Identity Center federation: benign.
    if (minute % 60 === 0) {
      out.push(
        consoleLogin(
          ACCOUNTS.paymentsProd,
          at(`${String(minute / 60).padStart(2, '0')}:00:41`),
          assumedRole(
            ACCOUNTS.paymentsProd,
            'AWSReservedSSO_ReadOnly_0a1b2c3d4e5f6a7b',
            'maria.garcia@example.com',
            '198.51.100.10',
            BROWSER,
          ),
          true,
          true,
        ),
      );
    }
  }
  return out;
}

/** The story the demo tells (see README, "The demo"). */
function story(): Rec[] {
  const out: Rec[] = [];
  const A = ACCOUNTS;

  // 09:12 brute force: 14 failed console sign-ins from one address in four minutes.
  const unknownUser: Principal = {
    identity: {
      type: 'IAMUser',
      principalId: A.paymentsProd,
      accountId: A.paymentsProd,
      accessKeyId: '',
      userName: 'HIDDEN_DUE_TO_SECURITY_REASONS',
    },
    ip: BRUTE_IP,
    ua: BROWSER,
  };
  for (let i = 0; i < 14; i++)
    out.push(consoleLogin(A.paymentsProd, addSeconds(at('09:12:03'), i * 17), unknownUser, false, false));

  // 10:02 stolen password: console sign-in without MFA from a commercial VPN exit.
  const dev = iamUser(A.paymentsDev, 'ci-admin', ATTACKER_IP, BROWSER);
  out.push(consoleLogin(A.paymentsDev, at('10:02:11'), dev, true, false));

  // 10:04 pivot into production through the organization's access role.
  out.push(
    event(
      A.paymentsDev,
      'us-east-1',
      at('10:04:02'),
      dev,
      'sts.amazonaws.com',
      'AssumeRole',
      {
        roleArn: `arn:aws:iam::${A.paymentsProd}:role/OrganizationAccountAccessRole`,
        roleSessionName: 'ci-admin',
      },
      { readOnly: true },
    ),
  );
  const prod = assumedRole(A.paymentsProd, 'OrganizationAccountAccessRole', 'ci-admin', ATTACKER_IP, BROWSER);
  out.push(
    event(
      A.paymentsProd,
      'us-east-1',
      at('10:06:15'),
      prod,
      'iam.amazonaws.com',
      'CreateUser',
      { userName: 'svc-reporting' },
      {
        responseElements: {
          user: {
            userName: 'svc-reporting',
            userId: `AIDA${hex(16).toUpperCase()}`,
            arn: `arn:aws:iam::${A.paymentsProd}:user/svc-reporting`,
            path: '/',
            createDate: 'Nov 20, 2026 10:06:15 AM',
          },
        },
      },
    ),
  );
  out.push(
    event(A.paymentsProd, 'us-east-1', at('10:07:02'), prod, 'iam.amazonaws.com', 'AttachUserPolicy', {
      userName: 'svc-reporting',
      policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
    }),
  );
  out.push(
    event(
      A.paymentsProd,
      'us-east-1',
      at('10:08:40'),
      prod,
      'iam.amazonaws.com',
      'CreateAccessKey',
      { userName: 'svc-reporting' },
      {
        responseElements: {
          accessKey: {
            accessKeyId: `AKIA${hex(16).toUpperCase()}`,
            status: 'Active',
            userName: 'svc-reporting',
            createDate: 'Nov 20, 2026 10:08:40 AM',
          },
        },
      },
    ),
  );
  out.push(
    event(A.paymentsProd, 'us-east-1', at('10:10:27'), prod, 'cloudtrail.amazonaws.com', 'StopLogging', {
      name: `arn:aws:cloudtrail:us-east-1:${A.paymentsProd}:trail/payments-audit`,
    }),
  );

  // 10:14 secret harvesting in data-prod with a second stolen session.
  const data = assumedRole(A.dataProd, 'data-engineer', 'ci-admin', ATTACKER_IP, CLI);
  const secrets = [
    'prod/db/ledger',
    'prod/db/orders',
    'prod/api/stripe',
    'prod/api/adyen',
    'prod/kafka/sasl',
    'prod/redis/auth',
    'prod/etl/snowflake',
    'prod/oauth/okta',
    'prod/smtp/relay',
    'prod/s3/partner-upload',
    'prod/ssh/bastion',
    'prod/jwt/signing',
    'prod/vault/unseal',
  ];
  secrets.forEach((id, i) =>
    out.push(
      event(
        A.dataProd,
        'us-east-1',
        addSeconds(at('10:14:05'), i * 9),
        data,
        'secretsmanager.amazonaws.com',
        'GetSecretValue',
        { secretId: id },
        { readOnly: true },
      ),
    ),
  );

  // 11:30 break-glass: an on-call engineer attaches AdministratorAccess; an org-wide exception covers it.
  const breakGlass = assumedRole(A.management, 'BreakGlass', 'oncall-maria', '198.51.100.10', BROWSER);
  out.push(
    event(A.management, 'us-east-1', at('11:30:12'), breakGlass, 'iam.amazonaws.com', 'AttachRolePolicy', {
      roleName: 'IncidentResponder',
      policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
    }),
  );

  // 08:30–12:30 a misconfigured pipeline hits AccessDenied again and again: cooldown keeps it to one alert.
  const pipeline = assumedRole(A.paymentsDev, 'deploy-pipeline', 'codebuild-7f3a1c', '10.20.1.15', CLI);
  for (let i = 0; i < 12; i++) {
    out.push(
      event(
        A.paymentsDev,
        'us-east-1',
        addSeconds(at('08:30:00'), i * 1200),
        pipeline,
        'ecs.amazonaws.com',
        'CreateService',
        { cluster: 'payments', serviceName: 'ledger-api', taskDefinition: 'ledger-api:42' },
        {
          errorCode: 'AccessDenied',
          errorMessage: `User: arn:aws:sts::${A.paymentsDev}:assumed-role/deploy-pipeline/codebuild-7f3a1c is not authorized to perform: iam:PassRole on resource: arn:aws:iam::${A.paymentsDev}:role/ecs-task`,
        },
      ),
    );
  }

  // Sandbox: SSH opened to the world (high: routed to the sandbox chat) and a new VPC (below the sandbox's minLevel).
  const alice = assumedRole(
    A.sandboxAlice,
    'AWSReservedSSO_AdministratorAccess_1a2b3c4d5e6f7a8b',
    'alice@example.com',
    '198.51.100.42',
    BROWSER,
  );
  out.push(
    event(A.sandboxAlice, 'eu-west-1', at('09:45:30'), alice, 'ec2.amazonaws.com', 'CreateVpc', {
      cidrBlock: '10.99.0.0/16',
    }),
  );
  out.push(
    event(
      A.sandboxAlice,
      'eu-west-1',
      at('09:47:02'),
      alice,
      'ec2.amazonaws.com',
      'AuthorizeSecurityGroupIngress',
      {
        groupId: 'sg-0a1b2c3d4e5f60718',
        ipPermissions: {
          items: [
            { ipProtocol: 'tcp', fromPort: 22, toPort: 22, ipRanges: { items: [{ cidrIp: '0.0.0.0/0' }] } },
          ],
        },
      },
    ),
  );
  return out;
}

export function writeExamples(outDir: string): { files: number; records: number } {
  rmSync(join(outDir, 'AWSLogs'), { recursive: true, force: true });
  const all = [...noise(), ...story()];
  // One log object per account, region and 15-minute delivery window, as CloudTrail batches them.
  const groups = new Map<string, Rec[]>();
  for (const r of all) {
    const time = String(r.eventTime);
    const slot = `${time.slice(0, 14)}${String(Math.floor(Number(time.slice(14, 16)) / 15) * 15).padStart(2, '0')}`;
    const key = `${r.recipientAccountId}|${r.awsRegion}|${slot}`;
    (groups.get(key) ?? groups.set(key, []).get(key)!).push(r);
  }
  let files = 0;
  for (const [key, records] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    const [account, region, slot] = key.split('|');
    records.sort((a, b) => String(a.eventTime).localeCompare(String(b.eventTime)));
    const [y, m, d] = DAY.split('-');
    const stamp = `${slot.slice(0, 10).replace(/-/g, '')}T${slot.slice(11, 13)}${slot.slice(14, 16)}Z`;
    const dir = join(outDir, 'AWSLogs', ORG, account, 'CloudTrail', region, y, m, d);
    mkdirSync(dir, { recursive: true });
    const name = `${account}_CloudTrail_${region}_${stamp}_${hex(16)}.json.gz`;
    writeFileSync(join(dir, name), gzipSync(JSON.stringify({ Records: records })));
    files++;
  }
  // A digest file, as the org trail writes them: the reader must skip it.
  const digestDir = join(
    outDir,
    'AWSLogs',
    ORG,
    ACCOUNTS.paymentsProd,
    'CloudTrail-Digest',
    'us-east-1',
    '2026',
    '11',
    '20',
  );
  mkdirSync(digestDir, { recursive: true });
  writeFileSync(
    join(
      digestDir,
      `${ACCOUNTS.paymentsProd}_CloudTrail-Digest_us-east-1_payments-org_us-east-1_20261120T110000Z.json.gz`,
    ),
    gzipSync(
      JSON.stringify({
        awsAccountId: ACCOUNTS.paymentsProd,
        digestStartTime: at('10:00:00'),
        digestEndTime: at('11:00:00'),
        digestS3Bucket: 'org-trail-logs',
        logFiles: [],
      }),
    ),
  );
  return { files, records: all.length };
}

if (require.main === module) {
  const outDir = process.argv[2] ?? 'examples';
  const { files, records } = writeExamples(outDir);
  console.log(`wrote ${records} records in ${files} log objects under ${join(outDir, 'AWSLogs', ORG)}`);
}
