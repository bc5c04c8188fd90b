/**
 * GuardDuty input: the EventBridge event, a bare finding and get-findings output are accepted;
 * anything malformed is refused with the field named; severity maps to GuardDuty's own bands.
 */
import { decodeMatch } from '../../src/runtime/match-queue';
import { GuardDutyInputError, parseGuardDutyInput } from '../../src/guardduty/finding';
import { guardDutyFromText } from '../../src/guardduty/input';
import { levelOfSeverity } from '../../src/guardduty/severity';
import { envelope, finding, PROD_ACCOUNT } from './fixtures';

const src = { file: 'f.json', index: 3 };

describe('GuardDuty input', () => {
  it('accepts the EventBridge event, a bare finding and get-findings output', () => {
    expect(parseGuardDutyInput(envelope(finding())).findings).toHaveLength(1);
    expect(parseGuardDutyInput(envelope(finding())).eventId).toBe('b7d1e0c2-5f3a-4e8b-9c6d-2a1f0e9d8c7b');
    expect(parseGuardDutyInput(finding()).findings).toHaveLength(1);
    const two = { Findings: [finding(), finding({ id: 'ffffffffffffffffffffffffffffffff' })] };
    expect(parseGuardDutyInput(two).findings.map((f) => f.finding.id)).toEqual([
      '5ac8f2e41b7d4c09a3e6d1f0b2c47e91',
      'ffffffffffffffffffffffffffffffff',
    ]);
  });

  it('builds a match the processor reads like a CloudTrail one', () => {
    const found = guardDutyFromText(JSON.stringify(envelope(finding())), src);
    if (found.kind !== 'matches') throw new Error(JSON.stringify(found));
    const [m] = found.matches;
    expect(m.accountId).toBe(PROD_ACCOUNT);
    expect(m.rule).toMatchObject({ id: 'guardduty:UnauthorizedAccess:IAMUser/TorIPCaller', level: 'high' });
    expect(m.record).toMatchObject({
      eventName: 'UnauthorizedAccess:IAMUser/TorIPCaller',
      eventSource: 'guardduty.amazonaws.com',
      eventID: '5ac8f2e41b7d4c09a3e6d1f0b2c47e91#1',
      eventTime: '2026-11-20T10:00:00.000Z',
      awsRegion: 'us-east-1',
      sourceIPAddress: '198.51.100.23',
      userAgent: 'aws-cli/2.15.0',
      userIdentity: { type: 'IAMUser', arn: `arn:aws:iam::${PROD_ACCOUNT}:user/ci-deployer` },
    });
    expect(m.source).toEqual(src);
  });

  it('leaves CloudTrail records and other JSON to the analyzer', () => {
    expect(guardDutyFromText('{"eventName":"X","eventSource":"s3.amazonaws.com"}', src).kind).toBe('none');
    expect(guardDutyFromText('{"Records":[]}', src).kind).toBe('none');
    expect(guardDutyFromText('not json', src).kind).toBe('none');
  });

  it.each([
    ['severity', finding({ severity: 'high' }), 'severity: expected a number from 0 to 10, got "high"'],
    ['severity range', finding({ severity: 11 }), 'severity: expected a number from 0 to 10'],
    ['account', finding({ accountId: '1234' }), 'accountId: expected a 12-digit account id'],
    ['type', finding({ type: 'Recon <script>' }), 'type: expected a GuardDuty finding type'],
    ['id', finding({ id: '' }), 'id: expected a finding id'],
    ['time', finding({ updatedAt: 'yesterday' }), 'updatedAt: expected an ISO 8601 time'],
    ['count', finding({ service: { count: 0 } }), 'service.count: expected a whole number of at least 1'],
    ['region', finding({ region: 'moon-1' }), 'region: expected an AWS region'],
  ])('refuses a finding with a bad %s, naming the field', (_what, bad, message) => {
    const found = guardDutyFromText(JSON.stringify(bad), src);
    expect(found.kind).toBe('problem');
    expect((found as { message: string }).message).toContain(message);
  });

  it('refuses an envelope of another detail type, or without its finding', () => {
    expect(() =>
      parseGuardDutyInput({ ...envelope(finding()), 'detail-type': 'GuardDuty Runtime Protection Healthy' }),
    ).toThrow(/detail-type: expected "GuardDuty Finding"/);
    expect(() => parseGuardDutyInput({ ...envelope(finding()), detail: null })).toThrow(
      /detail: expected a JSON object/,
    );
  });

  it('decodes a matches-queue message that is a GuardDuty event; refuses other EventBridge sources', () => {
    const m = decodeMatch(JSON.stringify(envelope(finding())));
    expect(m.guardDuty?.findingId).toBe('5ac8f2e41b7d4c09a3e6d1f0b2c47e91');
    expect(m.source.file).toBe('eventbridge:b7d1e0c2-5f3a-4e8b-9c6d-2a1f0e9d8c7b');
    const other = { ...envelope(finding()), source: 'aws.securityhub' };
    expect(() => decodeMatch(JSON.stringify(other))).toThrow(GuardDutyInputError);
    expect(() => decodeMatch(JSON.stringify(other))).toThrow(/source: expected "aws.guardduty"/);
    const bad = envelope(finding({ severity: null }));
    expect(() => decodeMatch(JSON.stringify(bad))).toThrow(/detail.severity: expected a number/);
  });

  it.each([
    [10, 'critical'],
    [9.0, 'critical'],
    [8.9, 'high'],
    [7.0, 'high'],
    [6.9, 'medium'],
    [4.0, 'medium'],
    [3.9, 'low'],
    [1.0, 'low'],
    [0.5, 'informational'],
  ])('severity %s is level %s', (severity, level) => {
    expect(levelOfSeverity(severity)).toBe(level);
  });
});
