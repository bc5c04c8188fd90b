/**
 * The whole-process half of the benchmark (`npm run bench -- --whole-process`): the built CLI as
 * a user runs it, start-up included, one process per run, against a whole-process node script
 * doing gunzip + JSON.parse of the same file, in the same rounds:
 *   - `trailalerts --help`;
 *   - `detect` with all the rules on an empty file, with a cold rule cache (a new cache folder)
 *     and a warm one;
 *   - `detect` over a folder of small gzip objects (a day of an organization's trail is thousands
 *     of them), against the same parse of each file;
 *   - `detect <object> --format ndjson` (every match written to a file) and `scan <object>
 *     --format ndjson` (the whole pipeline, outbox included), each with the ratio
 *     parse time / its time (higher is better) per round and the lowest of the rounds, the same
 *     ratio by CPU time (each process reports its own, all threads, at exit) and detect's or
 *     scan's peak RSS.
 * The CLI bundle is rebuilt first when the sources changed (scripts/build-cli.ts).
 */
import { spawn } from 'node:child_process';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { buildCli } from './build-cli';

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'bin', 'trailalerts.js');
const MB = 1024 * 1024;

/** The same for every file of a folder, walked in name order: the baseline for a folder of objects. */
const PARSE_FOLDER_SCRIPT =
  "const fs = require('node:fs'), zlib = require('node:zlib'), path = require('node:path'); let n = 0;" +
  'const walk = (d) => { for (const name of fs.readdirSync(d).sort()) { const p = path.join(d, name);' +
  ' if (fs.statSync(p).isDirectory()) walk(p);' +
  " else n += JSON.parse(zlib.gunzipSync(fs.readFileSync(p)).toString('utf8')).Records.length; } };" +
  "walk(process.argv[1]); process.stdout.write(String(n) + '\\n');";

/** Records per object of the folder measure: a five-minute object of one account and region. */
const FOLDER_OBJECT_RECORDS = 4;

/** gunzip + JSON.parse of the whole object: the baseline, as a process of its own. */
const PARSE_SCRIPT =
  "const fs = require('node:fs'), zlib = require('node:zlib');" +
  "const v = JSON.parse(zlib.gunzipSync(fs.readFileSync(process.argv[1])).toString('utf8'));" +
  "process.stdout.write(String(v.Records.length) + '\\n');";

export interface WholeProcessOptions {
  benchDir: string;
  rulePaths: string[];
  /** Object sizes (MB) for detect, and for scan (whose alert processing is far slower). */
  detectSizes: number[];
  scanSizes: number[];
  rounds: number;
  objectOf: (sizeMb: number) => Promise<string>;
  /** The object (MB) whose records the folder measure spreads over small objects. */
  folderSourceMb: number;
}

/** The records of a log object as gzip objects of FOLDER_OBJECT_RECORDS records, under `folder` as CloudTrail names them. */
async function writeFolder(objectPath: string, folder: string): Promise<number> {
  const { Records: records } = JSON.parse(gunzipSync(readFileSync(objectPath)).toString('utf8')) as {
    Records: unknown[];
  };
  const day = join(folder, '111122223333', 'CloudTrail', 'eu-west-1', '2026', '11', '20');
  mkdirSync(day, { recursive: true });
  let objects = 0;
  for (let at = 0; at < records.length; at += FOLDER_OBJECT_RECORDS, objects++) {
    const name = `111122223333_CloudTrail_eu-west-1_20261120T0800Z_${String(objects).padStart(6, '0')}.json.gz`;
    writeFileSync(
      join(day, name),
      gzipSync(JSON.stringify({ Records: records.slice(at, at + FOLDER_OBJECT_RECORDS) })),
    );
  }
  return objects;
}

interface Run {
  seconds: number;
  /** CPU time of the process, all its threads (user + system), when it reported it. */
  cpuSeconds?: number;
  /** Its peak RSS in MB, when it reported it. */
  maxRssMb?: number;
  status: number | null;
  stderr: string;
}

/**
 * Loaded with --require into a measured process: at exit it writes its own CPU time and peak RSS
 * to fd 3, so a busy machine's share of the wall clock does not decide the comparison alone. The
 * peak RSS is Linux's VmHWM of the process's own memory: getrusage's maxrss keeps the high-water
 * mark of the process it was forked from (this bench, large after reading big outputs) across
 * exec (docs/performance.md).
 */
const REPORT_SCRIPT =
  "process.on('exit', () => { try { const fs = require('node:fs'); let maxRSS = process.resourceUsage().maxRSS;" +
  " try { const m = /VmHWM:\\s*(\\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8')); if (m) maxRSS = Number(m[1]); } catch {}" +
  ' fs.writeSync(3, JSON.stringify({ cpu: process.cpuUsage(), maxRSS })); } catch {} });\n';

/** Runs a process to its end, stdout to a file or dropped; wall time from spawn to exit. */
function timed(
  args: string[],
  options: { stdout?: string; env?: NodeJS.ProcessEnv; cwd?: string; report?: string } = {},
): Promise<Run> {
  const out = options.stdout ? openSync(options.stdout, 'w') : 'ignore';
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, options.report ? ['--require', options.report, ...args] : args, {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', out, 'pipe', options.report ? 'pipe' : 'ignore'],
    });
    let stderr = '';
    let report = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += String(c)));
    (child.stdio[3] as NodeJS.ReadableStream | null)?.on('data', (c: Buffer) => (report += String(c)));
    child.on('error', reject);
    child.on('close', (status) => {
      if (typeof out === 'number') closeSync(out);
      const run: Run = { seconds: Number(process.hrtime.bigint() - started) / 1e9, status, stderr };
      if (report) {
        const r = JSON.parse(report) as { cpu: { user: number; system: number }; maxRSS: number };
        run.cpuSeconds = (r.cpu.user + r.cpu.system) / 1e6;
        run.maxRssMb = r.maxRSS / 1024;
      }
      resolve(run);
    });
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const secs = (xs: number[]) => `${median(xs).toFixed(2)} s (runs ${xs.map((x) => x.toFixed(2)).join(', ')})`;

function check(run: Run, what: string, ok: (number | null)[] = [0]): void {
  if (!ok.includes(run.status))
    throw new Error(`${what} exited ${run.status}: ${run.stderr.trim().split('\n').slice(-3).join(' | ')}`);
}

export async function wholeProcessBench(o: WholeProcessOptions): Promise<void> {
  const build = await buildCli({ ifStale: true });
  console.log(
    `whole process: node ${CLI.slice(ROOT.length + 1)} (bundle ${build.built ? 'built now' : 'up to date'}, build ${build.buildId}), ` +
      `Node ${process.version}, ${o.rounds} rounds`,
  );
  mkdirSync(o.benchDir, { recursive: true });
  const work = mkdtempSync(join(o.benchDir, 'process-'));
  const rules = o.rulePaths.flatMap((p) => ['--rules', p]);
  const report = join(work, 'report.cjs');
  writeFileSync(report, REPORT_SCRIPT);
  try {
    // --help: the program and its command definitions only.
    const help: number[] = [];
    for (let i = 0; i < Math.max(5, o.rounds); i++) {
      const r = await timed([CLI, '--help']);
      check(r, '--help');
      help.push(r.seconds);
    }
    console.log(`--help: ${secs(help)}; goal < 0.3 s`);

    // detect with every rule on an empty file: start-up and rule loading.
    const empty = join(work, 'empty.json');
    writeFileSync(empty, '{"Records":[]}\n');
    const warmCache = join(work, 'cache-warm');
    const cold: number[] = [];
    const warm: number[] = [];
    let ruleLine = '';
    check(
      await timed([CLI, 'detect', empty, ...rules, '--format', 'ndjson'], {
        env: { TRAILALERTS_CACHE_DIR: warmCache },
      }),
      'detect',
      [0, 3],
    );
    for (let i = 0; i < Math.max(3, o.rounds); i++) {
      const c = await timed([CLI, 'detect', empty, ...rules, '--format', 'ndjson'], {
        env: { TRAILALERTS_CACHE_DIR: join(work, `cache-cold-${i}`) },
      });
      check(c, 'detect (cold cache)', [0, 3]);
      cold.push(c.seconds);
      const w = await timed([CLI, 'detect', empty, ...rules, '--format', 'ndjson'], {
        env: { TRAILALERTS_CACHE_DIR: warmCache },
      });
      check(w, 'detect (warm cache)', [0, 3]);
      warm.push(w.seconds);
      ruleLine = w.stderr.trim().split('\n').pop() ?? '';
    }
    console.log(
      `detect, empty file (${ruleLine.replace(/, 0 events.*/, '')}): warm cache ${secs(warm)}; goal < 1 s`,
    );
    console.log(`detect, empty file: cold cache ${secs(cold)}; goal < 3 s`);

    const compare = async (command: 'detect' | 'scan', sizeMb: number) => {
      const path = await o.objectOf(sizeMb);
      const { size } = statSync(path);
      const ratios: number[] = [];
      const cpuRatios: number[] = [];
      const rss: number[] = [];
      const parse: number[] = [];
      const ours: number[] = [];
      let summary = '';
      let outBytes = 0;
      let lines = 0;
      for (let round = 0; round < o.rounds; round++) {
        const p = await timed(['-e', PARSE_SCRIPT, path], { report });
        check(p, 'the parse script');
        const out = join(work, `${command}.ndjson`);
        const args =
          command === 'detect'
            ? [CLI, 'detect', path, ...rules, '--format', 'ndjson']
            : [CLI, 'scan', path, ...rules, '--format', 'ndjson', '--out', join(work, `outbox-${round}`)];
        const r = await timed(args, { stdout: out, env: { TRAILALERTS_CACHE_DIR: warmCache }, report });
        check(r, command, [0, 3]);
        rmSync(join(work, `outbox-${round}`), { recursive: true, force: true });
        const written = readFileSync(out);
        outBytes = written.length;
        lines = written.reduce((n, byte) => (byte === 10 ? n + 1 : n), 0);
        summary = r.stderr.trim().split('\n').pop() ?? '';
        parse.push(p.seconds);
        ours.push(r.seconds);
        ratios.push(p.seconds / r.seconds);
        if (p.cpuSeconds && r.cpuSeconds) cpuRatios.push(p.cpuSeconds / r.cpuSeconds);
        if (r.maxRssMb) rss.push(r.maxRssMb);
      }
      const uncompressed = gunzipSync(readFileSync(path)).length;
      const mbps = (s: number) => `${(uncompressed / MB / s).toFixed(0)} MB/s`;
      console.log(
        `${command} ${sizeMb} MB object (${(size / MB).toFixed(1)} MB gzip; ` +
          `${command === 'detect' ? `${summary.replace(/^\d+ rules, /, '')}; ` : ''}` +
          `${lines} ndjson lines, ${(outBytes / MB).toFixed(1)} MB, written): ` +
          `${command} ${secs(ours)} = ${mbps(median(ours))}, parse ${secs(parse)} = ${mbps(median(parse))}`,
      );
      console.log(
        `${command} ${sizeMb} MB: ratio parse/${command} by round ${ratios.map((r) => r.toFixed(2)).join(', ')}; ` +
          `lowest ${Math.min(...ratios).toFixed(2)}${command === 'detect' ? '; goal ≥ 1.5' : ''}; ` +
          `by CPU time (all threads) ${cpuRatios.map((r) => r.toFixed(2)).join(', ')}; ` +
          `peak RSS of ${command} ${rss.map((m) => m.toFixed(0)).join(', ')} MB`,
      );
    };
    for (const size of o.detectSizes) await compare('detect', size);

    // A day of an organization's trail is thousands of small objects, each a file to open.
    const folder = join(work, 'AWSLogs');
    const objects = await writeFolder(await o.objectOf(o.folderSourceMb), folder);
    const folderParse: number[] = [];
    const folderOurs: number[] = [];
    const folderRatios: number[] = [];
    let folderSummary = '';
    for (let round = 0; round < o.rounds; round++) {
      const p = await timed(['-e', PARSE_FOLDER_SCRIPT, folder], { report });
      check(p, 'the folder parse script');
      const r = await timed([CLI, 'detect', folder, ...rules, '--format', 'ndjson'], {
        stdout: join(work, 'folder.ndjson'),
        env: { TRAILALERTS_CACHE_DIR: warmCache },
        report,
      });
      check(r, 'detect (folder)', [0, 3]);
      folderSummary = r.stderr.trim().split('\n').pop() ?? '';
      folderParse.push(p.seconds);
      folderOurs.push(r.seconds);
      folderRatios.push(p.seconds / r.seconds);
    }
    console.log(
      `detect over a folder of ${objects} gzip objects of ${FOLDER_OBJECT_RECORDS} records ` +
        `(${folderSummary.replace(/^\d+ rules, /, '')}): detect ${secs(folderOurs)}, parse ${secs(folderParse)}; ` +
        `ratio parse/detect by round ${folderRatios.map((r) => r.toFixed(2)).join(', ')}`,
    );

    for (const size of o.scanSizes) await compare('scan', size);
    console.log(
      `load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs: figures from a busy machine are not comparable.`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
