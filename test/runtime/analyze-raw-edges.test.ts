/**
 * Edges of the analyzer's raw path that the differential suite cannot state as "equal to full
 * parsing": top-level keys written with escapes (found only by parsing), and text that is not
 * valid JSON in parts the analyzer does not read (not validated there; the match still carries
 * it, and the processor's decoding rejects it so the message is kept in the DLQ), and Insights
 * events known only by their eventType or eventCategory, which are compared as text.
 */
import { RecordSource, type RecordView } from '../../src/cloudtrail/raw';
import { parseRawRecord } from '../../src/cloudtrail/read';
import { Analyzer, type RawOutcome, type TimeWindow } from '../../src/runtime/analyze';
import { decodeMatch, encodeMatch } from '../../src/runtime/match-queue';
import { parseRules } from '../../src/sigma';
import type { CompiledRule } from '../../src/sigma/model';

const RULE = `
title: IAM user created
id: 5b0e4f1c-7d0a-4b5e-9a77-3b6c1c2d9e01
logsource: { product: aws, service: cloudtrail }
detection:
  selection:
    eventSource: iam.amazonaws.com
    eventName: CreateUser
  condition: selection
level: medium
`;

const rules: CompiledRule[] = parseRules(RULE, 'edge.yml').rules;

/** The one record of `text`, as the record source reads it. */
async function viewOf(text: string): Promise<RecordView> {
  const views: RecordView[] = [];
  for await (const batch of new RecordSource(text, 'edge.json', () => undefined)) views.push(...batch);
  expect(views).toHaveLength(1);
  return views[0];
}

async function raw(
  text: string,
  window?: TimeWindow,
  analyzer = new Analyzer({ rules }),
): Promise<RawOutcome> {
  return analyzer.analyzeRaw(await viewOf(text), 'edge.json', undefined, window);
}

/** What full parsing says: the reader's verdict, the window, then every rule's own match. */
function reference(text: string, window?: TimeWindow): string {
  const parsed = parseRawRecord({ index: 0, text });
  if (parsed.kind !== 'record') return parsed.kind;
  const time = parsed.record.eventTime;
  if (
    window &&
    (typeof time !== 'string' ||
      (window.since && time < window.since) ||
      (window.until && time > window.until))
  )
    return 'out-of-range';
  return `record:${rules.filter((r) => r.match(parsed.record)).length}`;
}

function summary(o: RawOutcome): string {
  return o.kind === 'record' ? `record:${o.matches.length}` : o.kind;
}

describe('analyzer raw path: escaped top-level keys', () => {
  const base = '"eventSource":"iam.amazonaws.com","recipientAccountId":"111111111111"';
  const cases: Array<[string, string, TimeWindow | undefined]> = [
    ['escaped eventName', `{"event\\u004eame":"CreateUser",${base}}`, undefined],
    ['escaped duplicate wins', `{"eventName":"ListUsers","event\\u004eame":"CreateUser",${base}}`, undefined],
    [
      'escaped eventType (Insights)',
      `{"eventName":"ListBuckets","eventSource":"s3.amazonaws.com","event\\u0054ype":"AwsCloudTrailInsight"}`,
      undefined,
    ],
    [
      'escaped insightDetails',
      `{"eventName":"ListBuckets","eventSource":"s3.amazonaws.com","insight\\u0044etails":{}}`,
      undefined,
    ],
    [
      'escaped eventTime inside the window',
      `{"eventName":"CreateUser",${base},"event\\u0054ime":"2026-11-20T10:00:00Z"}`,
      { since: '2026-11-20T00:00:00Z', until: '2026-11-21T00:00:00Z' },
    ],
    ['escaped value only (fast path)', `{"eventName":"Create\\u0055ser",${base}}`, undefined],
  ];
  it.each(cases)('%s: same outcome as full parsing', async (_name, text, window) => {
    expect(summary(await raw(text, window))).toBe(reference(text, window));
  });

  it('an escaped recipientAccountId still picks the account', async () => {
    const text = `{"eventName":"CreateUser","eventSource":"iam.amazonaws.com","recipient\\u0041ccountId":"222222222222"}`;
    const out = await raw(text);
    expect(out.kind).toBe('record');
    if (out.kind === 'record') expect(out.matches.map((m) => m.accountId)).toEqual(['222222222222']);
  });
});

describe('analyzer raw path: Insights events without their marker key', () => {
  // eventType and eventCategory are compared as text where the record has no escapes.
  const head = '{"eventName":"ListBuckets","eventSource":"s3.amazonaws.com"';
  const cases: Array<[string, string]> = [
    ['eventType', `${head},"eventType":"AwsCloudTrailInsight"}`],
    ['eventCategory', `${head},"eventCategory":"Insight"}`],
    ['whitespace around the value', `${head},"eventType" :  "AwsCloudTrailInsight"\n}`],
    ['an escape in the value', `${head},"eventCategory":"Insigh\u0074"}`],
    ['a longer value', `${head},"eventType":"AwsCloudTrailInsights"}`],
    ['another case', `${head},"eventCategory":"insight"}`],
    ['a number', `${head},"eventCategory":7}`],
    ['a management event', `${head},"eventType":"AwsApiCall","eventCategory":"Management"}`],
  ];
  /** The record as the analyzer sees it in a log object's bytes: scanned by WebAssembly, known clean when it has no escape. */
  async function fromBytes(text: string): Promise<RawOutcome> {
    const views: RecordView[] = [];
    const bytes = Buffer.from(`{"Records":[${text}]}`);
    for await (const batch of new RecordSource(bytes, 'edge.json', () => undefined)) views.push(...batch);
    expect(views).toHaveLength(1);
    expect(views[0].ascii).toBe(!text.includes('\\'));
    return new Analyzer({ rules }).analyzeRaw(views[0], 'edge.json');
  }
  it.each(cases)('%s: same outcome as full parsing', async (_name, text) => {
    expect(summary(await raw(text))).toBe(reference(text));
    expect(summary(await fromBytes(text))).toBe(reference(text));
  });
  it('tells Insights events apart', async () => {
    expect(cases.map(([, text]) => reference(text))).toEqual([
      'insight',
      'insight',
      'insight',
      'insight',
      expect.stringMatching(/^record:/),
      expect.stringMatching(/^record:/),
      expect.stringMatching(/^record:/),
      expect.stringMatching(/^record:/),
    ]);
  });
});

describe('analyzer raw path: invalid JSON where it does not read', () => {
  const text =
    '{"eventName":"CreateUser","eventSource":"iam.amazonaws.com","recipientAccountId":"111111111111","requestParameters":{"userName":tru}}';

  it('is evaluated on what was read (the reader would call the record invalid)', async () => {
    expect(reference(text)).toBe('problem');
    const out = await raw(text);
    expect(summary(out)).toBe('record:1');
  });

  it('a match of such a record cannot reach the processor: its message does not decode', async () => {
    const out = await raw(text);
    if (out.kind !== 'record') throw new Error('expected a record');
    const body = encodeMatch(out.matches[0]);
    expect(() => decodeMatch(body)).toThrow(/match message is not JSON/);
    expect(() => out.matches[0].record).toThrow(SyntaxError);
  });

  it('invalid JSON in a value the rules read falls back to full parsing and is reported', async () => {
    const bad = '{"eventName":CreateUser,"eventSource":"iam.amazonaws.com"}';
    const out = await raw(bad);
    expect(out.kind).toBe('problem');
    if (out.kind === 'problem') expect(out.message).toMatch(/record 0 is not valid JSON/);
  });
});

describe('analyzer raw path: the owning account across records', () => {
  // One analyzer sees the records in order, as in a log object: the last recipientAccountId is
  // remembered by its raw text, which must never hand one record's account to another.
  const record = (recipient: string, extra = '') =>
    `{"eventName":"CreateUser","eventSource":"iam.amazonaws.com"${recipient}${extra}}`;
  const sequence: Array<[string, string, string | undefined]> = [
    ['first account', record(',"recipientAccountId":"111111111111"'), '111111111111'],
    ['same text again', record(',"recipientAccountId":"111111111111"'), '111111111111'],
    ['another account', record(',"recipientAccountId":"222222222222"'), '222222222222'],
    ['back to the first', record(',"recipientAccountId":"111111111111"'), '111111111111'],
    ['written with spaces', record(',"recipientAccountId": "111111111111" '), '111111111111'],
    [
      'written with an escape',
      record(',"recipientAccountId":"\\u0033\\u0033\\u0033333333333"'),
      '333333333333',
    ],
    ['not an account: the key decides', record(',"recipientAccountId":"11111111111x"'), '444444444444'],
    [
      'absent: userIdentity decides after the key',
      record('', ',"userIdentity":{"accountId":"555555555555"}'),
      '444444444444',
    ],
    ['same prefix, other digits', record(',"recipientAccountId":"111111111112"'), '111111111112'],
    ['the first once more', record(',"recipientAccountId":"111111111111"'), '111111111111'],
  ];
  it('equals the account full parsing gives, record after record', async () => {
    const analyzer = new Analyzer({ rules });
    for (const [what, text, expected] of sequence) {
      const outcome = await analyzer.analyzeRaw(await viewOf(text), 'edge.json', '444444444444');
      expect([
        what,
        outcome.kind === 'record' ? outcome.matches.map((m) => m.accountId) : outcome.kind,
      ]).toEqual([what, [expected]]);
    }
  });
});
