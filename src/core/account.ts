/** An AWS account as the account directory knows it: name and place in the organization. */
export interface AccountInfo {
  id: string;
  /** Account name, or the id when unknown. */
  name: string;
  ouId?: string;
  /** `/` for root, `/Workloads/Production/Payments` … */
  ouPath: string;
  tags?: Record<string, string>;
  /** False when the directory did not know the account (resolved to root OU, id as name). */
  known: boolean;
}
