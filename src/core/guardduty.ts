/**
 * GuardDuty findings become alerts of a rule named `guardduty:<finding type>`: accounts.yaml may
 * refer to such rules although no rule file defines them (the types are GuardDuty's, known at run time).
 */
export const GUARDDUTY_RULE_PREFIX = 'guardduty:';

/** Whether a rule reference names GuardDuty finding rules (`guardduty:Recon:EC2/PortProbeUnprotectedPort`, `guardduty:*`). */
export function isGuardDutyRuleRef(ref: string): boolean {
  return ref.trim().toLowerCase().startsWith(GUARDDUTY_RULE_PREFIX);
}
