/**
 * `npm run bench -- --runs N`: the in-process bench N times, each in a process of its own, then
 * the ratio b/a of each run and its minimum per object size, which is what the analyzer's goal is
 * judged by (≥ 1.5 in every run): one run says little on a machine whose speed drifts.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';

/** What one run of the bench reports for each object size (`--summary <file>`). */
export interface RunSummary {
  sizeMb: number;
  /** b/a by wall clock and by CPU time. */
  ratio: number;
  cpuRatio: number;
  analyzerMbPerSecond: number;
  load: number;
}

/** The in-process goal: the analyzer at this many times gunzip + JSON.parse, in every run. */
const GOAL = 1.5;

function runOnce(script: string, args: string[], summary: string): Promise<RunSummary[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, script, ...args, '--summary', summary], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`a bench run exited with code ${code}`));
      try {
        resolve(JSON.parse(readFileSync(summary, 'utf8')) as RunSummary[]);
      } catch (err) {
        reject(new Error(`a bench run wrote no summary (${(err as Error).message})`));
      }
    });
  });
}

/** Runs `script` (scripts/bench.ts) `runs` times with `args` and prints each run and the minimums. */
export async function benchRuns(script: string, args: string[], runs: number): Promise<void> {
  const dir = mkdtempSync(join(os.tmpdir(), 'bench-runs-'));
  const bySize = new Map<number, RunSummary[]>();
  try {
    for (let run = 1; run <= runs; run++) {
      const results = await runOnce(script, args, join(dir, `run-${run}.json`));
      const cells = results.map(
        (r) =>
          `${r.sizeMb} MB b/a ${r.ratio.toFixed(2)} (by CPU ${r.cpuRatio.toFixed(2)}, analyzer ${r.analyzerMbPerSecond.toFixed(0)} MB/s)`,
      );
      console.log(`run ${run}/${runs}: ${cells.join('; ')}; load ${results[0]?.load.toFixed(1) ?? '?'}`);
      for (const r of results) {
        const seen = bySize.get(r.sizeMb);
        if (seen) seen.push(r);
        else bySize.set(r.sizeMb, [r]);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  for (const [sizeMb, results] of bySize) {
    const ratios = results.map((r) => r.ratio);
    const lowest = Math.min(...ratios);
    console.log(
      `${sizeMb} MB: b/a ${ratios.map((r) => r.toFixed(2)).join(', ')}; minimum over ${ratios.length} runs ${lowest.toFixed(2)} ` +
        `(goal ≥ ${GOAL} in every run: ${lowest >= GOAL ? 'met' : 'not met'})`,
    );
  }
}
