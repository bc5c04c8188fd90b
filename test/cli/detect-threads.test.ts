/**
 * `detect --threads`: the worker threads (bin/cli/detect-threads.ts) write the same bytes in the
 * same order, report the same problems in the same order and exit with the same code as the
 * single-threaded path, on a multi-MB gzip object of many batches with matching records, damaged
 * records and elements that are not records, and on a truncated gzip object. In-process (the
 * workers run the TypeScript through tsx) and through the entry point (the built bundle's worker
 * entry when dist/cli is built).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { runDetect } from '../../bin/cli/detect';
import { EXIT_INPUT } from '../../bin/cli/exit-codes';
import { parseThreads, workerCount } from '../../bin/cli/detect-threads-options';
import { BATCH_CHARS } from '../../bin/cli/detect-threads';
import { captureIO, consoleLoginRule, record, stopLoggingRule, tempTree } from './fixtures';

const cli = join(__dirname, '..', '..', 'bin', 'trailalerts.js');

/** Element texts of a log object: matches, fillers, damaged records, non-records, in a fixed pattern. */
function elements(count: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const r = (name: string, extra: Record<string, unknown> = {}) =>
      JSON.stringify(
        record(name, { eventID: `id-${i}`, requestParameters: { pad: 'x'.repeat(i % 300) }, ...extra }),
      );
    switch (i % 97) {
      case 0: // matches, but a field detect prints is not valid JSON: reported when its line is written
        out.push(r('ConsoleLogin', { additionalEventData: { MFAUsed: 'No' } }).replace('"us-east-1"', 'nul'));
        break;
      case 1: // the analyzer cannot read it
        out.push(r('StopLogging').replace('"cloudtrail.amazonaws.com"', 'tru'));
        break;
      case 2: // not a record
        out.push(String(i));
        break;
      default:
        if (i % 7 === 0) out.push(r('ConsoleLogin', { additionalEventData: { MFAUsed: 'No' } }));
        else if (i % 11 === 0) out.push(r('StopLogging'));
        // The same text twice in a row: two records, each with its own lines.
        else if (i % 13 === 0) out.push(JSON.stringify(record('StopLogging')));
        else out.push(r('GetObject', { eventSource: 's3.amazonaws.com' }));
    }
  }
  return out;
}

function fixture(): { dir: string; big: string; truncated: string; rules: string } {
  const text = `{"Records":[${elements(9000).join(',')}]}`;
  // Several batches per worker, so that the main thread waits and the results are reordered.
  expect(text.length).toBeGreaterThan(8 * BATCH_CHARS);
  const dir = tempTree({ 'rules/a.yml': consoleLoginRule, 'rules/b.yml': stopLoggingRule });
  const big = join(dir, 'big.json.gz');
  writeFileSync(big, gzipSync(text));
  // Few enough damaged records that the read error is among the problems shown (20 per file).
  const cut = gzipSync(`{"Records":[${elements(600).join(',')}]}`);
  const truncated = join(dir, 'truncated.json.gz');
  writeFileSync(truncated, cut.subarray(0, Math.floor(cut.length * 0.6)));
  return { dir, big, truncated, rules: join(dir, 'rules') };
}

describe('detect --threads', () => {
  const f = fixture();

  it.each(['ndjson', 'table'] as const)(
    'writes the same %s output, problems and exit code with worker threads as without',
    async (format) => {
      const runs = [];
      for (const threads of [1, 2, 3]) {
        const io = captureIO();
        const code = await runDetect([f.big, f.truncated], { rules: [f.rules], format, threads }, io);
        runs.push({ code, out: io.stdout(), err: io.stderr() });
      }
      const [one, ...more] = runs;
      expect(one.code).toBe(EXIT_INPUT);
      // The table prints no awsRegion: only NDJSON reads the damaged one.
      if (format === 'ndjson') expect(one.err).toMatch(/big\.json\.gz record 97 => record is not valid JSON/);
      expect(one.err).toMatch(/big\.json\.gz record 98 => record 98 is not valid JSON/);
      expect(one.err).toMatch(/big\.json\.gz record 99 => record 99 is a scalar/);
      expect(one.err).toMatch(
        /truncated\.json\.gz.*gzip data is corrupt or truncated \(.*\) after record \d+/,
      );
      expect(one.err).toMatch(/further problems in this file were not shown/);
      if (format === 'ndjson') {
        const lines = one.out.trim().split('\n');
        expect(lines.length).toBeGreaterThan(1500);
        const indexes = lines
          .map((l) => JSON.parse(l) as { source: { file: string; index: number } })
          .filter((l) => l.source.file === f.big)
          .map((l) => l.source.index);
        expect(indexes).toEqual([...indexes].sort((a, b) => a - b));
      }
      for (const run of more) {
        expect(run.code).toBe(one.code);
        expect(run.err).toBe(one.err);
        expect(run.out === one.out).toBe(true);
      }
    },
    120_000,
  );

  it('writes the same bytes through the entry point (the built worker entry when built)', () => {
    const run = (threads: string) =>
      spawnSync(
        process.execPath,
        [cli, 'detect', f.big, f.truncated, '--rules', f.rules, '--format', 'ndjson', '--threads', threads],
        { encoding: 'buffer', timeout: 120_000, maxBuffer: 64 * 1024 * 1024 },
      );
    const one = run('1');
    const two = run('2');
    expect(one.status).toBe(EXIT_INPUT);
    expect(two.status).toBe(one.status);
    expect(two.stderr.toString()).toBe(one.stderr.toString());
    expect(one.stdout.length).toBeGreaterThan(100_000);
    expect(Buffer.compare(two.stdout, one.stdout)).toBe(0);
  }, 120_000);

  it('takes "auto" or a whole number of threads', () => {
    expect(parseThreads('auto')).toBe('auto');
    expect(parseThreads('3')).toBe(3);
    expect(() => parseThreads('0')).toThrow(/auto.*whole number/);
    expect(() => parseThreads('1.5')).toThrow();
    expect(workerCount('auto', 2)).toBe(1);
    expect(workerCount('auto', 1)).toBe(0);
    expect(workerCount(1, 8)).toBe(0);
    expect(workerCount(4, 2)).toBe(3);
  });
});
