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

  it('gives a folder of many files the lines and problems of each file on its own, in order', async () => {
    // Small files are read ahead of their turn, large ones stream: the output must not show it.
    const files: Record<string, string> = { 'rules/a.yml': consoleLoginRule, 'rules/b.yml': stopLoggingRule };
    for (let i = 0; i < 40; i++) files[`logs/${String(i).padStart(2, '0')}.json`] = JSON.stringify(trail);
    files['logs/05-broken.json'] = '{"Records":[{"eventName":"StopLogging"},';
    files['logs/07/CloudTrail-Digest/d.json'] = '{}';
    const big = {
      Records: Array.from({ length: 5000 }, (_, i) => record(i % 7 ? 'GetObject' : 'StopLogging')),
    };
    files['logs/20-big.json'] = JSON.stringify(big);
    const dir = tempTree(files);
    expect(JSON.stringify(big).length).toBeGreaterThan(1024 * 1024);
    const rules = { rules: [join(dir, 'rules')], format: 'ndjson' as const };

    const whole = captureIO();
    expect(await runDetect([join(dir, 'logs')], rules, whole)).toBe(5); // EXIT_INPUT: the broken file
    const oneByOne = { out: '', err: '' };
    const names = Object.keys(files)
      .filter((f) => f.startsWith('logs/') && !f.includes('Digest'))
      .sort();
    for (const name of names) {
      const io = captureIO();
      await runDetect([join(dir, name)], rules, io);
      oneByOne.out += io.stdout();
      oneByOne.err += io.stderr().replace(/^2 rules, .*\n/m, '');
    }
    expect(whole.stdout()).toBe(oneByOne.out);
    const problems = whole
      .stderr()
      .split('\n')
      .filter((l) => l && !/^2 rules, |Digest/.test(l));
    expect(problems.join('\n')).toBe(oneByOne.err.trim());
    expect(problems.length).toBeGreaterThan(0);
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
