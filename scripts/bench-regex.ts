/**
 * Throughput of regex-heavy matching: every `|re` pattern of the rules (rules/ plus the SigmaHQ
 * AWS rules from ../shared when present) run over every string value of generated CloudTrail
 * records (and the Stratus Red Team corpus when present), as a keyword search would. For each
 * pattern, values per second:
 *   v8     V8's RegExp alone (the engine before: backtracking)
 *   re2js  RE2 alone (the re2js port)
 *   before the product's old path: the required-literal test, then V8's RegExp
 *   after  the product's path now: the required-literal test, then the linear-time engine
 * Then the issue's hostile values: patterns that backtrack quadratically on V8, timed on V8 at
 * 8 and 16 KiB (64 KiB takes seconds per value; --full runs it) and on RE2 at 64 KiB.
 * It prints figures; it is not a test.
 *
 *   npx tsx scripts/bench-regex.ts [--records 3000] [--full]
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { RE2JS } from 're2js';
import { readEvents } from '../src/cloudtrail';
import { isProblem } from '../src/core';
import { compileRegex, requiredLiteral } from '../src/regex';
import { rulePatterns } from './regex-patterns';
import { syntheticRecords } from './synthetic-events';

const ROOT = join(__dirname, '..');
const CORPUS = join(ROOT, '..', 'shared', 'corpus');
const RULE_PATHS = [join(ROOT, 'rules'), join(CORPUS, 'sigmahq-aws', 'rules')].filter((p) => existsSync(p));

function argument(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

/** Best of `rounds` timings of `run` over `values` (each round at least 100 ms), as values per second. */
function rate(values: readonly string[], run: (v: string) => boolean, rounds = 7): number {
  let sink = 0;
  const pass = (): number => {
    const start = process.hrtime.bigint();
    for (const v of values) if (run(v)) sink++;
    return Number(process.hrtime.bigint() - start) / 1e9;
  };
  const repeats = Math.max(1, Math.ceil(0.1 / pass()));
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    let seconds = 0;
    for (let k = 0; k < repeats; k++) seconds += pass();
    best = Math.min(best, seconds / repeats);
  }
  if (sink < 0) console.log(sink);
  return values.length / best;
}

const fmt = (n: number): string => `${(n / 1e6).toFixed(2)} M/s`.padStart(11);

function withLiteral(literal: string | undefined, run: (v: string) => boolean): (v: string) => boolean {
  return literal === undefined ? run : (v) => v.includes(literal) && run(v);
}

async function values(records: number): Promise<string[]> {
  const all: unknown[] = syntheticRecords(records, { seed: 7 });
  if (existsSync(join(CORPUS, 'stratus-red-team')))
    for await (const item of readEvents([join(CORPUS, 'stratus-red-team')], () => undefined))
      all.push(item.record);
  const out: string[] = [];
  const collect = (v: unknown): void => {
    if (typeof v === 'string') out.push(v);
    else if (v && typeof v === 'object') Object.values(v).forEach(collect);
  };
  all.forEach(collect);
  return out;
}

function timeOne(test: (v: string) => boolean, value: string): string {
  const start = process.hrtime.bigint();
  test(value);
  return `${(Number(process.hrtime.bigint() - start) / 1e6).toFixed(1)} ms`;
}

async function main(): Promise<void> {
  const texts = await values(Number(argument('--records') ?? 3000));
  const bytes = texts.reduce((n, t) => n + t.length, 0);
  const patterns = rulePatterns(RULE_PATHS);
  console.log(
    `${patterns.length} |re patterns from ${RULE_PATHS.join(', ')}; ${texts.length} values (${(bytes / 1e6).toFixed(1)} MB)`,
  );
  console.log(
    `${'pattern'.padEnd(52)} ${'engine'.padEnd(8)}${['v8', 're2js', 'before', 'after'].map((h) => h.padStart(12)).join('')}`,
  );
  const totals = { v8: 0, re2: 0, before: 0, after: 0 };
  for (const { source, flags } of patterns) {
    const compiled = compileRegex(source, flags);
    if (isProblem(compiled)) {
      console.log(`${source.slice(0, 50).padEnd(52)} refused: ${compiled.problem}`);
      continue;
    }
    const v8 = new RegExp(source, flags);
    const re2 = RE2JS.compile(
      source,
      (flags.includes('i') ? RE2JS.CASE_INSENSITIVE : 0) |
        (flags.includes('s') ? RE2JS.DOTALL : 0) |
        (flags.includes('m') ? RE2JS.MULTILINE : 0),
    );
    const regex = compiled.regex;
    const literal = requiredLiteral(source, flags);
    const newLiteral = regex.engine === 'literal' ? undefined : requiredLiteral(regex.source, flags);
    const row = {
      v8: rate(texts, (v) => v8.test(v)),
      re2: rate(texts, (v) => re2.test(v)),
      before: rate(
        texts,
        withLiteral(literal, (v) => v8.test(v)),
      ),
      after: rate(
        texts,
        withLiteral(newLiteral, (v) => regex.test(v)),
      ),
    };
    for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += texts.length / row[k];
    const shown = `${source}${flags ? ` (${flags})` : ''}`;
    console.log(
      `${(shown.length > 50 ? `${shown.slice(0, 49)}…` : shown).padEnd(52)} ${regex.engine.padEnd(8)}${fmt(row.v8)} ${fmt(row.re2)} ${fmt(row.before)} ${fmt(row.after)}`,
    );
  }
  const all = (patterns.length * texts.length) / 1;
  console.log(
    `${'all patterns, one after another'.padEnd(61)}${fmt(all / totals.v8)} ${fmt(all / totals.re2)} ${fmt(all / totals.before)} ${fmt(all / totals.after)}`,
  );

  console.log('\nhostile values (time for one value; the issue measured 5-6 s per 64 KiB value on V8):');
  const hostile: [string, (n: number) => string][] = [
    ['\\s+$', (n) => `${' '.repeat(n)}x`],
    ['[a-z]+@[a-z]+\\.com', (n) => 'a'.repeat(n)],
    ['\\d+\\.\\d+$', (n) => `${'1'.repeat(n)}x`],
    ['[a-z0-9._-]+@gmail\\.com', (n) => 'a'.repeat(n)],
  ];
  const sizes = process.argv.includes('--full') ? [8, 16, 64] : [8, 16];
  for (const [source, make] of hostile) {
    const v8 = new RegExp(source);
    const compiled = compileRegex(source);
    if (isProblem(compiled)) throw new Error(compiled.problem);
    const v8Times = sizes.map((k) => `${k} KiB ${timeOne((v) => v8.test(v), make(k * 1024))}`).join(', ');
    console.log(
      `  ${source.padEnd(26)} v8: ${v8Times}; ${compiled.regex.engine} 64 KiB: ${timeOne((v) => compiled.regex.test(v), make(64 * 1024))}`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
