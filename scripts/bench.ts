/**
 * Benchmark of the analyzer's hot path on synthetic CloudTrail log objects (1 MB to 100 MB
 * uncompressed, cached in .bench/). On the same bytes, in one process, it times:
 *   (0) gunzip alone, (a) gunzip + JSON.parse of the whole object (the baseline),
 *   (s) the streaming splitter alone (gunzip → records with their key tables), no rules, and
 *   (b) the analyzer itself: the same path as the Lambda (src/runtime/analyze-stream.ts:
 *       gunzip → splitter → eventName/eventSource dispatch on the raw text → partial parsing
 *       of what the candidate rules read → matches that keep the record's text), with all
 *       rules loaded (rules/ plus the SigmaHQ AWS rules when present).
 * The measured code (src/) is loaded as one esbuild bundle, as the Lambdas run it
 * (scripts/bundled-engine.ts); the baseline is Node's own gunzip and JSON.parse.
 * Prints MB/s, events/s, the ratio b/a by wall clock and by CPU time (gunzip runs on another
 * thread in the streaming path), the rule count and peak RSS. It prints figures; it is not a test.
 * Figures are for a warm process (a Lambda container analyzes object after object): each measure
 * is the best of about 150 MB worth of runs; "first pass" is the analyzer's first run over each
 * object, before V8 has optimized for it, and the warm-up line gives the cold first pass.
 *
 *   npm run bench                 # 1, 10, 100 MB
 *   npm run bench -- --smoke      # a few MB, for CI
 *   npm run bench -- --memory 1024  # peak RSS of the analyzer on a 1 GB object
 *   npm run bench -- --rules rules  # another rule set (repeatable)
 *   npm run bench -- --trailalerts <TrailAlerts cloudtrail_analyzer dir>  # side by side (also TRAILALERTS_DIR)
 *   npm run bench -- --whole-process  # the built CLI as a user runs it (scripts/bench-process.ts)
 *   npm run bench -- --sizes 1,10 --runs 5  # five runs, each in its own process, and the minimum b/a
 * Then the processor's alerts/s and the cost model (scripts/bench-processor.ts).
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createReadStream } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import type { Analyzer } from '../src/runtime';
import type { Diagnostic } from '../src/core';
import { analyzerCost, benchProcessor, formatCost } from './bench-processor';
import {
  compareWithTrailAlerts,
  defaultTrailAlertsRuleDirs,
  trailAlertsDirFrom,
  trailAlertsDisabledLine,
} from './bench-trailalerts';
import { wholeProcessBench } from './bench-process';
import { benchRuns, type RunSummary } from './bench-runs';
import { BUNDLED_ENGINE_FILE, bundledEngine } from './bundled-engine';
import { writeLogObject } from './synthetic-events';

const BENCH_DIR = join(__dirname, '..', '.bench');
/** Default rules: the shipped pack, plus SigmaHQ's AWS rules from ../shared when it is beside the checkout. */
const RULE_PATHS = [
  join(__dirname, '..', 'rules'),
  join(__dirname, '..', '..', 'shared', 'corpus', 'sigmahq-aws', 'rules'),
];
const MB = 1024 * 1024;

interface Args {
  smoke: boolean;
  sizes: number[];
  repeat: number;
  memoryMb?: number;
  seed: number;
  /** Rule files or directories (`--rules`, repeatable); default RULE_PATHS. */
  rules: string[];
  /** `--whole-process`: the CLI as processes; `--sizes` then sizes detect's object (default 146 MB). */
  wholeProcess: boolean;
  /** `--scan-sizes`: the objects `scan` runs on in that mode (default 10 MB: its alert path is far slower). */
  scanSizes: number[];
  /** Whether --sizes was given. */
  sizesGiven: boolean;
  /** `--runs N`: the bench N times, each in a process of its own (scripts/bench-runs.ts). */
  runs: number;
  /** `--summary <file>`: where a run writes its ratios as JSON, for --runs. */
  summary?: string;
}

function parseArgs(argv: string[]): Args {
  const value = (name: string): string | undefined => {
    const at = argv.indexOf(`--${name}`);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  const smoke = argv.includes('--smoke');
  const sizes = value('sizes')?.split(',').map(Number) ?? (smoke ? [1, 4] : [1, 10, 100]);
  if (sizes.some((s) => !(s > 0))) throw new Error('--sizes expects positive MB values, e.g. 1,10,100');
  const memory = value('memory');
  const runs = Number(value('runs') ?? 1);
  if (!(Number.isInteger(runs) && runs >= 1))
    throw new Error('--runs expects a whole number of runs, e.g. 5');
  const summary = value('summary');
  return {
    runs,
    ...(summary ? { summary } : {}),
    smoke,
    sizes,
    repeat: Number(value('repeat') ?? (smoke ? 1 : 3)),
    ...(memory ? { memoryMb: Number(memory) } : {}),
    seed: Number(value('seed') ?? 42),
    rules: argv.flatMap((a, i) => (a === '--rules' && argv[i + 1] ? [argv[i + 1]] : [])),
    wholeProcess: argv.includes('--whole-process'),
    scanSizes: value('scan-sizes')?.split(',').map(Number) ?? (smoke ? [1] : [10]),
    sizesGiven: value('sizes') !== undefined,
  };
}

function maxRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

async function objectOf(sizeMb: number, seed: number): Promise<string> {
  // v2: sessions make several calls each (scripts/synthetic-events.ts).
  const path = join(BENCH_DIR, `synthetic-v2-s${seed}-${sizeMb}mb.json.gz`);
  if (!existsSync(path) || statSync(path).size === 0) {
    process.stdout.write(`generating ${path} … `);
    const out = await writeLogObject(path, sizeMb * MB, { seed, gzipLevel: 6 });
    console.log(`${out.records} records`);
  }
  return path;
}

/** Best (shortest) wall time and best CPU time (all threads of the process) of `repeat` runs, in seconds. */
async function best<T>(
  repeat: number,
  run: () => Promise<T> | T,
): Promise<{ seconds: number; cpuSeconds: number; result: T }> {
  let seconds = Infinity;
  let cpuSeconds = Infinity;
  let result!: T;
  for (let i = 0; i < repeat; i++) {
    const cpu = process.cpuUsage();
    const started = process.hrtime.bigint();
    result = await run();
    seconds = Math.min(seconds, Number(process.hrtime.bigint() - started) / 1e9);
    const used = process.cpuUsage(cpu);
    cpuSeconds = Math.min(cpuSeconds, (used.user + used.system) / 1e6);
  }
  return { seconds, cpuSeconds, result };
}

type Timed<T> = { seconds: number; cpuSeconds: number; result: T };

/** The best wall time and the best CPU time of several measurements. */
function bestOf<T>(runs: Timed<T>[]): Timed<T> {
  return {
    seconds: Math.min(...runs.map((r) => r.seconds)),
    cpuSeconds: Math.min(...runs.map((r) => r.cpuSeconds)),
    result: runs[runs.length - 1].result,
  };
}

function onProblem(p: Diagnostic): void {
  if (p.severity !== 'notice') console.error(`problem: ${p.file} ${p.message}`);
}

/** (b): the analyzer's own path over one object, as the Lambda runs it. */
async function analyze(gz: Buffer, analyzer: Analyzer): Promise<{ events: number; matches: number }> {
  let events = 0;
  let matches = 0;
  const { analyzeStream } = bundledEngine();
  for await (const batch of analyzeStream(Readable.from([gz]), 'bench.json.gz', analyzer, onProblem)) {
    events += batch.records;
    matches += batch.matches.length;
  }
  return { events, matches };
}

/** (s): gunzip and the splitter (record views with their key tables), nothing else. */
async function splitOnly(gz: Buffer): Promise<number> {
  let events = 0;
  const { RecordSource } = bundledEngine();
  for await (const views of new RecordSource(Readable.from([gz]), 'bench.json.gz', onProblem))
    events += views.length;
  return events;
}

async function memoryFigure(sizeMb: number, seed: number, analyzer: Analyzer): Promise<void> {
  const path = await objectOf(sizeMb, seed);
  const before = maxRssMb();
  const started = Date.now();
  let events = 0;
  let matches = 0;
  const { analyzeStream } = bundledEngine();
  for await (const batch of analyzeStream(createReadStream(path), path, analyzer, onProblem)) {
    events += batch.records;
    matches += batch.matches.length;
  }
  const seconds = (Date.now() - started) / 1000;
  console.log(`memory: ${sizeMb} MB object, ${events} events, ${matches} matches in ${seconds.toFixed(1)} s`);
  console.log(
    `memory: peak RSS ${maxRssMb().toFixed(0)} MB (before reading: ${before.toFixed(0)} MB; goal < 300 MB for 1 GB)`,
  );
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const args = parseArgs(argv);
  if (args.runs > 1) {
    const at = argv.indexOf('--runs');
    await benchRuns(__filename, [...argv.slice(0, at), ...argv.slice(at + 2)], args.runs);
    return;
  }
  const rulePaths = (args.rules.length > 0 ? args.rules : RULE_PATHS).filter((p) => existsSync(p));
  if (args.wholeProcess) {
    await wholeProcessBench({
      benchDir: BENCH_DIR,
      rulePaths,
      detectSizes: args.sizesGiven ? args.sizes : args.smoke ? [4] : [146],
      scanSizes: args.scanSizes,
      rounds: args.repeat,
      objectOf: (sizeMb) => objectOf(sizeMb, args.seed),
      folderSourceMb: args.smoke ? 1 : 10,
    });
    return;
  }
  const { Analyzer, loadRules, RuleIndex } = bundledEngine();
  console.log(`engine: src/ bundled by esbuild into ${BUNDLED_ENGINE_FILE}, as the Lambdas are`);
  const bundle = loadRules(rulePaths);
  const analyzer = new Analyzer({ rules: bundle.rules });
  const stats = new RuleIndex(bundle.rules).stats();
  const errors = bundle.diagnostics.filter((d) => d.severity === 'error').length;
  console.log(
    `rules: ${bundle.rules.length} loaded from ${rulePaths.join(', ')} (${errors} rule errors); ` +
      `dispatch: ${stats.byName} by eventName, ${stats.bySource} by eventSource, ${stats.byPattern} by pattern, ${stats.always} on every record`,
  );
  if (args.memoryMb) {
    await memoryFigure(args.memoryMb, args.seed, analyzer);
    return;
  }
  const header = [
    'size MB',
    'events',
    '(0) gunzip MB/s',
    '(a) parse MB/s',
    '(s) split MB/s',
    '(b) first pass MB/s',
    '(b) analyzer MB/s',
    '(b) events/s',
    'b/a',
    'b/a by CPU',
    'matches',
    'peak RSS MB',
  ];
  const rows: string[][] = [];
  const summaries: RunSummary[] = [];
  const objects: { path: string; sizeMb: number; oursMbPerSecond: number; oursEventsPerSecond: number }[] =
    [];
  // Warm-up: a Lambda container analyzes object after object for hours, so the figures below are
  // for a warm process. The rules compile into many small functions that V8 optimizes only once
  // they are hot, so one pass is not enough (docs/performance.md gives the cold figures).
  const warm = readFileSync(await objectOf(1, args.seed));
  const coldStarted = process.hrtime.bigint();
  await analyze(warm, analyzer);
  const coldMs = Number(process.hrtime.bigint() - coldStarted) / 1e6;
  const warmUntil = Date.now() + (args.smoke ? 300 : 3000);
  let warmRuns = 1;
  for (; warmRuns < 40 && Date.now() < warmUntil; warmRuns++) {
    JSON.parse(gunzipSync(warm).toString('utf8'));
    await splitOnly(warm);
    await analyze(warm, analyzer);
  }
  console.log(
    `warm-up: ${warmRuns} passes over the 1 MB object; the first (cold process, just after loading the rules) took ${coldMs.toFixed(0)} ms`,
  );
  for (const sizeMb of args.sizes) {
    const path = await objectOf(sizeMb, args.seed);
    const gz = readFileSync(path);
    const size = gunzipSync(gz).length;
    // Runs per measure: at least --repeat, and about 150 MB worth for small objects, so that the
    // figures are those of a process that has been analyzing for a while (see the warm-up).
    const repeat = args.smoke ? args.repeat : Math.max(args.repeat, Math.ceil(150 / sizeMb));
    const first = await best(1, () => analyze(gz, analyzer));
    // In up to ten rounds, each measure's runs back to back within a round: the speed of a shared
    // machine drifts over seconds to minutes, which many short rounds even out (with five, one
    // slow phase over a measure's block could decide its best), and back-to-back runs keep each
    // measure from paying for the other's garbage (a big JSON.parse leaves its objects behind).
    const rounds = args.smoke ? 1 : Math.min(10, repeat);
    const perRound = Math.max(1, Math.ceil(repeat / rounds));
    const runs = {
      gunzip: [] as Timed<number>[],
      parse: [] as Timed<number>[],
      split: [] as Timed<number>[],
    };
    const detectRuns: Timed<{ events: number; matches: number }>[] = [];
    for (let round = 0; round < rounds; round++) {
      runs.gunzip.push(await best(perRound, () => gunzipSync(gz).length));
      runs.parse.push(
        await best(
          perRound,
          () => (JSON.parse(gunzipSync(gz).toString('utf8')) as { Records: unknown[] }).Records.length,
        ),
      );
      runs.split.push(await best(perRound, () => splitOnly(gz)));
      detectRuns.push(await best(perRound, () => analyze(gz, analyzer)));
    }
    const gunzip = bestOf(runs.gunzip);
    const parse = bestOf(runs.parse);
    const split = bestOf(runs.split);
    const detect = bestOf(detectRuns);
    if (detect.result.events !== parse.result)
      throw new Error(`the analyzer read ${detect.result.events} events, JSON.parse found ${parse.result}`);
    const mbps = (seconds: number) => (size / MB / seconds).toFixed(1);
    const eventsPerSecond = detect.result.events / detect.seconds;
    objects.push({
      path,
      sizeMb,
      oursMbPerSecond: size / MB / detect.seconds,
      oursEventsPerSecond: eventsPerSecond,
    });
    summaries.push({
      sizeMb,
      ratio: parse.seconds / detect.seconds,
      cpuRatio: parse.cpuSeconds / detect.cpuSeconds,
      analyzerMbPerSecond: size / MB / detect.seconds,
      load: os.loadavg()[0],
    });
    rows.push([
      (size / MB).toFixed(1),
      String(parse.result),
      mbps(gunzip.seconds),
      mbps(parse.seconds),
      mbps(split.seconds),
      mbps(first.seconds),
      mbps(detect.seconds),
      Math.round(eventsPerSecond).toLocaleString('en-US'),
      (parse.seconds / detect.seconds).toFixed(2),
      (parse.cpuSeconds / detect.cpuSeconds).toFixed(2),
      String(detect.result.matches),
      maxRssMb().toFixed(0),
    ]);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join('  ');
  console.log(line(header));
  for (const row of rows) console.log(line(row));
  console.log(
    'b/a: analyzer throughput relative to gunzip + JSON.parse alone (higher is better); by CPU: the same with CPU time of all threads instead of wall time.',
  );
  if (args.summary) {
    // A run of --runs: its ratios are all that is asked of it.
    writeFileSync(args.summary, JSON.stringify(summaries));
    return;
  }
  // The processor (whole alert path, in-memory state) and the cost model at the measured speed.
  const proc = await benchProcessor(args.sizes.length === 1 && args.sizes[0] <= 1 ? 5000 : 20000);
  console.log(
    `processor: ${proc.matches} matches decided at ${Math.round(proc.matchesPerSecond).toLocaleString('en-US')} matches/s ` +
      `(in-memory state; goal ≥ 2,000/s), ${Math.round(proc.alertsPerSecond).toLocaleString('en-US')} outcomes/s ` +
      `(an alert folded into a digest is no outcome of its own)`,
  );
  const last = rows[rows.length - 1];
  if (last) {
    const eventsPerSecond = Number(last[7].replace(/,/g, ''));
    console.log(
      formatCost(
        analyzerCost({ eventsPerSecond, mbPerSecond: Number(last[6]) }),
        'analyzer cost at the last row',
      ),
    );
  }
  // TrailAlerts' own analyzer on the same objects (and the real logs), when a checkout is given.
  const trailalerts = trailAlertsDirFrom(process.argv.slice(2));
  if (trailalerts) {
    const lines = await compareWithTrailAlerts({
      dir: trailalerts,
      rulesDir: args.rules.length > 0 ? args.rules : defaultTrailAlertsRuleDirs(),
      objects,
    });
    for (const l of lines) console.log(l);
  } else {
    console.log(trailAlertsDisabledLine());
    console.log(
      `load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs: figures from a busy machine are not comparable.`,
    );
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exitCode = 1;
});
