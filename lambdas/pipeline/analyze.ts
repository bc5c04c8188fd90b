/**
 * The analyzer core: records in, matches out. For each record it finds the owning account, the
 * account's effective rule set (per-OU rule sets) and evaluates only those rules through a rule
 * index built once per distinct rule set. Shared by the analyzer Lambda and `trailalerts scan`.
 */
import { accountOf } from '../cloudtrail/keys';
import { buildPrefilter, type Prefilter } from '../cloudtrail/prefilter';
import type { SourcedRecord } from '../cloudtrail/types';
import type { Match } from '../alerts/alert';
import type { AccountDirectory } from '../org/directory';
import type { OrgPolicy } from '../org/effective';
import { RuleIndex } from '../sigma/rule-index';
import type { CompiledRule } from '../sigma/model';

export interface AnalyzerOptions {
  rules: CompiledRule[];
  /** Without a policy every rule runs for every account. */
  policy?: OrgPolicy;
  directory?: AccountDirectory;
  /** How long an account's rule set is remembered before the directory is asked again (default 15 min). */
  accountCacheMs?: number;
  now?: () => number;
}

export class Analyzer {
  private readonly fullIndex: RuleIndex;
  /** accountId -> index of the rules that account runs (resolved once per account). */
  private readonly indexByAccount = new Map<string, RuleIndex>();
  /** ruleSetKey -> index, so accounts that share a rule set share one index. */
  private readonly indexByRuleSet = new Map<string, RuleIndex>();
  /** When the per-account map was last emptied: accounts move between OUs, warm Lambdas live long. */
  private accountsSince: number;
  private records = 0;
  private readonly now: () => number;

  /**
   * Raw-text prefilter over all loaded rules. The account (and so its rule subset) is only known
   * after parsing, and every subset's rules are among these, so one prefilter serves all accounts.
   */
  readonly prefilter: Prefilter;

  constructor(private readonly options: AnalyzerOptions) {
    this.fullIndex = new RuleIndex(options.rules);
    this.prefilter = buildPrefilter(options.rules);
    this.now = options.now ?? Date.now;
    this.accountsSince = this.now();
  }

  /** False only when no loaded rule can match the record whose JSON text this is. */
  readonly mayMatch = (text: string): boolean => this.prefilter.mayMatch(text);

  /** Evaluates one record; `keyAccountId` is the account from the S3 key or file path, when known. */
  async analyze(item: SourcedRecord, keyAccountId?: string): Promise<Match[]> {
    // The clock is read every 1,024 records, not per record.
    if ((++this.records & 1023) === 0) this.expireAccounts();
    const accountId = accountOf(item.record, keyAccountId) ?? 'unknown';
    const index = this.indexByAccount.get(accountId) ?? (await this.indexFor(accountId));
    const rules = index.match(item.record);
    if (rules.length === 0) return [];
    return rules.map((rule) => ({ rule: rule.meta, record: item.record, source: item.source, accountId }));
  }

  private expireAccounts(): void {
    if (this.now() - this.accountsSince > (this.options.accountCacheMs ?? 15 * 60_000)) {
      this.indexByAccount.clear();
      this.accountsSince = this.now();
    }
  }

  private async indexFor(accountId: string): Promise<RuleIndex> {
    const { policy, directory } = this.options;

    let index = this.fullIndex;
    if (policy && directory) {
      const account = await directory.resolve(accountId);
      const effective = policy.forAccount(account);
      index =
        this.indexByRuleSet.get(effective.ruleSetKey) ??
        this.fullIndex.subset(effective.ruleIds as Set<string>);
      this.indexByRuleSet.set(effective.ruleSetKey, index);
    }
    this.indexByAccount.set(accountId, index);
    return index;
  }
}
