/**
 * The target of a CloudTrail call: what it acted on. Keys tell exact repeats from calls on other
 * things; labels are for people. Hand-written records (the real ones are in target.corpus.test.ts).
 */
import { targetOf } from '../../src/cloudtrail/target';

const ec2 = (eventName: string, requestParameters: unknown, extra: Record<string, unknown> = {}) => ({
  eventSource: 'ec2.amazonaws.com',
  eventName,
  requestParameters,
  ...extra,
});

const ingress = (port: number, cidr = '0.0.0.0/0') =>
  ec2('AuthorizeSecurityGroupIngress', {
    groupId: 'sg-0a1b2c3d',
    ipPermissions: {
      items: [
        {
          ipProtocol: 'tcp',
          fromPort: port,
          toPort: port,
          groups: {},
          ipRanges: { items: [{ cidrIp: cidr }] },
          ipv6Ranges: {},
          prefixListIds: {},
        },
      ],
    },
  });

describe('targetOf', () => {
  it('names a security group with its port range and sources; another port is another target', () => {
    expect(targetOf(ingress(443)).label).toBe('group sg-0a1b2c3d, tcp 443 from 0.0.0.0/0');
    expect(targetOf(ingress(22)).key).not.toBe(targetOf(ingress(443)).key);
    expect(targetOf(ingress(22, '10.0.0.0/8')).key).not.toBe(targetOf(ingress(22)).key);
    expect(targetOf(ingress(22)).key).toBe(targetOf(ingress(22)).key);
    const range = ec2('AuthorizeSecurityGroupIngress', {
      groupId: 'sg-1',
      ipPermissions: { items: [{ ipProtocol: '-1', ipv6Ranges: { items: [{ cidrIpv6: '::/0' }] } }] },
    });
    expect(targetOf(range).label).toBe('group sg-1, all from ::/0');
  });

  it('reads the flat form of a security-group permission too', () => {
    const flat = ec2('AuthorizeSecurityGroupIngress', {
      groupId: 'sg-1',
      ipProtocol: 'tcp',
      fromPort: 8000,
      toPort: 8080,
      cidrIp: '0.0.0.0/0',
      ipPermissions: {},
    });
    expect(targetOf(flat).label).toBe('group sg-1, tcp 8000-8080 from 0.0.0.0/0');
  });

  it('tells two calls on the same bucket apart by what they did', () => {
    const s3 = (eventName: string, bucketName = 'org-trail-logs') => ({
      eventSource: 's3.amazonaws.com',
      eventName,
      requestParameters: { bucketName, Host: `${bucketName}.s3.amazonaws.com`, lifecycle: '' },
    });
    expect(targetOf(s3('PutBucketLifecycle')).label).toBe('bucket org-trail-logs');
    expect(targetOf(s3('PutBucketLifecycle')).key).not.toBe(targetOf(s3('PutBucketPolicy')).key);
    expect(targetOf(s3('PutBucketPolicy')).key).toBe(targetOf(s3('PutBucketPolicy')).key);
    expect(targetOf(s3('PutBucketPolicy', 'other')).key).not.toBe(targetOf(s3('PutBucketPolicy')).key);
  });

  it('names IAM users, roles and policies together', () => {
    const attach = {
      eventSource: 'iam.amazonaws.com',
      eventName: 'AttachUserPolicy',
      requestParameters: { userName: 'ops', policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' },
    };
    expect(targetOf(attach).label).toBe('user ops, policy arn:aws:iam::aws:policy/AdministratorAccess');
    const readOnly = {
      ...attach,
      requestParameters: { userName: 'ops', policyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' },
    };
    expect(targetOf(readOnly).key).not.toBe(targetOf(attach).key);
  });

  it('unwraps EC2 query-style requests and their {content, tag} values, and instance sets', () => {
    const flowLogs = ec2('DeleteFlowLogs', {
      DeleteFlowLogsRequest: { FlowLogId: { content: 'fl-0e17', tag: 1 } },
    });
    expect(targetOf(flowLogs).label).toBe('flow log fl-0e17');
    const stop = ec2('StopInstances', {
      instancesSet: { items: [{ instanceId: 'i-1' }, { instanceId: 'i-2' }] },
    });
    expect(targetOf(stop).label).toBe('instances i-1 i-2');
  });

  it('names routes by table and destination, so each route of a Terraform run is its own target', () => {
    const route = (cidr: string) =>
      ec2('CreateRoute', { routeTableId: 'rtb-1', destinationCidrBlock: cidr, gatewayId: 'igw-1' });
    expect(targetOf(route('10.0.1.0/24')).label).toBe('route table rtb-1, destination 10.0.1.0/24');
    expect(targetOf(route('10.0.1.0/24')).key).not.toBe(targetOf(route('10.0.2.0/24')).key);
  });

  it('falls back to resource ARNs, then to a generic identifier, then to the event name alone', () => {
    const assume = {
      eventSource: 'sts.amazonaws.com',
      eventName: 'AssumeRoleWithWebIdentity',
      requestParameters: { roleSessionName: 's' },
      resources: [
        { ARN: 'arn:aws:iam::111122223333:role/ci', accountId: '111122223333', type: 'AWS::IAM::Role' },
      ],
    };
    expect(targetOf(assume).label).toBe('arn:aws:iam::111122223333:role/ci');
    const trail = {
      eventSource: 'cloudtrail.amazonaws.com',
      eventName: 'StopLogging',
      requestParameters: { name: 'org-trail' },
    };
    expect(targetOf(trail).label).toBe('trail org-trail');
    const login = { eventSource: 'signin.amazonaws.com', eventName: 'ConsoleLogin', requestParameters: null };
    expect(targetOf(login)).toEqual({
      key: expect.stringMatching(/^signin\.amazonaws\.com ConsoleLogin #[0-9a-f]{16}$/),
      label: 'ConsoleLogin',
    });
  });

  it('makes the outcome part of the key: a success after a failed attempt is not a repeat of it', () => {
    const stop = {
      eventSource: 'cloudtrail.amazonaws.com',
      eventName: 'StopLogging',
      requestParameters: { name: 't' },
    };
    const failed = { ...stop, errorCode: 'AccessDenied' };
    expect(targetOf(failed).key).not.toBe(targetOf(stop).key);
    expect(targetOf(failed).label).toBe(targetOf(stop).label);
  });

  it('bounds hostile input: long values, many keys, deep nesting, odd types', () => {
    const long = 'A'.repeat(100_000);
    const huge = targetOf(ec2('DeleteFlowLogs', { flowLogIds: [long, long] }));
    expect(huge.label.length).toBeLessThanOrEqual(200);
    expect(huge.key.length).toBeLessThanOrEqual(260);
    // Two targets that differ only far beyond every cap never compare equal.
    const a = targetOf(ec2('DeleteFlowLogs', { flowLogIds: [`${long}a`] }));
    const b = targetOf(ec2('DeleteFlowLogs', { flowLogIds: [`${long}b`] }));
    expect(a.label).toBe(b.label);
    expect(a.key).not.toBe(b.key);

    const items = Array.from({ length: 100_000 }, () => ({ imageId: 'ami-1' }));
    const manyKeys = {
      instancesSet: { items },
      ...Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, i])),
    };
    let deep: unknown = 'bottom';
    for (let i = 0; i < 10_000; i++) deep = { a: deep };
    const wide = ec2('RunInstances', manyKeys);
    const nested = ec2('CreateRoute', { routeTableId: deep });
    const started = Date.now();
    expect(targetOf(wide).label.length).toBeLessThanOrEqual(200);
    expect(targetOf(nested).label).toBe('CreateRoute');
    expect(Date.now() - started).toBeLessThan(200);

    for (const params of [null, 'text', 42, ['a'], { __proto__: 'x', name: { toString: 1 } }, undefined])
      expect(() => targetOf(ec2('Anything', params))).not.toThrow();
    expect(targetOf({ eventName: 42, requestParameters: {} }).label).toBe('(no eventName)');
    expect(targetOf({ eventName: 'X', resources: 'not a list' }).label).toBe('X');
  });

  it('keeps values as they are: escaping is for renderers', () => {
    const odd = '\u202Eevil\u0000\u200B';
    expect(targetOf(ec2('CreateRoute', { routeTableId: odd })).label).toBe(`route table ${odd}`);
  });
});
