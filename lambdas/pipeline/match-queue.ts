/**
 * The matches queue between analyzer and processor: one SQS message per (event, rule) match.
 * Messages are sent in batches of up to 10; entries SQS refuses are retried once, then reported
 * as an error so the analyzer's own message is retried (the processor dedupes redeliveries).
 */
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Match } from '../alerts/alert';
import { ruleMetaJson, TextRecordMatch } from './text-match';

/** SQS accepts messages up to 1 MiB; matches carry the record, which the reader already caps. */
const MAX_MESSAGE_BYTES = 1024 * 1024;

export interface MatchSink {
  send(matches: Match[]): Promise<void>;
}

export function encodeMatch(match: Match): string {
  // The record's own text goes in as it is: no parse and re-serialization of whole records.
  if (match instanceof TextRecordMatch)
    return `{"rule":${ruleMetaJson(match.rule)},"record":${match.recordText},"source":${JSON.stringify(match.source)},"accountId":${JSON.stringify(match.accountId)}}`;
  return JSON.stringify(match);
}

/** Parses a matches-queue message body; throws a descriptive error for anything malformed. */
export function decodeMatch(body: string): Match {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (err) {
    throw new Error(`match message is not JSON: ${(err as Error).message}`);
  }
  const m = value as Partial<Match> | null;
  if (!m || typeof m !== 'object') throw new Error('match message: expected a JSON object');
  if (!m.rule || typeof m.rule.id !== 'string' || typeof m.rule.title !== 'string') {
    throw new Error('match message: expected rule.id and rule.title');
  }
  if (!m.record || typeof m.record !== 'object')
    throw new Error('match message: expected record (a CloudTrail record)');
  if (typeof m.accountId !== 'string') throw new Error('match message: expected accountId');
  if (!m.source || typeof m.source.file !== 'string') throw new Error('match message: expected source.file');
  return m as Match;
}

export class SqsMatchSink implements MatchSink {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(matches: Match[]): Promise<void> {
    const bodies = matches.map(encodeMatch);
    for (const body of bodies) {
      if (Buffer.byteLength(body) > MAX_MESSAGE_BYTES) {
        throw new Error(`match message of ${Buffer.byteLength(body)} bytes exceeds the SQS limit`);
      }
    }
    for (const batch of batches(bodies)) {
      let entries = batch;
      for (let attempt = 0; attempt < 2 && entries.length > 0; attempt++) {
        const res = await this.sqs.send(
          new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: entries }),
        );
        const failed = new Set((res.Failed ?? []).map((f) => f.Id));
        entries = entries.filter((e) => failed.has(e.Id));
      }
      if (entries.length > 0) throw new Error(`${entries.length} match messages were refused by SQS`);
    }
  }
}

/** Splits bodies into SendMessageBatch calls: at most 10 entries and 1 MiB in total each. */
function batches(bodies: string[]): { Id: string; MessageBody: string }[][] {
  const out: { Id: string; MessageBody: string }[][] = [];
  let current: { Id: string; MessageBody: string }[] = [];
  let bytes = 0;
  bodies.forEach((body, i) => {
    const size = Buffer.byteLength(body);
    if (current.length === 10 || (current.length > 0 && bytes + size > MAX_MESSAGE_BYTES)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push({ Id: String(i), MessageBody: body });
    bytes += size;
  });
  if (current.length > 0) out.push(current);
  return out;
}
