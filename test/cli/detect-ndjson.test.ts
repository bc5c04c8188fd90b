/**
 * `detect --format ndjson` writes each line from the record's text without parsing the record:
 * the lines must be byte for byte JSON.stringify(detectResult(rule, parsed record, source)).
 */
import { join } from 'node:path';
import { detectResult, runDetect } from '../../bin/cli/detect';
import { loadRules } from '../../src/sigma';
import { captureIO, record, stopLoggingRule, tempTree } from './fixtures';

const records = [
  record('StopLogging'),
  // Escapes, quotes, non-ASCII and control characters in the values that are written.
  record('StopLogging', {
    eventID: 'quote " and \\ backslash',
    sourceIPAddress: 'caf\u00e9 \u2028 \u0001 \ud83d\ude00',
    awsRegion: 'eu-\u0077est-1',
  }),
  // Values that are not strings, and fields that are missing.
  record('StopLogging', { eventID: 12345, awsRegion: null, sourceIPAddress: { nested: [1, 'two'] } }),
  (({ eventID: _id, recipientAccountId: _account, ...rest }) => rest)(record('StopLogging')),
  record('GetObject'),
];

describe('detect --format ndjson', () => {
  it('writes what JSON.stringify writes, for every kind of value', async () => {
    // One record written with escaped keys: the analyzer parses that one whole.
    const escapedKeys = JSON.stringify(record('StopLogging', { eventID: 'escaped-keys' })).replace(
      '"eventName"',
      '"event\\u004eame"',
    );
    const text = `{"Records":[${[...records.map((r) => JSON.stringify(r)), escapedKeys].join(',')}]}`;
    const dir = tempTree({ 'rules/stop.yml': stopLoggingRule, 'logs/t.json': text });
    const io = captureIO();
    expect(await runDetect([join(dir, 'logs')], { rules: [join(dir, 'rules')], format: 'ndjson' }, io)).toBe(
      0,
    );
    const [rule] = loadRules([join(dir, 'rules')]).rules;
    const parsed = (JSON.parse(text) as { Records: Record<string, unknown>[] }).Records;
    const expected = [0, 1, 2, 3, 5].map(
      (index) =>
        `${JSON.stringify(detectResult(rule, parsed[index], { file: join(dir, 'logs', 't.json'), index }))}\n`,
    );
    expect(io.stdout()).toBe(expected.join(''));
  });

  it('writes a line longer than its output buffer whole', async () => {
    // Non-ASCII is counted at 3 bytes a character: this event's worst case exceeds the output buffer.
    const long = record('StopLogging', { sourceIPAddress: '\u00e9'.repeat(400_000) });
    const text = `{"Records":[${JSON.stringify(record('StopLogging'))},${JSON.stringify(long)}]}`;
    const dir = tempTree({ 'rules/stop.yml': stopLoggingRule, 't.json': text });
    const io = captureIO();
    expect(
      await runDetect([join(dir, 't.json')], { rules: [join(dir, 'rules')], format: 'ndjson' }, io),
    ).toBe(0);
    const [rule] = loadRules([join(dir, 'rules')]).rules;
    const parsed = (JSON.parse(text) as { Records: Record<string, unknown>[] }).Records;
    const file = join(dir, 't.json');
    expect(io.stdout()).toBe(
      [0, 1]
        .map((index) => `${JSON.stringify(detectResult(rule, parsed[index], { file, index }))}\n`)
        .join(''),
    );
  });

  it('gives each of two records with the same text its own line and index, for every rule', async () => {
    const same = JSON.stringify(record('StopLogging'));
    const dir = tempTree({
      'rules/a.yml': stopLoggingRule,
      'rules/b.yml': stopLoggingRule.replace('7c3d', '8c3d').replace('CloudTrail Stopped', 'Also Stopped'),
      't.json': `{"Records":[${same},${same}]}`,
    });
    const io = captureIO();
    expect(
      await runDetect([join(dir, 't.json')], { rules: [join(dir, 'rules')], format: 'ndjson' }, io),
    ).toBe(0);
    const rules = loadRules([join(dir, 'rules')]).rules;
    const parsed = JSON.parse(same) as Record<string, unknown>;
    const lines = io.stdout().split('\n').filter(Boolean);
    expect(lines).toHaveLength(4);
    const expected = [0, 1].flatMap((index) =>
      rules.map((rule) => JSON.stringify(detectResult(rule, parsed, { file: join(dir, 't.json'), index }))),
    );
    expect([...lines].sort()).toEqual([...expected].sort());
    expect(lines.map((l) => (JSON.parse(l) as { source: { index: number } }).source.index)).toEqual([
      0, 0, 1, 1,
    ]);
  });

  it('writes lines of ASCII records and of the rest alike, with an ASCII rule and a non-ASCII one', async () => {
    // Over a 64 KiB piece of ASCII records first (copied into the output as they are), then
    // records with non-ASCII values (encoded): the bytes must not depend on the path taken.
    const ascii = Array.from({ length: 400 }, (_, i) =>
      record('StopLogging', { eventID: `ascii-${i}`, userAgent: 'a'.repeat(200) }),
    );
    const other = Array.from({ length: 50 }, (_, i) =>
      record('StopLogging', { eventID: `caf\u00e9-${i} \ud83d\ude00`, sourceIPAddress: '\u2028' }),
    );
    const all = [...ascii, ...other];
    const text = `{"Records":[${all.map((r) => JSON.stringify(r)).join(',')}]}`;
    expect(text.slice(0, 70_000)).toMatch(/^[\x00-\x7f]*$/); // eslint-disable-line no-control-regex
    const dir = tempTree({
      'rules/a.yml': stopLoggingRule,
      'rules/b.yml': stopLoggingRule
        .replace('7c3d', '8c3d')
        .replace('CloudTrail Stopped', 'Arrêt de CloudTrail'),
      'logs/t.json': text,
    });
    const io = captureIO();
    expect(await runDetect([join(dir, 'logs')], { rules: [join(dir, 'rules')], format: 'ndjson' }, io)).toBe(
      0,
    );
    const rules = loadRules([join(dir, 'rules')]).rules;
    const expected = all.flatMap((r, index) =>
      rules.map((rule) =>
        JSON.stringify(detectResult(rule, r, { file: join(dir, 'logs', 't.json'), index })),
      ),
    );
    const lines = io.stdout().split('\n').filter(Boolean);
    expect(lines).toHaveLength(expected.length);
    expect([...lines].sort()).toEqual([...expected].sort());
  });

  it('reports a matched record whose written fields are not valid JSON once, and writes no line for it', async () => {
    const bad =
      '{"eventSource":"cloudtrail.amazonaws.com","eventName":"StopLogging","sourceIPAddress":nope,"recipientAccountId":"111122223333"}';
    const dir = tempTree({
      'rules/a.yml': stopLoggingRule,
      'rules/b.yml': stopLoggingRule.replace('7c3d', '8c3d').replace('CloudTrail Stopped', 'Also Stopped'),
      't.json': `{"Records":[${bad}]}`,
    });
    const io = captureIO();
    expect(
      await runDetect([join(dir, 't.json')], { rules: [join(dir, 'rules')], format: 'ndjson' }, io),
    ).toBe(5);
    expect(io.stdout()).toBe('');
    expect(io.stderr().match(/record 0 => record is not valid JSON/g)).toHaveLength(1);
    expect(io.stderr()).toContain('2 rules, 1 events, 0 matches; 1 input problems');
  });
});
