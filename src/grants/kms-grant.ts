/**
 * Custom::TrailKeyGrant: the KMS grant that lets the reader role (the role in the log-archive
 * account through which the security account reads the trail bucket) decrypt CloudTrail log
 * objects, and only those: Decrypt only, constrained to the trail's encryption context
 * (`aws:cloudtrail:arn`). The grant names this function's own role as its retiring principal and is
 * deleted with RetireGrant, which the retiring principal may always call; RevokeGrant on a key in
 * another account would need key-policy rights the operator would have to add. KMS is reached
 * through a small port (kms:CreateGrant, kms:RetireGrant) so the logic is testable without an SDK.
 */
import { callAws, errorName } from './api-actions';

export interface CreateGrantInput {
  KeyId: string;
  GranteePrincipal: string;
  RetiringPrincipal: string;
  Operations: string[];
  Constraints: { EncryptionContextSubset: Record<string, string> };
  Name: string;
}

export interface RetireGrantInput {
  KeyId: string;
  GrantId: string;
}

/** The two KMS calls the custom resource needs. */
export interface KmsGrantsPort {
  createGrant(input: CreateGrantInput): Promise<{ GrantId?: string }>;
  retireGrant(input: RetireGrantInput): Promise<unknown>;
}

export interface ReaderGrantProps {
  keyArn: string;
  /** The reader role that decrypts the trail's objects. */
  granteeRoleArn: string;
  /** This function's own role, which retires the grant on delete. */
  retiringPrincipalArn: string;
  trailArn: string;
}

/** The grant's name; with the same parameters it makes CreateGrant idempotent. */
export const GRANT_NAME = 'TrailAlertsReaderDecrypt';

const GRANT_ID = /^[0-9a-f]{64}$/;

/** True for a KMS grant id (64 hex digits); a physical id left by a failed create is not one. */
export function isGrantId(id: string): boolean {
  return GRANT_ID.test(id);
}

/** The CreateGrant request: Decrypt only, for CloudTrail objects of this trail. */
export function readerGrantRequest(props: ReaderGrantProps): CreateGrantInput {
  return {
    KeyId: props.keyArn,
    GranteePrincipal: props.granteeRoleArn,
    RetiringPrincipal: props.retiringPrincipalArn,
    Operations: ['Decrypt'],
    Constraints: { EncryptionContextSubset: { 'aws:cloudtrail:arn': props.trailArn } },
    // Same name and parameters: KMS returns the existing grant. Any other key, grantee, trail or
    // retiring principal gives a new grant (and so a new physical id).
    Name: GRANT_NAME,
  };
}

/** Creates the grant and returns its id (the custom resource's physical id). */
export async function createReaderGrant(kms: KmsGrantsPort, props: ReaderGrantProps): Promise<string> {
  const out = await callAws('kms:CreateGrant', props.keyArn, () =>
    kms.createGrant(readerGrantRequest(props)),
  );
  if (!out.GrantId) throw new Error(`kms:CreateGrant on ${props.keyArn} returned no GrantId`);
  return out.GrantId;
}

/**
 * Retires a grant; false when there was nothing to retire: an id that is no grant id (a create
 * that never succeeded) is ignored without a call, and NotFoundException means already gone.
 */
export async function retireReaderGrant(
  kms: KmsGrantsPort,
  keyArn: string,
  grantId: string,
): Promise<boolean> {
  if (!isGrantId(grantId)) return false;
  return callAws('kms:RetireGrant', `${keyArn} (grant ${grantId})`, async () => {
    try {
      await kms.retireGrant({ KeyId: keyArn, GrantId: grantId });
      return true;
    } catch (err) {
      if (errorName(err) === 'NotFoundException') return false;
      throw err;
    }
  });
}
