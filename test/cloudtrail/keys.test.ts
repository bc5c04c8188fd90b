/** Tests for trail key parsing, S3 event key decoding and the owning account of a record. */
import { accountOf, decodeS3EventKey, isCloudTrailLogKey, parseTrailKey } from '../../src/cloudtrail/keys';

const ORG_KEY =
  'AWSLogs/o-aa111bb222/444455556666/CloudTrail/eu-west-1/2026/11/20/444455556666_CloudTrail_eu-west-1_20261120T1005Z_AbCdEf0123456789.json.gz';

describe('parseTrailKey', () => {
  it('parses an organization trail key', () => {
    expect(parseTrailKey(ORG_KEY)).toEqual({
      prefix: '',
      orgId: 'o-aa111bb222',
      accountId: '444455556666',
      region: 'eu-west-1',
      date: '2026-11-20',
      kind: 'log',
      fileName: '444455556666_CloudTrail_eu-west-1_20261120T1005Z_AbCdEf0123456789.json.gz',
    });
  });

  it('parses account trails, prefixes, s3:// URLs and local paths', () => {
    expect(parseTrailKey('AWSLogs/111122223333/CloudTrail/us-east-1/2026/01/02/f.json.gz')).toMatchObject({
      prefix: '',
      accountId: '111122223333',
      date: '2026-01-02',
      kind: 'log',
    });
    expect(
      parseTrailKey('AWSLogs/111122223333/CloudTrail/us-east-1/2026/01/02/f.json.gz')?.orgId,
    ).toBeUndefined();
    expect(parseTrailKey(`org/trails/${ORG_KEY}`)).toMatchObject({
      prefix: 'org/trails',
      orgId: 'o-aa111bb222',
    });
    expect(parseTrailKey(`s3://log-bucket/pre/${ORG_KEY}`)).toMatchObject({
      prefix: 'pre',
      accountId: '444455556666',
    });
    expect(parseTrailKey(`s3://log-bucket/${ORG_KEY}`)).toMatchObject({ prefix: '' });
    expect(parseTrailKey(`examples\\${ORG_KEY.replace(/\//g, '\\')}`)).toMatchObject({
      prefix: 'examples',
      kind: 'log',
    });
  });

  it('classifies digests, Insights and other services', () => {
    expect(
      parseTrailKey(
        'AWSLogs/o-aa111bb222/444455556666/CloudTrail-Digest/us-east-1/2026/11/20/x_CloudTrail-Digest_us-east-1_t_20261120T100000Z.json.gz',
      )?.kind,
    ).toBe('digest');
    expect(
      parseTrailKey('AWSLogs/444455556666/CloudTrail-Insight/us-east-1/2026/11/20/x.json.gz')?.kind,
    ).toBe('insight');
    expect(parseTrailKey('AWSLogs/444455556666/Config/us-east-1/2026/11/20/x.json.gz')?.kind).toBe('other');
    expect(parseTrailKey('AWSLogs/444455556666/CloudTrail/us-east-1/2026/11/20/x.txt')?.kind).toBe('other');
  });

  it('rejects keys outside the layout', () => {
    for (const key of [
      '',
      'AWSLogs/',
      'AWSLogs/12345/CloudTrail/us-east-1/2026/11/20/f.json.gz',
      'AWSLogs/444455556666/CloudTrail/us-east-1/2026/13/20/f.json.gz',
      'AWSLogs/444455556666/CloudTrail/us-east-1/2026/11/00/f.json.gz',
      'AWSLogs/444455556666/CloudTrail/us-east-1/2026/11/20/',
      'something/else.json.gz',
      'a'.repeat(5000),
    ]) {
      expect(parseTrailKey(key)).toBeUndefined();
    }
  });
});

describe('isCloudTrailLogKey', () => {
  it('accepts log files only', () => {
    expect(isCloudTrailLogKey(ORG_KEY)).toBe(true);
    expect(isCloudTrailLogKey(ORG_KEY.replace('/CloudTrail/', '/CloudTrail-Digest/'))).toBe(false);
    expect(isCloudTrailLogKey(ORG_KEY.replace('/CloudTrail/', '/CloudTrail-Insight/'))).toBe(false);
    expect(isCloudTrailLogKey('AWSLogs/o-aa111bb222/444455556666/CloudTrail/')).toBe(false);
  });
});

describe('decodeS3EventKey', () => {
  it('decodes percent-encoding and + as space, and survives bad encoding', () => {
    expect(decodeS3EventKey('my+prefix/AWSLogs/a%3Ab%2Bc.json.gz')).toBe('my prefix/AWSLogs/a:b+c.json.gz');
    expect(decodeS3EventKey('caf%C3%A9')).toBe('café');
    expect(decodeS3EventKey('bad%E0%A4%A+x')).toBe('bad%E0%A4%A x');
  });
});

describe('accountOf', () => {
  const identity = { userIdentity: { accountId: '999988887777' } };
  it('prefers recipientAccountId, then the key account, then userIdentity.accountId', () => {
    expect(accountOf({ recipientAccountId: '111122223333', ...identity }, '444455556666')).toBe(
      '111122223333',
    );
    expect(accountOf({ ...identity }, '444455556666')).toBe('444455556666');
    expect(accountOf({ ...identity })).toBe('999988887777');
    expect(accountOf({})).toBeUndefined();
  });
  it('ignores malformed ids', () => {
    expect(accountOf({ recipientAccountId: '1111<script>', ...identity }, 'x')).toBe('999988887777');
    expect(accountOf({ recipientAccountId: 111122223333, userIdentity: 'nope' })).toBeUndefined();
    expect(accountOf(null as unknown as Record<string, unknown>)).toBeUndefined();
  });
});
