/**
 * Two versions of the analyzer in one process, run in turn over the same objects: the way to
 * compare a change on a shared machine, whose speed drifts between runs (two bench runs a minute
 * apart disagree more than most changes do). Each version's src/ is bundled by esbuild
 * from `git archive <rev>` (or the working tree), as scripts/bundled-engine.ts does; each round
 * runs the baseline (gunzip + JSON.parse) and both versions, in alternating order. Prints, per
 * object, the minimum and median wall time, the median CPU time of the process, the main thread's
 * CPU time per run (Linux: /proc/self/task/<pid>/stat), b/a against the baseline, and fails when
 * the two versions find different matches. It prints figures; it is not a test.
 *
 *   npx tsx scripts/bench-ab.ts --base f965df6                 # that commit against the working tree
 *   npx tsx scripts/bench-ab.ts --base HEAD~1 --head HEAD --sizes 10 --rounds 40
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { buildSync } from 'esbuild';
import type { Engine } from './bundled-engine';
import { writeLogObject } from './synthetic-events';

const ROOT = join(__dirname, '..');
const BENCH_DIR = join(ROOT, '.bench');
const MB = 1024 * 1024;
const RULE_PATHS = [join(ROOT, 'rules'), join(ROOT, '..', 'shared', 'corpus', 'sigmahq-aws', 'rules')];

interface Args {
  base: string;
  /** A revision, or undefined for the working tree. */
  head?: string;
  sizes: number[];
  rounds: number;
  rules: string[];
}

function parseArgs(argv: string[]): Args {
  const value = (name: string): string | undefined => {
    const at = argv.indexOf(`--${name}`);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  const base = value('base');
  if (!base) throw new Error('--base <revision> is required (e.g. --base HEAD~1)');
  const sizes = (value('sizes') ?? '1,10').split(',').map(Number);
  if (sizes.some((s) => !(s > 0))) throw new Error('--sizes expects positive MB values, e.g. 1,10');
  const rounds = Number(value('rounds') ?? 25);
  if (!(rounds >= 3)) throw new Error('--rounds expects a number of at least 3');
  const rules = argv.flatMap((a, i) => (a === '--rules' && argv[i + 1] ? [argv[i + 1]] : []));
  return { base, head: value('head'), sizes, rounds, rules };
}

/** The engine bundle of a revision (or the working tree), loaded. */
function engineOf(rev: string | undefined, work: string): { name: string; engine: Engine } {
  let tree = ROOT;
  const name = rev ?? 'working tree';
  if (rev !== undefined) {
    tree = mkdtempSync(join(work, 'tree-'));
    const archive = execFileSync('git', ['-C', ROOT, 'archive', rev, 'package.json', 'src', 'scripts'], {
      maxBuffer: 256 * MB,
    });
    execFileSync('tar', ['-x', '-C', tree], { input: archive });
    // esbuild resolves packages upwards from the bundled files.
    symlinkSync(join(ROOT, 'node_modules'), join(tree, 'node_modules'));
  }
  const outfile = join(work, `engine-${rev === undefined ? 'work' : rev.replace(/[^\w.-]/g, '_')}.js`);
  buildSync({
    entryPoints: [join(tree, 'scripts', 'bench-engine.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    outfile,
    logLevel: 'error',
  });
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a bundle built just now
  return { name, engine: require(outfile) as Engine };
}

/** CPU time of this thread in ms (Linux; elsewhere undefined), in 10 ms ticks. */
function mainThreadMs(): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

function processCpuMs(): number {
  const used = process.cpuUsage();
  return (used.user + used.system) / 1000;
}

interface Side {
  name: string;
  engine: Engine;
  analyzer: InstanceType<Engine['Analyzer']>;
}

async function analyze(side: Side, gz: Buffer): Promise<number> {
  let matches = 0;
  for await (const batch of side.engine.analyzeStream(
    Readable.from([gz]),
    'ab.json.gz',
    side.analyzer,
    () => {},
  ))
    matches += batch.matches.length;
  return matches;
}

async function objectOf(sizeMb: number): Promise<Buffer> {
  const path = join(BENCH_DIR, `synthetic-v2-s42-${sizeMb}mb.json.gz`);
  if (!existsSync(path)) await writeLogObject(path, sizeMb * MB, { seed: 42, gzipLevel: 6 });
  return readFileSync(path);
}

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const min = (xs: number[]) => sorted(xs)[0];
const median = (xs: number[]) => sorted(xs)[xs.length >> 1];

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const rulePaths = (args.rules.length > 0 ? args.rules : RULE_PATHS).filter((p) => existsSync(p));
  const work = mkdtempSync(join(os.tmpdir(), 'bench-ab-'));
  try {
    const sides: Side[] = [engineOf(args.base, work), engineOf(args.head, work)].map(({ name, engine }) => {
      const bundle = engine.loadRules(rulePaths);
      return { name, engine, analyzer: new engine.Analyzer({ rules: bundle.rules }) };
    });
    console.log(
      `A: ${sides[0].name}, B: ${sides[1].name}; ${args.rounds} rounds; rules from ${rulePaths.join(', ')}`,
    );
    const warm = await objectOf(1);
    for (let i = 0; i < 30; i++) for (const side of sides) await analyze(side, warm);
    for (const sizeMb of args.sizes) {
      const gz = await objectOf(sizeMb);
      // Small objects run several times per round, so that a round's figures are not timer noise.
      const reps = Math.max(1, Math.round(10 / sizeMb));
      const parse: number[] = [];
      const runs = sides.map(() => ({ wall: [] as number[], cpu: [] as number[], main: 0, matches: -1 }));
      for (let round = 0; round < args.rounds; round++) {
        let started = process.hrtime.bigint();
        for (let k = 0; k < reps; k++) JSON.parse(gunzipSync(gz).toString('utf8'));
        parse.push(Number(process.hrtime.bigint() - started) / 1e6 / reps);
        for (let j = 0; j < sides.length; j++) {
          const s = (j + round) % sides.length;
          const run = runs[s];
          const cpu = processCpuMs();
          const main = mainThreadMs();
          started = process.hrtime.bigint();
          for (let k = 0; k < reps; k++) run.matches = await analyze(sides[s], gz);
          run.wall.push(Number(process.hrtime.bigint() - started) / 1e6 / reps);
          run.cpu.push((processCpuMs() - cpu) / reps);
          const after = mainThreadMs();
          if (main !== undefined && after !== undefined) run.main += (after - main) / reps;
        }
      }
      const f = (x: number) => x.toFixed(2);
      console.log(`${sizeMb} MB: parse min ${f(min(parse))} med ${f(median(parse))} ms`);
      sides.forEach((side, s) => {
        const run = runs[s];
        const mainMs = mainThreadMs() === undefined ? 'n/a' : f(run.main / args.rounds);
        console.log(
          `  ${s === 0 ? 'A' : 'B'} ${side.name}: wall min ${f(min(run.wall))} med ${f(median(run.wall))} ms, ` +
            `CPU med ${f(median(run.cpu))} ms, main thread ${mainMs} ms a run, ` +
            `b/a ${f(min(parse) / min(run.wall))} (min/min), ${run.matches} matches`,
        );
      });
      if (runs[0].matches !== runs[1].matches)
        throw new Error(`the versions found ${runs[0].matches} and ${runs[1].matches} matches`);
    }
    console.log(
      `load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs; compare A and B with each other, not with other runs.`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
