/**
 * The KMS grant that lets the analyzer role decrypt CloudTrail log objects, and only those: the
 * grant is constrained to the trail's encryption context (`aws:cloudtrail:arn`). KMS is reached
 * through a small port so that the logic is testable without an SDK client.
 */

export interface CreateGrantInput {
  KeyId: string;
  GranteePrincipal: string;
  Operations: string[];
  Constraints: { EncryptionContextSubset: Record<string, string> };
  Name: string;
}

/** The two KMS calls the custom resource needs. */
export interface KmsGrantsPort {
  createGrant(input: CreateGrantInput): Promise<{ GrantId?: string }>;
  revokeGrant(input: { KeyId: string; GrantId: string }): Promise<unknown>;
}

export interface AnalyzerGrantProps {
  keyArn: string;
  granteeRoleArn: string;
  trailArn: string;
}

const GRANT_ID = /^[0-9a-f]{64}$/;

/** The CreateGrant request: Decrypt only, for CloudTrail objects of this trail. */
export function analyzerGrantRequest(props: AnalyzerGrantProps): CreateGrantInput {
  return {
    KeyId: props.keyArn,
    GranteePrincipal: props.granteeRoleArn,
    Operations: ['Decrypt'],
    Constraints: { EncryptionContextSubset: { 'aws:cloudtrail:arn': props.trailArn } },
    // Same name and parameters make CreateGrant idempotent (KMS returns the existing grant).
    Name: 'TrailAlertsAnalyzerDecrypt',
  };
}

/** Creates the grant and returns its id (the custom resource's physical id). */
export async function createAnalyzerGrant(kms: KmsGrantsPort, props: AnalyzerGrantProps): Promise<string> {
  const out = await kms.createGrant(analyzerGrantRequest(props));
  if (!out.GrantId) throw new Error(`KMS CreateGrant on ${props.keyArn} returned no GrantId`);
  return out.GrantId;
}

/** Revokes a grant; ids that are not grant ids (a create that never succeeded) are ignored. */
export async function revokeAnalyzerGrant(
  kms: KmsGrantsPort,
  keyArn: string,
  grantId: string,
): Promise<boolean> {
  if (!GRANT_ID.test(grantId)) return false;
  try {
    await kms.revokeGrant({ KeyId: keyArn, GrantId: grantId });
    return true;
  } catch (err) {
    if ((err as { name?: string }).name === 'NotFoundException') return false;
    throw err;
  }
}
