/**
 * Benchmark of the analyzer's hot path on synthetic CloudTrail log objects (1 MB to 100 MB
 * uncompressed, cached in .bench/). On the same bytes, in one process, it times:
 *   (0) gunzip alone, (a) gunzip + JSON.parse of the whole object (the baseline),
 *   (r) the streaming reader alone (gunzip → splitter → JSON.parse per record), no rules,
 *   (b) the streaming reader (gunzip → splitter → JSON.parse per record) + detection with all
 *       rules loaded (rules/ plus the SigmaHQ AWS rules when present), and
 *   (p) like (b) with the eventName prefilter skipping JSON.parse of records no rule can match.
 * Prints MB/s, events/s, the ratios b/a and p/a (throughput), rule count and peak RSS.
 * It prints figures; it is not a test.
 *
 *   npm run bench                 # 1, 10, 100 MB
 *   npm run bench -- --smoke      # a few MB, for CI
 *   npm run bench -- --memory 1024  # peak RSS of the streaming reader on a 1 GB object
 *   npm run bench -- --rules rules  # another rule set (repeatable)
 * Then the processor's alerts/s and the cost model (scripts/bench-processor.ts).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createReadStream } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { buildPrefilter } from '../lambdas/cloudtrail/prefilter';
import { parseRawRecord, rawRecordsFromStream, recordsFromStream } from '../lambdas/cloudtrail/read';
import { loadRules, RuleIndex } from '../lambdas/sigma';
import type { Diagnostic } from '../lambdas/sigma/model';
import { analyzerCost, benchProcessor, formatCost } from './bench-processor';
import { writeLogObject } from './synthetic-events';

const BENCH_DIR = join(__dirname, '..', '.bench');
/** Default rules: the shipped pack, plus SigmaHQ's AWS rules from ../shared when it is beside the checkout. */
const RULE_PATHS = [
  join(__dirname, '..', 'rules'),
  join(__dirname, '..', '..', 'shared', 'corpus', 'sigmahq-aws', 'rules'),
];
const MB = 1024 * 1024;

interface Args {
  sizes: number[];
  repeat: number;
  memoryMb?: number;
  seed: number;
  /** Rule files or directories (`--rules`, repeatable); default RULE_PATHS. */
  rules: string[];
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
  return {
    sizes,
    repeat: Number(value('repeat') ?? (smoke ? 1 : 3)),
    ...(memory ? { memoryMb: Number(memory) } : {}),
    seed: Number(value('seed') ?? 42),
    rules: argv.flatMap((a, i) => (a === '--rules' && argv[i + 1] ? [argv[i + 1]] : [])),
  };
}

function maxRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

async function objectOf(sizeMb: number, seed: number): Promise<string> {
  const path = join(BENCH_DIR, `synthetic-s${seed}-${sizeMb}mb.json.gz`);
  if (!existsSync(path) || statSync(path).size === 0) {
    process.stdout.write(`generating ${path} … `);
    const out = await writeLogObject(path, sizeMb * MB, { seed, gzipLevel: 6 });
    console.log(`${out.records} records`);
  }
  return path;
}

/** Best (shortest) time of `repeat` runs, in seconds, and the last run's result. */
async function best<T>(repeat: number, run: () => Promise<T> | T): Promise<{ seconds: number; result: T }> {
  let seconds = Infinity;
  let result!: T;
  for (let i = 0; i < repeat; i++) {
    const started = process.hrtime.bigint();
    result = await run();
    seconds = Math.min(seconds, Number(process.hrtime.bigint() - started) / 1e9);
  }
  return { seconds, result };
}

function onProblem(p: Diagnostic): void {
  if (p.severity !== 'notice') console.error(`problem: ${p.file} ${p.message}`);
}

async function detectStreaming(gz: Buffer, index: RuleIndex): Promise<{ events: number; matches: number }> {
  let events = 0;
  let matches = 0;
  for await (const { record } of recordsFromStream(Readable.from([gz]), 'bench.json.gz', onProblem)) {
    events++;
    matches += index.match(record).length;
  }
  return { events, matches };
}

async function readOnly(gz: Buffer): Promise<number> {
  let events = 0;
  for await (const _ of recordsFromStream(Readable.from([gz]), 'bench.json.gz', onProblem)) events++;
  return events;
}

async function detectPrefiltered(
  gz: Buffer,
  index: RuleIndex,
  mayMatch: (text: string) => boolean,
): Promise<{ events: number; matches: number }> {
  let events = 0;
  let matches = 0;
  for await (const raw of rawRecordsFromStream(Readable.from([gz]), 'bench.json.gz', onProblem)) {
    events++;
    if (!mayMatch(raw.text)) continue;
    const parsed = parseRawRecord(raw);
    if (parsed.kind === 'record') matches += index.match(parsed.record).length;
  }
  return { events, matches };
}

async function memoryFigure(sizeMb: number, seed: number, index: RuleIndex): Promise<void> {
  const path = await objectOf(sizeMb, seed);
  const before = maxRssMb();
  const started = Date.now();
  let events = 0;
  let matches = 0;
  for await (const { record } of recordsFromStream(createReadStream(path), path, onProblem)) {
    events++;
    matches += index.match(record).length;
  }
  const seconds = (Date.now() - started) / 1000;
  console.log(`memory: ${sizeMb} MB object, ${events} events, ${matches} matches in ${seconds.toFixed(1)} s`);
  console.log(
    `memory: peak RSS ${maxRssMb().toFixed(0)} MB (before reading: ${before.toFixed(0)} MB; goal < 300 MB for 1 GB)`,
  );
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const rulePaths = (args.rules.length > 0 ? args.rules : RULE_PATHS).filter((p) => existsSync(p));
  const bundle = loadRules(rulePaths);
  const index = new RuleIndex(bundle.rules);
  const prefilter = buildPrefilter(bundle.rules);
  const errors = bundle.diagnostics.filter((d) => d.severity === 'error').length;
  console.log(
    `rules: ${bundle.rules.length} loaded from ${rulePaths.join(', ')} (${errors} rule errors); prefilter: ${prefilter.describe()}`,
  );
  if (args.memoryMb) {
    await memoryFigure(args.memoryMb, args.seed, index);
    return;
  }
  const header = [
    'size MB',
    'events',
    '(0) gunzip MB/s',
    '(a) parse MB/s',
    '(r) stream MB/s',
    'r/a',
    '(b) detect MB/s',
    '(b) events/s',
    'b/a',
    '(p) prefilter MB/s',
    'p/a',
    'matches',
    'peak RSS MB',
  ];
  const rows: string[][] = [];
  // Warm-up: let the JIT compile every path once before anything is timed.
  const warm = readFileSync(await objectOf(1, args.seed));
  JSON.parse(gunzipSync(warm).toString('utf8'));
  await readOnly(warm);
  await detectStreaming(warm, index);
  await detectPrefiltered(warm, index, prefilter.mayMatch);
  for (const sizeMb of args.sizes) {
    const gz = readFileSync(await objectOf(sizeMb, args.seed));
    const size = gunzipSync(gz).length;
    const gunzip = await best(args.repeat, () => gunzipSync(gz).length);
    const parse = await best(
      args.repeat,
      () => (JSON.parse(gunzipSync(gz).toString('utf8')) as { Records: unknown[] }).Records.length,
    );
    const read = await best(args.repeat, () => readOnly(gz));
    const detect = await best(args.repeat, () => detectStreaming(gz, index));
    const pre = await best(args.repeat, () => detectPrefiltered(gz, index, prefilter.mayMatch));
    if (pre.result.matches !== detect.result.matches)
      throw new Error(`prefilter changed the matches: ${pre.result.matches} vs ${detect.result.matches}`);
    const mbps = (seconds: number) => (size / MB / seconds).toFixed(1);
    rows.push([
      (size / MB).toFixed(1),
      String(parse.result),
      mbps(gunzip.seconds),
      mbps(parse.seconds),
      mbps(read.seconds),
      (parse.seconds / read.seconds).toFixed(2),
      mbps(detect.seconds),
      Math.round(detect.result.events / detect.seconds).toLocaleString('en-US'),
      (parse.seconds / detect.seconds).toFixed(2),
      mbps(pre.seconds),
      (parse.seconds / pre.seconds).toFixed(2),
      String(detect.result.matches),
      maxRssMb().toFixed(0),
    ]);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join('  ');
  console.log(line(header));
  for (const row of rows) console.log(line(row));
  console.log(
    'b/a and p/a: throughput of detection relative to gunzip + JSON.parse alone (higher is better).',
  );
  // The processor (whole alert path, in-memory state) and the cost model at the measured speed.
  const proc = await benchProcessor(args.sizes.length === 1 && args.sizes[0] <= 1 ? 5000 : 20000);
  console.log(
    `processor: ${proc.matches} matches at ${Math.round(proc.matchesPerSecond).toLocaleString('en-US')} matches/s, ` +
      `${Math.round(proc.alertsPerSecond).toLocaleString('en-US')} alert outcomes/s (in-memory state; goal ≥ 2,000/s)`,
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
  console.log(
    `load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs: figures from a busy machine are not comparable.`,
  );
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exitCode = 1;
});
