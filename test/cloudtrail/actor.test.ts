/** Tests for actorOf: every userIdentity type CloudTrail emits, with realistic records, and garbage. */
import fc from 'fast-check';
import { actorOf } from '../../src/cloudtrail/actor';

const ACCT = '444455556666';

describe('actorOf', () => {
  it('IAMUser: user ARN and user name', () => {
    const a = actorOf({
      userIdentity: {
        type: 'IAMUser',
        principalId: 'AIDAEXAMPLE1234567890',
        arn: `arn:aws:iam::${ACCT}:user/ops/alice`,
        accountId: ACCT,
        accessKeyId: 'AKIAEXAMPLE',
        userName: 'alice',
      },
    });
    expect(a).toEqual({
      type: 'IAMUser',
      id: `arn:aws:iam::${ACCT}:user/ops/alice`,
      userName: 'alice',
      accountId: ACCT,
      identifiers: [`arn:aws:iam::${ACCT}:user/ops/alice`, 'alice'],
      display: 'user/alice',
    });
  });

  it('AssumedRole: role ARN rebuilt with its path from the session issuer, and the session ARN', () => {
    const a = actorOf({
      userIdentity: {
        type: 'AssumedRole',
        principalId: 'AROAEXAMPLE:deploy-session',
        arn: `arn:aws:sts::${ACCT}:assumed-role/Deployer/deploy-session`,
        accountId: ACCT,
        accessKeyId: 'ASIAEXAMPLE',
        sessionContext: {
          sessionIssuer: {
            type: 'Role',
            principalId: 'AROAEXAMPLE',
            arn: `arn:aws:iam::${ACCT}:role/ci/Deployer`,
            accountId: ACCT,
            userName: 'Deployer',
          },
          attributes: { creationDate: '2026-11-20T10:00:00Z', mfaAuthenticated: 'false' },
        },
      },
    });
    expect(a.type).toBe('AssumedRole');
    expect(a.id).toBe(`arn:aws:iam::${ACCT}:role/ci/Deployer`);
    expect(a.roleArn).toBe(`arn:aws:iam::${ACCT}:role/ci/Deployer`);
    expect(a.sessionArn).toBe(`arn:aws:sts::${ACCT}:assumed-role/Deployer/deploy-session`);
    expect(a.userName).toBeUndefined();
    expect(a.identifiers).toEqual([a.roleArn, a.sessionArn]);
    expect(a.display).toBe('role/Deployer (session deploy-session)');
  });

  it('AssumedRole without a session issuer: role ARN from the session ARN (other partitions kept)', () => {
    const a = actorOf({
      userIdentity: { type: 'AssumedRole', arn: `arn:aws-us-gov:sts::${ACCT}:assumed-role/Auditor/i-0abc` },
    });
    expect(a.roleArn).toBe(`arn:aws-us-gov:iam::${ACCT}:role/Auditor`);
    expect(a.accountId).toBe(ACCT);
    expect(a.display).toBe('role/Auditor (session i-0abc)');
  });

  it('AssumedRole of an AWSReservedSSO_* role carries the Identity Center user in the session name', () => {
    const a = actorOf({
      userIdentity: {
        type: 'AssumedRole',
        principalId: 'AROAEXAMPLE:alice@acme.example',
        arn: `arn:aws:sts::${ACCT}:assumed-role/AWSReservedSSO_AdministratorAccess_0123456789abcdef/alice@acme.example`,
        accountId: ACCT,
        sessionContext: {
          sessionIssuer: {
            type: 'Role',
            arn: `arn:aws:iam::${ACCT}:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_AdministratorAccess_0123456789abcdef`,
            accountId: ACCT,
            userName: 'AWSReservedSSO_AdministratorAccess_0123456789abcdef',
          },
        },
      },
    });
    expect(a.roleArn).toBe(
      `arn:aws:iam::${ACCT}:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_AdministratorAccess_0123456789abcdef`,
    );
    expect(a.userName).toBe('alice@acme.example');
    expect(a.identifiers).toContain('alice@acme.example');
    expect(a.identifiers).toContain(a.sessionArn);
  });

  it('Root: arn:aws:iam::<acct>:root', () => {
    const a = actorOf({
      userIdentity: {
        type: 'Root',
        principalId: ACCT,
        arn: `arn:aws:iam::${ACCT}:root`,
        accountId: ACCT,
        accessKeyId: '',
      },
    });
    expect(a).toMatchObject({
      type: 'Root',
      id: `arn:aws:iam::${ACCT}:root`,
      accountId: ACCT,
      display: `root (${ACCT})`,
    });
    expect(actorOf({ userIdentity: { type: 'Root', accountId: ACCT } }).id).toBe(`arn:aws:iam::${ACCT}:root`);
  });

  it('AWSService: by invokedBy', () => {
    const a = actorOf({ userIdentity: { type: 'AWSService', invokedBy: 'cloudtrail.amazonaws.com' } });
    expect(a).toEqual({
      type: 'AWSService',
      id: 'cloudtrail.amazonaws.com',
      invokedBy: 'cloudtrail.amazonaws.com',
      identifiers: ['cloudtrail.amazonaws.com'],
      display: 'cloudtrail.amazonaws.com',
    });
  });

  it('invokedBy on a user is kept alongside the principal', () => {
    const a = actorOf({
      userIdentity: {
        type: 'AssumedRole',
        arn: `arn:aws:sts::${ACCT}:assumed-role/R/s`,
        invokedBy: 'ec2.amazonaws.com',
      },
    });
    expect(a.invokedBy).toBe('ec2.amazonaws.com');
    expect(a.id).toBe(`arn:aws:iam::${ACCT}:role/R`);
  });

  it('AWSAccount: the other account', () => {
    const a = actorOf({
      userIdentity: {
        type: 'AWSAccount',
        principalId: 'AIDAEXAMPLE',
        accountId: '123456789012',
        invokedBy: 'AWS Internal',
      },
    });
    expect(a).toMatchObject({
      type: 'AWSAccount',
      id: '123456789012',
      accountId: '123456789012',
      display: 'account 123456789012',
    });
    expect(a.identifiers).toEqual(['123456789012', 'AIDAEXAMPLE']);
  });

  it('FederatedUser: federated user ARN and name, issuer ARN as an identifier', () => {
    const a = actorOf({
      userIdentity: {
        type: 'FederatedUser',
        principalId: `${ACCT}:bob`,
        arn: `arn:aws:sts::${ACCT}:federated-user/bob`,
        accountId: ACCT,
        sessionContext: {
          sessionIssuer: { type: 'IAMUser', arn: `arn:aws:iam::${ACCT}:user/broker`, userName: 'broker' },
        },
      },
    });
    expect(a).toMatchObject({
      type: 'FederatedUser',
      id: `arn:aws:sts::${ACCT}:federated-user/bob`,
      userName: 'bob',
      display: 'federated-user/bob',
    });
    expect(a.identifiers).toContain(`arn:aws:iam::${ACCT}:user/broker`);
  });

  it('IdentityCenterUser: by user name, else the identity store user id', () => {
    const withName = actorOf({
      userIdentity: {
        type: 'IdentityCenterUser',
        accountId: ACCT,
        onBehalfOf: {
          userId: '906754e8-1001-70b6-6d1f-EXAMPLE',
          identityStoreArn: 'arn:aws:identitystore::444455556666:identitystore/d-1234567890',
        },
        credentialId: 'EXAMPLE',
        userName: 'carol',
      },
    });
    expect(withName).toMatchObject({
      type: 'IdentityCenterUser',
      id: 'carol',
      userName: 'carol',
      display: 'identity-center/carol',
    });
    expect(withName.identifiers).toContain('906754e8-1001-70b6-6d1f-EXAMPLE');
    const withoutName = actorOf({
      userIdentity: { type: 'IdentityCenterUser', onBehalfOf: { userId: 'u-1' } },
    });
    expect(withoutName.id).toBe('u-1');
  });

  it('SAMLUser and WebIdentityUser: by user name', () => {
    const saml = actorOf({
      userIdentity: {
        type: 'SAMLUser',
        principalId: 'SAMLExampleIdP:dave@acme.example',
        userName: 'dave@acme.example',
        identityProvider: 'bdGOnTesti4+ExamplemYSfhXgyxg=',
      },
    });
    expect(saml).toMatchObject({ type: 'SAMLUser', id: 'dave@acme.example', userName: 'dave@acme.example' });
    expect(saml.display).toBe('saml/dave@acme.example (bdGOnTesti4+ExamplemYSfhXgyxg=)');
    const web = actorOf({
      userIdentity: {
        type: 'WebIdentityUser',
        principalId: 'accounts.google.com:app-id:user-id-123',
        identityProvider: 'accounts.google.com',
      },
    });
    expect(web).toMatchObject({
      type: 'WebIdentityUser',
      id: 'user-id-123',
      userName: 'user-id-123',
      display: 'web-identity/user-id-123 (accounts.google.com)',
    });
  });

  it('Unknown: by user name (Identity Center sign-in), else principal id', () => {
    expect(
      actorOf({ userIdentity: { type: 'Unknown', principalId: 'x', accountId: ACCT, userName: 'erin' } }),
    ).toMatchObject({ type: 'Unknown', id: 'erin', userName: 'erin' });
    expect(actorOf({ userIdentity: { type: 'Unknown', principalId: 'AIDAX' } }).id).toBe('AIDAX');
    expect(actorOf({})).toEqual({
      type: 'Unknown',
      id: 'unknown',
      identifiers: ['unknown'],
      display: 'unknown',
    });
  });

  it('never throws and caps long values on garbage input', () => {
    expect(actorOf({ userIdentity: { type: 42, arn: ['x'], sessionContext: 'x' } }).type).toBe('Unknown');
    expect(
      actorOf({
        userIdentity: {
          type: 'AssumedRole',
          arn: 'not-an-arn',
          sessionContext: { sessionIssuer: { arn: 7 } },
        },
      }).id,
    ).toBe('not-an-arn');
    expect(
      actorOf({ userIdentity: { type: 'IAMUser', userName: 'u'.repeat(10000) } }).id.length,
    ).toBeLessThanOrEqual(512);
    expect(actorOf(null as unknown as Record<string, unknown>).id).toBe('unknown');
    fc.assert(
      fc.property(
        fc.jsonValue(),
        fc.constantFrom(
          'IAMUser',
          'AssumedRole',
          'Root',
          'AWSService',
          'AWSAccount',
          'FederatedUser',
          'IdentityCenterUser',
          'SAMLUser',
          'WebIdentityUser',
          'Unknown',
        ),
        (junk, type) => {
          const a = actorOf({
            userIdentity: {
              ...(typeof junk === 'object' && junk !== null && !Array.isArray(junk) ? junk : {}),
              type,
            },
          });
          expect(typeof a.id).toBe('string');
          expect(a.identifiers.length).toBeGreaterThan(0);
          expect(typeof a.display).toBe('string');
        },
      ),
      { numRuns: 300 },
    );
  });
});
