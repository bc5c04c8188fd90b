/** `trailalerts detect` in-process on fixtures written here. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { runDetect } from '../../bin/cli/detect';
import { captureIO, consoleLoginRule, record, stopLoggingRule, tempTree } from './fixtures';

const trail = {
  Records: [
    record('ConsoleLogin', { additionalEventData: { MFAUsed: 'No' } }),
    record('ConsoleLogin', { additionalEventData: { MFAUsed: 'Yes' } }),
    record('StopLogging'),
    record('GetObject'),
  ],
};

describe('detect', () => {
  it('prints one NDJSON line per (event, rule) match with rule, event and source', async () => {
    const dir = tempTree({
      'rules/a.yml': consoleLoginRule,
      'rules/b.yml': stopLoggingRule,
      'logs/t.json': JSON.stringify(trail),
    });
    const io = captureIO();
    const code = await runDetect([join(dir, 'logs')], { rules: [join(dir, 'rules')], format: 'ndjson' }, io);
    expect(code).toBe(0);
    const lines = io
      .stdout()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      rule: { id: '6b2c3a11-1f0e-4a5b-9c8d-7e6f5a4b3c2d', title: 'Console Login Without MFA', level: 'high' },
      event: { eventID: 'id-ConsoleLogin', eventName: 'ConsoleLogin', eventTime: '2026-11-01T10:00:00Z' },
      source: { file: join(dir, 'logs', 't.json'), index: 0 },
    });
    expect(lines[1]).toMatchObject({
      rule: { title: 'CloudTrail Stopped', level: 'critical' },
      source: { index: 2 },
    });
    expect(io.stderr()).toContain('2 rules, 4 events, 2 matches');
  });

  it('reports invalid rules as file:line path => reason, still runs the valid ones, exits 3', async () => {
    const broken = stopLoggingRule.replace('eventSource:', 'eventSource|nosuch:');
    const dir = tempTree({
      'rules/a.yml': consoleLoginRule,
      'rules/b.yml': broken,
      't.json': JSON.stringify(trail),
    });
    const io = captureIO();
    const code = await runDetect([join(dir, 't.json')], { rules: [join(dir, 'rules')], format: 'table' }, io);
    expect(code).toBe(3);
    expect(io.stderr()).toMatch(
      /b\.yml:8 detection\.selection\.eventSource\|nosuch => unknown modifier 'nosuch'/,
    );
    expect(io.stdout()).toContain('Console Login Without MFA');
    expect(io.stdout()).not.toContain('CloudTrail Stopped');
  });

  it('reads gzip log objects and JSON lines through the shared reader', async () => {
    const dir = tempTree({ 'a.yml': stopLoggingRule });
    writeFileSync(join(dir, 'logs.json.gz'), gzipSync(JSON.stringify(trail)));
    writeFileSync(
      join(dir, 'more.jsonl'),
      `${JSON.stringify(record('DeleteTrail'))}\n${JSON.stringify(record('GetObject'))}\n`,
    );
    const io = captureIO();
    expect(
      await runDetect(
        [join(dir, 'logs.json.gz'), join(dir, 'more.jsonl')],
        { rules: [join(dir, 'a.yml')], format: 'ndjson' },
        io,
      ),
    ).toBe(0);
    const lines = io
      .stdout()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.event.eventName, l.source.index])).toEqual([
      ['StopLogging', 2],
      ['DeleteTrail', 0],
    ]);
  });

  it('keeps terminal escapes from events out of the table', async () => {
    const evil = {
      Records: [
        record('ConsoleLogin', {
          additionalEventData: { MFAUsed: 'No' },
          recipientAccountId: '\u001b[31mred',
        }),
      ],
    };
    const dir = tempTree({ 'a.yml': consoleLoginRule, 't.json': JSON.stringify(evil) });
    const io = captureIO();
    await runDetect([join(dir, 't.json')], { rules: [join(dir, 'a.yml')], format: 'table' }, io);
    expect(io.stdout()).not.toContain('\u001b');
    expect(io.stdout()).toContain('\\u001B[31mred');
  });
});
