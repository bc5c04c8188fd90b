/**
 * The matches queue within SQS's limits: sizes in UTF-8 bytes, oversized matches sent trimmed and
 * marked (never costing the rest of the flush), batches packed by size, and bodies escaped so that
 * characters SQS refuses (U+FFFE, U+FFFF, control characters, lone surrogates) survive exactly.
 */
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import type { Match } from '../../src/alerts/alert';
import {
  decodeMatch,
  encodeMatch,
  fitMatch,
  SqsMatchSink,
  type TruncatedMatch,
} from '../../src/runtime/match-queue';
import {
  escapeJsonForSqs,
  isSqsSafe,
  messageBytes,
  packBatches,
  SQS_MAX_BATCH_BYTES,
  SQS_MAX_MESSAGE_BYTES,
} from '../../src/runtime/sqs-packing';
import { TextRecordMatch } from '../../src/runtime/text-match';
import { DEFAULT_MAX_RECORD_BYTES } from '../../src/cloudtrail/read';
import type { RuleMeta } from '../../src/sigma/model';
import { MIB, refusedCodePoint, ValidatingQueue } from '../faults/sqs-validating-queue';

const rule = (id: string): RuleMeta => ({
  id,
  title: `Rule ${id}`,
  level: 'high',
  tags: [],
  references: [],
  falsepositives: [],
  file: 'rules/x.yml',
  line: 1,
});

const stopLogging = (i: number, extra: Record<string, unknown> = {}) => ({
  eventVersion: '1.10',
  eventID: `e-${i}`,
  eventTime: '2026-11-20T10:10:27Z',
  eventSource: 'cloudtrail.amazonaws.com',
  eventName: 'StopLogging',
  awsRegion: 'us-east-1',
  recipientAccountId: '444455556666',
  sourceIPAddress: '198.51.100.9',
  userAgent: 'aws-cli/2.22.4',
  userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::444455556666:user/alice', accountId: '444455556666' },
  requestParameters: { name: 'arn:aws:cloudtrail:us-east-1:444455556666:trail/audit' },
  responseElements: null,
  ...extra,
});

/** A match as the analyzer makes it: the record's text as written. */
const textMatch = (i: number, record: object, text = JSON.stringify(record)) =>
  new TextRecordMatch(
    rule(`r${i % 3}`),
    text,
    { file: 's3://trail/AWSLogs/k.json.gz', index: i },
    '444455556666',
  );

const sqsMock = mockClient(SQSClient);
afterEach(() => sqsMock.reset());
afterAll(() => sqsMock.restore());

describe('the limits agree', () => {
  it('the reader, the sink and the packing all count 1 MiB of UTF-8', () => {
    expect(SQS_MAX_MESSAGE_BYTES).toBe(MIB);
    expect(SQS_MAX_BATCH_BYTES).toBe(MIB);
    expect(DEFAULT_MAX_RECORD_BYTES).toBe(SQS_MAX_MESSAGE_BYTES);
  });

  it('counts message size in UTF-8 bytes, attributes included', () => {
    expect(messageBytes('é€😀')).toBe(2 + 3 + 4);
    expect(messageBytes('ab', { level: { DataType: 'String', StringValue: 'hé' } })).toBe(2 + 5 + 6 + 3);
    expect(messageBytes('ab', { bin: { DataType: 'Binary', BinaryValue: new Uint8Array(7) } })).toBe(
      2 + 3 + 6 + 7,
    );
  });

  it('packs by count and by bytes, in order', () => {
    const sizes = [600_000, 500_000, 10, 10, 1_048_000, ...Array.from({ length: 12 }, () => 1)];
    const batches = packBatches(sizes, (n) => n);
    expect(batches.map((b) => b.length)).toEqual([1, 3, 10, 3]);
    for (const b of batches) expect(b.reduce((a, n) => a + n, 0)).toBeLessThanOrEqual(MIB);
    expect(batches.flat()).toEqual(sizes);
  });
});

describe('a 1.5 MiB match among 49 small ones', () => {
  it('sends all 50: the big one trimmed and marked, the others as they are', async () => {
    const queue = new ValidatingQueue();
    sqsMock.on(SendMessageBatchCommand).callsFake(queue.sendMessageBatch);
    const big = stopLogging(17, {
      requestParameters: { policy: 'p'.repeat(1_000_000) },
      responseElements: { echoed: 'r'.repeat(600_000) },
    });
    const matches: Match[] = Array.from({ length: 50 }, (_, i) =>
      i === 17 ? textMatch(i, big) : textMatch(i, stopLogging(i)),
    );
    expect(Buffer.byteLength(encodeMatch(matches[17]))).toBeGreaterThan(1.5 * MIB);
    const truncations: TruncatedMatch[] = [];
    await new SqsMatchSink(new SQSClient({}), 'q', { onTruncated: (t) => truncations.push(t) }).send(matches);

    expect(queue.refused).toEqual([]);
    expect(queue.bodies).toHaveLength(50);
    const decoded = queue.bodies.map(decodeMatch);
    expect(decoded.map((m) => m.source.index).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 50 }, (_, i) => i),
    );
    const trimmed = decoded.find((m) => m.source.index === 17)!;
    // Only requestParameters had to go: responseElements (600 KB) fits beside the rest.
    expect(trimmed.truncated).toEqual(['requestParameters']);
    expect(trimmed.record).not.toHaveProperty('requestParameters');
    expect(trimmed.record.responseElements).toEqual(big.responseElements);
    expect(trimmed.record.eventID).toBe('e-17');
    expect(trimmed.rule.id).toBe('r2');
    for (const m of decoded.filter((x) => x.source.index !== 17)) {
      expect(m.truncated).toBeUndefined();
      expect(m.record).toEqual(stopLogging(m.source.index));
    }
    expect(truncations).toEqual([
      expect.objectContaining({
        ruleId: 'r2',
        fields: ['requestParameters'],
        source: { file: 's3://trail/AWSLogs/k.json.gz', index: 17 },
      }),
    ]);
    expect(truncations[0].originalBytes).toBeGreaterThan(1.5 * MIB);
    expect(truncations[0].bytes).toBeLessThanOrEqual(MIB);
  });
});

describe('fitMatch', () => {
  it('drops requestParameters and responseElements first, larger first, then other large fields', () => {
    const record = stopLogging(1, {
      requestParameters: { a: 'q'.repeat(600_000) },
      responseElements: { b: 'r'.repeat(700_000) },
      additionalEventData: { c: 'a'.repeat(300_000) },
      userAgent: 'u'.repeat(200_000),
    });
    const fitted = fitMatch(textMatch(1, record));
    if ('problem' in fitted) throw new Error(fitted.problem);
    expect(fitted.truncated).toEqual(['responseElements', 'requestParameters']);
    expect(fitted.bytes).toBeLessThanOrEqual(MIB);
    const smaller = fitMatch(textMatch(1, record), 400_000);
    if ('problem' in smaller) throw new Error(smaller.problem);
    expect(smaller.truncated).toEqual(['responseElements', 'requestParameters', 'additionalEventData']);
    expect(decodeMatch(smaller.body).record.userAgent).toBe(record.userAgent);
  });

  it('drops kept fields only when nothing else is left, never the core ones', () => {
    const record = stopLogging(2, { userIdentity: { type: 'IAMUser', padding: 'i'.repeat(2 * MIB) } });
    const fitted = fitMatch({
      rule: rule('r'),
      record,
      source: { file: 'f', index: 2 },
      accountId: '444455556666',
    });
    if ('problem' in fitted) throw new Error(fitted.problem);
    expect(fitted.truncated).toEqual(['userIdentity']);
    const core = stopLogging(3, { eventName: 'x'.repeat(2 * MIB) });
    const unsendable = fitMatch({
      rule: rule('r'),
      record: core,
      source: { file: 'f', index: 3 },
      accountId: '1',
    });
    expect(unsendable).toEqual({
      problem: expect.stringMatching(/does not fit the SQS limit of 1048576 even without/),
      originalBytes: expect.any(Number),
    });
  });

  it('leaves a match that fits untouched (the record text as written)', () => {
    const text = '{ "eventID" : "e1", "eventName":"StopLogging" }';
    const fitted = fitMatch(textMatch(1, {}, text));
    expect('body' in fitted && fitted.body).toContain(text);
    expect(fitted).not.toHaveProperty('truncated');
  });

  it('a match that cannot fit is reported after every other one was sent', async () => {
    const queue = new ValidatingQueue();
    sqsMock.on(SendMessageBatchCommand).callsFake(queue.sendMessageBatch);
    const matches: Match[] = Array.from({ length: 12 }, (_, i) => textMatch(i, stopLogging(i)));
    matches.splice(4, 0, textMatch(99, stopLogging(99, { eventName: 'n'.repeat(MIB) })));
    await expect(new SqsMatchSink(new SQSClient({}), 'q').send(matches)).rejects.toThrow(
      /1 of 13 match messages were not sent \(the others were\): r0 \(s3:\/\/trail\/AWSLogs\/k.json.gz record 99\)/,
    );
    expect(queue.bodies).toHaveLength(12);
  });

  it('a refused entry costs only itself: later batches are still sent, sender faults are not retried', async () => {
    let calls = 0;
    sqsMock.on(SendMessageBatchCommand).callsFake((input) => {
      calls++;
      return {
        Successful: input.Entries.filter((e: { Id: string }) => e.Id !== '3').map((e: { Id: string }) => ({
          Id: e.Id,
        })),
        Failed: input.Entries.filter((e: { Id: string }) => e.Id === '3').map((e: { Id: string }) => ({
          Id: e.Id,
          SenderFault: true,
          Code: 'InvalidParameterValue',
        })),
      };
    });
    const matches = Array.from({ length: 25 }, (_, i) => textMatch(i, stopLogging(i)));
    await expect(new SqsMatchSink(new SQSClient({}), 'q').send(matches)).rejects.toThrow(
      /1 of 25 .*InvalidParameterValue/,
    );
    expect(calls).toBe(3);
  });
});

describe('characters SQS refuses', () => {
  const hostileAgent = 'Mozilla/5.0 \uFFFE\uFFFF \uD800 lone \uDC00 \u0001\u001F and 😀 \uFFFD';

  it.each([
    [
      'the record text as written (the analyzer)',
      () => textMatch(5, stopLogging(5, { userAgent: hostileAgent })),
    ],
    [
      'the record text with the characters raw in it',
      () => {
        // JSON.stringify escapes lone surrogates and control characters: write them raw, as a log object could.
        const text = JSON.stringify(stopLogging(5, { userAgent: 'X' })).replace(
          '"X"',
          `"${hostileAgent.split('\u0001').join('').split('\u001F').join('')}"`,
        );
        return textMatch(5, JSON.parse(text), text);
      },
    ],
    [
      'a parsed record (scan, hunt)',
      () => ({
        rule: rule('r'),
        record: stopLogging(5, { userAgent: hostileAgent }),
        source: { file: 'f', index: 5 },
        accountId: '444455556666',
      }),
    ],
  ])(
    'a StopLogging match whose userAgent holds U+FFFE, U+FFFF and lone surrogates: %s',
    async (_what, make) => {
      const match = make() as Match;
      const want = match.record.userAgent;
      expect(refusedCodePoint(JSON.stringify(match.record))).toBeDefined();
      const body = encodeMatch(match);
      expect(refusedCodePoint(body)).toBeUndefined();
      expect(isSqsSafe(body)).toBe(true);
      const queue = new ValidatingQueue();
      sqsMock.on(SendMessageBatchCommand).callsFake(queue.sendMessageBatch);
      await new SqsMatchSink(new SQSClient({}), 'q').send([match, textMatch(6, stopLogging(6))]);
      expect(queue.refused).toEqual([]);
      const received = decodeMatch(queue.bodies[0]);
      expect(received.record.userAgent).toBe(want);
      expect(received.record).toEqual(JSON.parse(JSON.stringify(match.record)));
    },
  );

  it('escapes exactly the refused characters, so every other text stays as it is', () => {
    const wrong: number[] = [];
    for (let c = 0; c <= 0xffff; c++) {
      const ch = String.fromCharCode(c);
      const quoted = ch === '"' || ch === '\\';
      const json = quoted ? `"\\${ch}"` : `"a${ch}b"`;
      const escaped = escapeJsonForSqs(json);
      const refused = refusedCodePoint(ch) !== undefined;
      // Raw control characters are not JSON: only their escaped form is parsed.
      const parses = refused || c >= 0x20;
      if (
        refusedCodePoint(escaped) !== undefined ||
        (refused ? escaped === json : escaped !== json) ||
        (parses && JSON.parse(escaped) !== (quoted ? ch : `a${ch}b`))
      )
        wrong.push(c);
    }
    expect(wrong).toEqual([]);
    expect(escapeJsonForSqs('"😀"')).toBe('"😀"');
    expect(escapeJsonForSqs('"\uD83D"')).toBe('"\\uD83D"');
    expect(JSON.parse(escapeJsonForSqs('"\uFFFE\uDE00x\uD83D"'))).toBe('\uFFFE\uDE00x\uD83D');
  });

  it('an oversized match is trimmed after escaping: the escapes count', () => {
    // 200,000 × U+FFFF is 600 KB of UTF-8, 1.2 MB once escaped.
    const fitted = fitMatch(
      textMatch(1, stopLogging(1, { requestParameters: { v: '\uFFFF'.repeat(200_000) } })),
    );
    if ('problem' in fitted) throw new Error(fitted.problem);
    expect(fitted.truncated).toEqual(['requestParameters']);
    expect(fitted.originalBytes).toBeGreaterThan(1_200_000);
  });
});
