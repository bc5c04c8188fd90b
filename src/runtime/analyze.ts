/**
 * The analyzer core: records in, matches out. For each record it finds the owning account, the
 * account's effective rule set (per-OU rule sets) and evaluates only those rules through a rule
 * index built once per distinct rule set. Shared by the analyzer Lambda and `trailalerts scan`.
 */
import { accountOf, parseRawRecord, type SourcedRecord } from '../cloudtrail';
import type { RecordView } from '../cloudtrail/raw';
import type { Match } from '../alerts';
import { lookupAccount, type AccountDirectory, type OrgPolicy } from '../org';
import { gateCloses, RuleIndex, type CompiledRule } from '../sigma';
import type { CloudTrailRecord } from '../core';
import { TextRecordMatch } from './text-match';

/** Events outside [since, until] (ISO-8601 UTC, compared as text) are not evaluated. */
export interface TimeWindow {
  since?: string;
  until?: string;
}

/** What became of one raw record. */
export type RawOutcome =
  | { kind: 'record'; matches: Match[] }
  | { kind: 'out-of-range' }
  | { kind: 'digest' }
  | { kind: 'insight' }
  | { kind: 'problem'; message: string };

/** How many recipientAccountId values the analyzer remembers as account ids. */
const MAX_REMEMBERED_RECIPIENTS = 8;

const NO_MATCHES: RawOutcome = { kind: 'record', matches: [] };
const OUT_OF_RANGE: RawOutcome = { kind: 'out-of-range' };
const INSIGHT: RawOutcome = { kind: 'insight' };

function outOfRange(time: unknown, window: TimeWindow | undefined): boolean {
  if (!window) return false;
  const t = typeof time === 'string' ? time : undefined;
  return (
    (window.since !== undefined && (!t || t < window.since)) ||
    (window.until !== undefined && (!t || t > window.until))
  );
}

export interface AnalyzerOptions {
  rules: CompiledRule[];
  /** Without a policy every rule runs for every account. */
  policy?: OrgPolicy;
  directory?: AccountDirectory;
  /** How long an account's rule set is remembered before the directory is asked again (default 15 min). */
  accountCacheMs?: number;
  /**
   * How long a rule set picked from a directory fallback (AccountResolution.fallback: Organizations
   * did not answer) is remembered (default 1 minute): the account may be in another OU, with other
   * rules, and is resolved again once the directory answers.
   */
  fallbackCacheMs?: number;
  /** Called each time an account's rule set comes from a directory fallback (the analyzer counts them). */
  onDirectoryFallback?: (accountId: string) => void;
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
  /** Accounts resolved through a directory fallback -> when to resolve them again. */
  private readonly provisional = new Map<string, number>();
  private records = 0;
  private readonly now: () => number;
  /** recipientAccountId values that are account ids, most recent first (see recipientAccount). */
  private readonly recipients: string[] = [];

  constructor(private readonly options: AnalyzerOptions) {
    this.fullIndex = new RuleIndex(options.rules);
    this.now = options.now ?? Date.now;
    this.accountsSince = this.now();
  }

  /**
   * Evaluates one record from its JSON text (the hot path). Only what decides the outcome is
   * parsed: eventName and eventSource pick the candidate rules; when there are any, only the
   * fields they read are parsed (RecordView.project), and matches keep the text
   * (TextRecordMatch). Anything unusual (escaped keys, digests, Insights, a value it reads that
   * is not valid JSON) goes through JSON.parse of the whole record and the reader's checks, so
   * for valid JSON the outcome is always what full parsing gives.
   *
   * What is not parsed is not validated: a record whose unread parts are not valid JSON (which
   * CloudTrail never writes; damage shows up as corrupt gzip or truncation, which the splitter
   * reports) is evaluated on what was read. If it matches, its text travels with the match and
   * the processor rejects the message (kept in the matches DLQ); `scan` reports it by record.
   * Returns a promise only the first time an account is seen.
   */
  analyzeRaw(
    view: RecordView,
    file: string,
    keyAccountId?: string,
    window?: TimeWindow,
  ): RawOutcome | Promise<RawOutcome> {
    if ((++this.records & 1023) === 0) this.expireAccounts();
    let name: unknown;
    let source: unknown;
    let accountId: string;
    try {
      const header = view.header();
      if (header === undefined) return this.analyzeParsed(view, file, keyAccountId, window);
      name = header.eventName;
      source = header.eventSource;
      if (typeof name !== 'string' && typeof source !== 'string')
        return this.analyzeParsed(view, file, keyAccountId, window);
      if (view.insightMarked()) return INSIGHT;
      if (window && outOfRange(view.value('eventTime'), window)) return OUT_OF_RANGE;
      accountId = this.recipientAccount(view, keyAccountId);
    } catch {
      return this.analyzeParsed(view, file, keyAccountId, window);
    }
    const index = this.indexByAccount.get(accountId);
    if (!index) return this.indexFor(accountId).then(() => this.analyzeRaw(view, file, keyAccountId, window));
    const candidates = index.lookup(name, source);
    if (candidates.rules.length === 0) return NO_MATCHES;
    let projected: Record<string, unknown> | undefined;
    try {
      projected = view.project(candidates.plan);
    } catch {
      // A wanted value is not valid JSON: the whole parse reports the record.
      return this.analyzeParsed(view, file, keyAccountId, window);
    }
    if (projected === undefined) return this.analyzeParsed(view, file, keyAccountId, window);
    const plain = view.projectedDotFree;
    const memo = view.projectedMemo;
    let matches: Match[] | undefined;
    let origin: { file: string; index: number } | undefined;
    for (const rule of candidates.rules) {
      // A rule the remembered identity verdicts rule out is not called (sigma/identity-gate.ts).
      if (memo !== undefined) {
        const gate = rule.identityGate;
        if (gate !== undefined && gateCloses(gate, memo)) continue;
      }
      if (rule.match(projected, plain, memo))
        (matches ??= []).push(
          new TextRecordMatch(
            rule.meta,
            view.text,
            (origin ??= { file, index: view.index }),
            accountId,
            undefined,
            view,
          ),
        );
    }
    return matches ? { kind: 'record', matches } : NO_MATCHES;
  }

  /**
   * The owning account: recipientAccountId when it is an account id, else rawAccount. The last
   * few recipientAccountId values that were account ids are remembered (a log object holds one
   * account's events, a merged file a few), so most records cost one string comparison.
   */
  private recipientAccount(view: RecordView, keyAccountId: string | undefined): string {
    const recipient = view.value('recipientAccountId');
    const known = this.recipients;
    for (let k = 0; k < known.length; k++) if (known[k] === recipient) return known[k];
    const own = accountOf({ recipientAccountId: recipient });
    if (own === undefined) return this.rawAccount(view, recipient, keyAccountId);
    if (known.length >= MAX_REMEMBERED_RECIPIENTS) known.pop();
    // Twelve characters: V8 copies a slice that short, so this pins no chunk of text.
    known.unshift(own);
    return own;
  }

  /** The owning account from the raw text: recipientAccountId, the key's account, userIdentity.accountId. */
  private rawAccount(
    view: RecordView,
    recipientAccountId: unknown,
    keyAccountId: string | undefined,
  ): string {
    return (
      accountOf({ recipientAccountId }, keyAccountId) ??
      accountOf({ recipientAccountId, userIdentity: view.value('userIdentity') }, keyAccountId) ??
      'unknown'
    );
  }

  /** The slow path: JSON.parse of the whole record and the reader's checks, then evaluation. */
  private async analyzeParsed(
    view: RecordView,
    file: string,
    keyAccountId: string | undefined,
    window: TimeWindow | undefined,
  ): Promise<RawOutcome> {
    const parsed = parseRawRecord(view);
    if (parsed.kind !== 'record') return parsed;
    const record: CloudTrailRecord = parsed.record;
    if (outOfRange(record.eventTime, window)) return OUT_OF_RANGE;
    const matches = await this.analyze({ record, source: { file, index: view.index } }, keyAccountId);
    return {
      kind: 'record',
      matches: matches.map((m) => new TextRecordMatch(m.rule, view.text, m.source, m.accountId, record)),
    };
  }

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

  /**
   * Forgets the accounts' rule sets when they are due: all of them every accountCacheMs, those
   * picked from a directory fallback after fallbackCacheMs. Runs every 1,024 records and at the
   * start of each object (analyzeStream), so a warm Lambda that sees few records still asks again.
   */
  expireAccounts(): void {
    const now = this.now();
    if (now - this.accountsSince > (this.options.accountCacheMs ?? 15 * 60_000)) {
      this.indexByAccount.clear();
      this.provisional.clear();
      this.accountsSince = now;
      return;
    }
    if (this.provisional.size === 0) return;
    for (const [accountId, until] of this.provisional) {
      if (now < until) continue;
      this.provisional.delete(accountId);
      this.indexByAccount.delete(accountId);
    }
  }

  private async indexFor(accountId: string): Promise<RuleIndex> {
    const { policy, directory } = this.options;

    let index = this.fullIndex;
    if (policy && directory) {
      const { account, fallback } = await lookupAccount(directory, accountId);
      const effective = policy.forAccount(account);
      index =
        this.indexByRuleSet.get(effective.ruleSetKey) ??
        this.fullIndex.subset(effective.ruleIds as Set<string>);
      this.indexByRuleSet.set(effective.ruleSetKey, index);
      if (fallback) {
        this.provisional.set(accountId, this.now() + (this.options.fallbackCacheMs ?? 60_000));
        this.options.onDirectoryFallback?.(accountId);
      } else this.provisional.delete(accountId);
    }
    this.indexByAccount.set(accountId, index);
    return index;
  }
}
