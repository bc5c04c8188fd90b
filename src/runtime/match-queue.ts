/**
 * The matches queue between analyzer and processor: one SQS message per (event, rule) match.
 *
 * Every body is SQS-safe (sqs-packing.ts): characters SQS refuses (U+FFFE, U+FFFF, control
 * characters, lone surrogates) are written as `\uXXXX` escapes, which JSON.parse turns back into
 * exactly the same characters. A match over SQS's 1 MiB message limit is sent trimmed: the record's
 * largest fields are left out (requestParameters and responseElements first) and named in the
 * message's `truncated` list, so the processor and the notifications can say so; the full record
 * stays where `source` points. Messages go out in SendMessageBatch calls packed by size; entries
 * SQS refuses are retried once, then reported as an error, after every other entry was sent, so
 * the analyzer's own message is retried (the processor dedupes redeliveries).
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Match } from '../alerts';
import { isEventBridgeEnvelope, guardDutyMatchFromEvent } from '../guardduty';
import type { CloudTrailRecord } from '../core';
import {
  escapeJsonForSqs,
  sendBatches,
  SQS_MAX_MESSAGE_BYTES,
  utf8Bytes,
  type SizedEntry,
} from './sqs-packing';
import { ruleMetaJson, TextRecordMatch } from './text-match';

export interface MatchSink {
  send(matches: Match[]): Promise<void>;
}

/**
 * A match as the matches queue carries it. `truncated`, present only on trimmed messages, lists
 * the top-level fields of `record` that were left out to fit SQS's limit, in the order they were
 * dropped (e.g. `["requestParameters", "responseElements"]`); the full record is record
 * `source.index` of `source.file`.
 */
export interface QueuedMatch extends Match {
  truncated?: string[];
}

/** The match as its message body: SQS-safe JSON (see escapeJsonForSqs), whatever its size. */
export function encodeMatch(match: Match): string {
  const hunt = (match as Match).hunt;
  // The record's own text goes in as it is: no parse and re-serialization of whole records.
  const json =
    match instanceof TextRecordMatch
      ? `{"rule":${ruleMetaJson(match.rule)},"record":${match.recordText},"source":${JSON.stringify(match.source)},"accountId":${JSON.stringify(match.accountId)}${hunt ? `,"hunt":${JSON.stringify({ id: hunt.id })}` : ''}}`
      : JSON.stringify(match);
  return escapeJsonForSqs(json);
}

/** Fields dropped first when a match is too large: the request and the response, larger first. */
const DROP_FIRST = ['requestParameters', 'responseElements'];
/** Kept while anything else can go: who did what, when, where, and the outcome. */
const KEEP = new Set([
  'eventVersion',
  'eventID',
  'eventTime',
  'eventSource',
  'eventName',
  'eventType',
  'eventCategory',
  'awsRegion',
  'recipientAccountId',
  'userIdentity',
  'sourceIPAddress',
  'errorCode',
  'readOnly',
  'managementEvent',
  'requestID',
  'sharedEventID',
]);
/** Never dropped: without them the match cannot be deduplicated, routed or read. */
const CORE = new Set([
  'eventVersion',
  'eventID',
  'eventTime',
  'eventSource',
  'eventName',
  'awsRegion',
  'recipientAccountId',
]);

export type FittedMatch =
  | { body: string; bytes: number; truncated?: string[]; originalBytes?: number }
  | { problem: string; originalBytes: number };

/**
 * The match's message body within `maxBytes` (UTF-8, after escaping). A larger match loses record
 * fields, largest first within each group (requestParameters and responseElements; then anything
 * not in KEEP; then anything not in CORE) until it fits; fields whose room is left over are then
 * put back, so only what had to go is missing, and it is listed in `truncated`. Only a match that
 * does not fit even then (its core fields or its rule are that large, or its record text is not
 * JSON) comes back as a problem.
 */
export function fitMatch(match: Match, maxBytes = SQS_MAX_MESSAGE_BYTES): FittedMatch {
  const body = encodeMatch(match);
  const originalBytes = utf8Bytes(body);
  if (originalBytes <= maxBytes) return { body, bytes: originalBytes };
  let full: CloudTrailRecord;
  try {
    full = match.record;
  } catch (err) {
    return {
      problem: `match of ${originalBytes} bytes is over the SQS limit of ${maxBytes} and its record is not JSON (${(err as Error).message})`,
      originalBytes,
    };
  }
  const keys = Object.keys(full);
  // What each field costs in the body: "key":value and a comma, escaped.
  const cost = new Map(
    keys.map((k) => [
      k,
      utf8Bytes(escapeJsonForSqs(`${JSON.stringify(k)}:${JSON.stringify(full[k]) ?? ''},`)),
    ]),
  );
  const largestFirst = (list: string[]) => list.sort((a, b) => cost.get(b)! - cost.get(a)!);
  const order = [
    ...largestFirst(DROP_FIRST.filter((k) => k in full)),
    ...largestFirst(keys.filter((k) => !DROP_FIRST.includes(k) && !KEEP.has(k))),
    ...largestFirst(keys.filter((k) => KEEP.has(k) && !CORE.has(k))),
  ];
  const encode = (dropped: string[]) => {
    const gone = new Set(dropped);
    // fromEntries defines own properties: a "__proto__" key stays a field.
    const record: CloudTrailRecord = Object.fromEntries(
      keys.filter((k) => !gone.has(k)).map((k) => [k, full[k]]),
    );
    const text = escapeJsonForSqs(
      JSON.stringify({
        rule: match.rule,
        record,
        source: match.source,
        accountId: match.accountId,
        ...(match.hunt ? { hunt: { id: match.hunt.id } } : {}),
        truncated: dropped,
      }),
    );
    return { text, bytes: utf8Bytes(text) };
  };
  const dropped: string[] = [];
  let estimate = originalBytes;
  for (const key of order) {
    dropped.push(key);
    estimate -= cost.get(key)!;
    // Each field's cost is known: measure only once the estimate fits.
    if (estimate > maxBytes) continue;
    const fitted = encode(dropped);
    if (fitted.bytes > maxBytes) {
      estimate = fitted.bytes;
      continue;
    }
    // Put back what the room left over allows, most recently dropped (smallest) first.
    let slack = maxBytes - fitted.bytes;
    const kept = [...dropped];
    for (let i = kept.length - 1; i >= 0; i--) {
      const c = cost.get(kept[i])!;
      if (c > slack) continue;
      slack -= c;
      kept.splice(i, 1);
    }
    const final = kept.length < dropped.length ? encode(kept) : fitted;
    const use = final.bytes <= maxBytes ? { fields: kept, ...final } : { fields: dropped, ...fitted };
    return { body: use.text, bytes: use.bytes, truncated: use.fields, originalBytes };
  }
  return {
    problem: `match of ${originalBytes} bytes does not fit the SQS limit of ${maxBytes} even without ${dropped.length > 0 ? dropped.join(', ') : 'any record field'}`,
    originalBytes,
  };
}

/**
 * Parses a matches-queue message body; throws a descriptive error for anything malformed. An
 * EventBridge event is a GuardDuty finding the findings rule put on the queue
 * (stacks/constructs/guardduty-findings.ts): its match, or a GuardDutyInputError naming the field.
 */
export function decodeMatch(body: string): QueuedMatch {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (err) {
    throw new Error(`match message is not JSON: ${(err as Error).message}`);
  }
  if (isEventBridgeEnvelope(value)) return guardDutyMatchFromEvent(value);
  const m = value as Partial<QueuedMatch> | null;
  if (!m || typeof m !== 'object') throw new Error('match message: expected a JSON object');
  if (!m.rule || typeof m.rule.id !== 'string' || typeof m.rule.title !== 'string') {
    throw new Error('match message: expected rule.id and rule.title');
  }
  if (!m.record || typeof m.record !== 'object')
    throw new Error('match message: expected record (a CloudTrail record)');
  if (typeof m.accountId !== 'string') throw new Error('match message: expected accountId');
  if (!m.source || typeof m.source.file !== 'string') throw new Error('match message: expected source.file');
  if (
    m.truncated !== undefined &&
    (!Array.isArray(m.truncated) || m.truncated.some((f) => typeof f !== 'string'))
  )
    throw new Error('match message: expected truncated to be a list of field names');
  if (
    m.hunt !== undefined &&
    (typeof m.hunt !== 'object' ||
      m.hunt === null ||
      typeof m.hunt.id !== 'string' ||
      !/^[A-Za-z0-9_-]{1,80}$/.test(m.hunt.id))
  )
    throw new Error('match message: expected hunt.id to be a hunt id');
  return m as QueuedMatch;
}

/** What the sink reports about a match it had to trim. */
export interface TruncatedMatch {
  ruleId: string;
  source: { file: string; index: number };
  /** The fields left out (QueuedMatch.truncated). */
  fields: string[];
  originalBytes: number;
  bytes: number;
}

export interface SqsMatchSinkOptions {
  /** Default: SQS's 1 MiB (a queue's MaximumMessageSize can only be lower). */
  maxMessageBytes?: number;
  /** Called for every match sent trimmed (the analyzer logs and counts them). */
  onTruncated?: (info: TruncatedMatch) => void;
}

export class SqsMatchSink implements MatchSink {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly options: SqsMatchSinkOptions = {},
  ) {}

  async send(matches: Match[]): Promise<void> {
    const entries: SizedEntry[] = [];
    const problems: string[] = [];
    matches.forEach((match, i) => {
      const fitted = fitMatch(match, this.options.maxMessageBytes);
      if ('problem' in fitted) {
        problems.push(
          `${match.rule.id} (${match.source.file} record ${match.source.index}): ${fitted.problem}`,
        );
        return;
      }
      if (fitted.truncated)
        this.options.onTruncated?.({
          ruleId: match.rule.id,
          source: match.source,
          fields: fitted.truncated,
          originalBytes: fitted.originalBytes!,
          bytes: fitted.bytes,
        });
      entries.push({ Id: String(i), MessageBody: fitted.body, bytes: fitted.bytes });
    });
    const result = await sendBatches(this.sqs, this.queueUrl, entries, { retries: 1 });
    for (const f of result.failed) {
      const match = matches[Number(f.Id)];
      problems.push(
        `${match.rule.id} (${match.source.file} record ${match.source.index}): refused by SQS: ${f.code} ${f.message}`.trim(),
      );
    }
    if (problems.length > 0)
      throw new Error(
        `${problems.length} of ${matches.length} match messages were not sent (the others were): ${problems.slice(0, 3).join('; ')}${problems.length > 3 ? '; …' : ''}`,
      );
  }
}
