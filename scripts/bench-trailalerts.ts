/**
 * Side-by-side figures against TrailAlerts' own analyzer (issue 7): runs their Python CloudTrail
 * analyzer (github.com/adanalvarez/TrailAlerts; the Lambda code is in adanalvarez/
 * terraform-aws-trailalerts, lambda_code/cloudtrail_analyzer/) through our harness
 * scripts/bench-trailalerts.py on the same files as our engine, and prints MB/s, events/s,
 * matches and the ratio ours/TrailAlerts. Their code is never in this repository: the user points
 * `--trailalerts <dir>` (or TRAILALERTS_DIR) at a checkout of it.
 *
 * For scripts/bench.ts:
 *   const dir = trailAlertsDirFrom(process.argv.slice(2));
 *   const rulesDir = defaultTrailAlertsRuleDirs();
 *   console.log(dir ? (await compareWithTrailAlerts({ dir, rulesDir, objects })).join('\n')
 *                   : trailAlertsDisabledLine());
 * `objects` are the generated .bench/*.json.gz objects with our figures for each; a "real logs"
 * row runs both engines over ../shared/corpus/stratus-red-team when it exists, with the same
 * rule files on both sides. Give their loader detection-rule directories (rules/sigma, not
 * rules/): it cannot read our multi-document correlation files and would load filter documents as
 * rules without a detection, logging a warning for every record.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import type { Diagnostic } from '../src/core';
import { bundledEngine } from './bundled-engine';

/** The figure issue 7 quotes for TrailAlerts' analyzer (quoted, never measured here). */
export const QUOTED_TRAILALERTS_MB_PER_SECOND = 5;
export const HARNESS = join(__dirname, 'bench-trailalerts.py');
const ROOT = join(__dirname, '..');
/** Real CloudTrail events (one JSON array per Stratus Red Team technique) beside the checkout. */
export const DEFAULT_REAL_LOGS = join(ROOT, '..', 'shared', 'corpus', 'stratus-red-team');
const MB = 1024 * 1024;

/** Detection rules both engines can load: the shipped pack's Sigma rules and SigmaHQ's AWS rules when present. */
export function defaultTrailAlertsRuleDirs(): string[] {
  return [join(ROOT, 'rules', 'sigma'), join(ROOT, '..', 'shared', 'corpus', 'sigmahq-aws', 'rules')].filter(
    (p) => existsSync(p),
  );
}

export interface TrailAlertsFileFigures {
  file: string;
  compressedBytes: number;
  /** Uncompressed bytes (MB/s is computed from these, as for our figures). */
  bytes: number;
  records: number;
  matches: number;
  /** Records that were not objects or made their code raise. */
  badRecords: number;
  /** Best time of gunzip + decode + json.loads + their matching over every record. */
  seconds: number;
  /** Best time of gunzip + decode + json.loads alone (Python's plain parse). */
  parseSeconds: number;
  /** Why the file could not be measured (file, line and what was expected). */
  error?: string;
}

export interface TrailAlertsReport {
  analyzer: { dir: string; sha256: Record<string, string> };
  python: string;
  repeat: number;
  rules: {
    loaded: number;
    objectsListed: number;
    listTruncated: boolean;
    indexed: boolean;
    indexKeys: number;
    wildcardRules: number;
    withoutDetection: number;
    /** Their log records while loading, by level (failed files are logged as ERROR). */
    log: { counts: Record<string, number>; examples: string[] };
  };
  files: TrailAlertsFileFigures[];
  total: Omit<TrailAlertsFileFigures, 'file' | 'error'> & { files: number; failedFiles: number };
  /** Their log records while matching, by level. */
  log: { counts: Record<string, number>; examples: string[] };
}

/** Figures of a run of our engine (what `ours` returns). */
export interface OurFigures {
  seconds: number;
  bytes: number;
  records: number;
  matches: number;
}

// ---- parsing the harness output ---------------------------------------------------------------

class Shape {
  constructor(private readonly source: string) {}

  fail(path: string, expected: string, found: unknown): never {
    const shown = found === undefined ? 'nothing' : JSON.stringify(found)?.slice(0, 80);
    throw new Error(`${this.source} output: ${path}: expected ${expected}, found ${shown}`);
  }

  object(path: string, v: unknown): Record<string, unknown> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(path, 'an object', v);
    return v as Record<string, unknown>;
  }

  count(path: string, v: unknown): number {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) this.fail(path, 'a non-negative number', v);
    return v;
  }

  text(path: string, v: unknown): string {
    if (typeof v !== 'string') this.fail(path, 'a string', v);
    return v;
  }

  flag(path: string, v: unknown): boolean {
    if (typeof v !== 'boolean') this.fail(path, 'true or false', v);
    return v;
  }

  log(path: string, v: unknown): { counts: Record<string, number>; examples: string[] } {
    const o = this.object(path, v);
    const counts = this.object(`${path}.counts`, o.counts);
    if (!Array.isArray(o.examples)) this.fail(`${path}.examples`, 'an array', o.examples);
    return {
      counts: Object.fromEntries(
        Object.entries(counts).map(([k, n]) => [k, this.count(`${path}.counts.${k}`, n)]),
      ),
      examples: o.examples.map((e, i) => this.text(`${path}.examples[${i}]`, e)),
    };
  }

  figures(path: string, v: unknown): Omit<TrailAlertsFileFigures, 'file' | 'error'> {
    const o = this.object(path, v);
    const n = (key: string) => this.count(`${path}.${key}`, o[key]);
    return {
      compressedBytes: n('compressedBytes'),
      bytes: n('bytes'),
      records: n('records'),
      matches: n('matches'),
      badRecords: n('badRecords'),
      seconds: n('seconds'),
      parseSeconds: n('parseSeconds'),
    };
  }
}

/**
 * Parses and checks the JSON that scripts/bench-trailalerts.py prints. Throws an error naming the
 * path in the document and what was expected.
 */
export function parseHarnessOutput(text: string, source = 'bench-trailalerts.py'): TrailAlertsReport {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    const start = text.trim().slice(0, 120);
    throw new Error(
      `${source} output: not valid JSON (${(err as Error).message}); expected one JSON document, got ${start ? JSON.stringify(start) : 'no output'}`,
    );
  }
  const s: Shape = new Shape(source);
  const o = s.object('(document)', doc);
  const analyzer = s.object('analyzer', o.analyzer);
  const sha = s.object('analyzer.sha256', analyzer.sha256);
  const rules = s.object('rules', o.rules);
  if (!Array.isArray(o.files)) s.fail('files', 'an array', o.files);
  const files = o.files.map((f, i) => {
    const entry = s.object(`files[${i}]`, f);
    return {
      file: s.text(`files[${i}].file`, entry.file),
      ...s.figures(`files[${i}]`, entry),
      ...(entry.error === undefined ? {} : { error: s.text(`files[${i}].error`, entry.error) }),
    };
  });
  const total = s.object('total', o.total);
  return {
    analyzer: {
      dir: s.text('analyzer.dir', analyzer.dir),
      sha256: Object.fromEntries(Object.entries(sha).map(([k, v]) => [k, s.text(`analyzer.sha256.${k}`, v)])),
    },
    python: s.text('python', o.python),
    repeat: s.count('repeat', o.repeat),
    rules: {
      loaded: s.count('rules.loaded', rules.loaded),
      objectsListed: s.count('rules.objectsListed', rules.objectsListed),
      listTruncated: s.flag('rules.listTruncated', rules.listTruncated),
      indexed: s.flag('rules.indexed', rules.indexed),
      indexKeys: s.count('rules.indexKeys', rules.indexKeys),
      wildcardRules: s.count('rules.wildcardRules', rules.wildcardRules),
      withoutDetection: s.count('rules.withoutDetection', rules.withoutDetection),
      log: s.log('rules.log', rules.log),
    },
    files,
    total: {
      ...s.figures('total', total),
      files: s.count('total.files', total.files),
      failedFiles: s.count('total.failedFiles', total.failedFiles),
    },
    log: s.log('log', o.log),
  };
}

// ---- figures ----------------------------------------------------------------------------------

/** Throughput ratio ours/theirs as printed: `12×`, `3.4×`, `0.85×`, or `n/a` without two positive figures. */
export function formatRatio(ours: number, theirs: number): string {
  if (!(ours > 0) || !(theirs > 0) || !Number.isFinite(ours) || !Number.isFinite(theirs)) return 'n/a';
  const r = ours / theirs;
  return `${r >= 10 ? r.toFixed(0) : r >= 1 ? r.toFixed(1) : r.toFixed(2)}×`;
}

export function mbPerSecond(bytes: number, seconds: number): number {
  return seconds > 0 ? bytes / MB / seconds : NaN;
}

function fixed(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : 'n/a';
}

function perSecond(n: number, seconds: number): string {
  return seconds > 0 ? Math.round(n / seconds).toLocaleString('en-US') : 'n/a';
}

// ---- running the harness ----------------------------------------------------------------------

export interface HarnessOptions {
  /** TrailAlerts' lambda_code/cloudtrail_analyzer directory (or a checkout holding it). */
  dir: string;
  rulesDirs: string[];
  files: string[];
  /** Runs per file, best kept (default 1). */
  repeat?: number;
  /** Python interpreter (default $PYTHON or python3). */
  python?: string;
}

/** Throws a clear error unless `dir` is a directory (the harness checks its modules). */
function checkAnalyzerDir(dir: string): void {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new Error(
      `TrailAlerts comparison: ${dir}: no such directory; expected TrailAlerts' lambda_code/cloudtrail_analyzer ` +
        `(from a checkout of github.com/adanalvarez/terraform-aws-trailalerts)`,
    );
  }
}

/** Runs scripts/bench-trailalerts.py and returns its checked report; errors say what is missing. */
export async function runHarness(opts: HarnessOptions): Promise<TrailAlertsReport> {
  checkAnalyzerDir(opts.dir);
  for (const d of opts.rulesDirs) {
    if (!existsSync(d)) throw new Error(`TrailAlerts comparison: rules directory ${d}: no such directory`);
  }
  if (opts.rulesDirs.length === 0)
    throw new Error('TrailAlerts comparison: expected at least one rules directory');
  if (opts.files.length === 0)
    throw new Error('TrailAlerts comparison: expected at least one log file to measure');
  const python = opts.python ?? process.env.PYTHON ?? 'python3';
  const args = [
    HARNESS,
    '--trailalerts',
    opts.dir,
    ...opts.rulesDirs.flatMap((d) => ['--rules', d]),
    '--repeat',
    String(opts.repeat ?? 1),
    ...opts.files,
  ];
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
    (resolve, reject) => {
      const child = spawn(python, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      child.on('error', (e: NodeJS.ErrnoException) =>
        reject(
          e.code === 'ENOENT'
            ? new Error(
                `TrailAlerts comparison: ${python} not found; their analyzer is Python: install Python 3 with PyYAML ` +
                  `(apt-get install -y python3 python3-yaml) or set PYTHON to an interpreter`,
              )
            : new Error(`TrailAlerts comparison: cannot start ${python}: ${e.message}`),
        ),
      );
      child.on('close', (c) =>
        resolve({
          code: c,
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
        }),
      );
    },
  );
  if (code !== 0) {
    const tail = stderr.trim().split('\n').slice(-5).join('\n');
    throw new Error(
      `TrailAlerts comparison: ${basename(HARNESS)} exited with ${code}: ${tail || '(no message)'}`,
    );
  }
  return parseHarnessOutput(stdout);
}

// ---- our engine on the same files (the real-logs row) -----------------------------------------

/**
 * Our analyzer over `files` (the Lambda's path, every rule of `rulesDirs`): best of `repeat` runs
 * after a warm-up of about 20 MB worth of passes (a warm Lambda container, as in the bench; the
 * first pass of a fresh process is several times slower while V8 optimizes the compiled rules).
 */
export async function measureOurs(files: string[], rulesDirs: string[], repeat = 3): Promise<OurFigures> {
  const { Analyzer, analyzeStream, loadRules } = bundledEngine();
  const analyzer = new Analyzer({ rules: loadRules(rulesDirs).rules });
  const buffers = files.map((f) => readFileSync(f));
  const bytes = buffers.reduce(
    (n, b) => n + (b[0] === 0x1f && b[1] === 0x8b ? gunzipSync(b).length : b.length),
    0,
  );
  let problems = 0;
  const onProblem = (p: Diagnostic) => {
    if (p.severity === 'error') problems++;
  };
  const once = async () => {
    let records = 0;
    let matches = 0;
    for (let i = 0; i < buffers.length; i++) {
      for await (const batch of analyzeStream(Readable.from([buffers[i]]), files[i], analyzer, onProblem)) {
        records += batch.records;
        matches += batch.matches.length;
      }
    }
    return { records, matches };
  };
  const warmPasses = Math.min(100, Math.max(1, Math.ceil((20 * MB) / Math.max(1, bytes))));
  for (let i = 0; i < warmPasses; i++) await once();
  let best = Infinity;
  let result = { records: 0, matches: 0 };
  for (let i = 0; i < repeat; i++) {
    const started = process.hrtime.bigint();
    result = await once();
    best = Math.min(best, Number(process.hrtime.bigint() - started) / 1e9);
  }
  if (problems > 0) console.error(`our reader reported ${problems} problems over ${files.length} files`);
  return { seconds: best, bytes, ...result };
}

// ---- the comparison ---------------------------------------------------------------------------

export interface CompareOptions {
  /** TrailAlerts' cloudtrail_analyzer directory (--trailalerts / TRAILALERTS_DIR). */
  dir: string;
  /** Rule directories their loader reads as its sigma_rules/ prefix (and ours for the real-logs row). */
  rulesDir: string | string[];
  /** The generated objects with our figures for each (from the bench's rows). */
  objects: { path: string; sizeMb: number; oursMbPerSecond: number; oursEventsPerSecond: number }[];
  /** Real logs: the stratus-red-team directory, or a corpus directory holding it (default ../shared/corpus/stratus-red-team). */
  corpusDir?: string;
  /** Our engine over the real-log files (default measureOurs with the same rules). */
  ours?: (files: string[]) => Promise<OurFigures>;
  /** Runs per file, best kept: generated objects (default 1) and real logs (default 5). */
  repeat?: number;
  realRepeat?: number;
  python?: string;
}

function realLogsDir(corpusDir: string | undefined): string {
  const given = corpusDir ?? DEFAULT_REAL_LOGS;
  const nested = join(given, 'stratus-red-team');
  return existsSync(nested) ? nested : given;
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join('  ');
  return [line(header), ...rows.map(line)];
}

function describeRules(report: TrailAlertsReport, dirs: string[]): string {
  const r = report.rules;
  const failed = r.log.counts.ERROR ?? 0;
  return (
    `their loader: ${r.loaded} rules from ${dirs.join(', ')}` +
    (r.indexed
      ? ` (index: ${r.indexKeys} (eventSource, eventName) keys, ${r.wildcardRules} rules evaluated on every record)`
      : ' (no rule index in this version: every rule on every record)') +
    (failed ? `; ${failed} error(s) while loading, e.g. ${(r.log.examples[0] ?? '').split('\n')[0]}` : '') +
    (r.withoutDetection ? `; ${r.withoutDetection} loaded documents without a detection` : '') +
    (r.listTruncated
      ? '; WARNING: more than 1,000 rule files, their single S3 listing sees only the first 1,000'
      : '')
  );
}

/**
 * Runs TrailAlerts' analyzer on the bench's generated objects and on the real logs, beside our
 * figures. Returns printable lines. Throws (with what is missing) when Python, the directory or
 * their modules are not there.
 */
export async function compareWithTrailAlerts(opts: CompareOptions): Promise<string[]> {
  checkAnalyzerDir(opts.dir);
  const rulesDirs = Array.isArray(opts.rulesDir) ? opts.rulesDir : [opts.rulesDir];
  const lines: string[] = [];
  let described = false;
  const describe = (report: TrailAlertsReport) => {
    if (described) return;
    described = true;
    const sha = Object.entries(report.analyzer.sha256)
      .map(([f, h]) => `${f} ${h}`)
      .join(', ');
    lines.push(
      `TrailAlerts analyzer ${report.analyzer.dir} (sha256 ${sha}), Python ${report.python}; ` +
        describeRules(report, rulesDirs),
    );
  };
  if (opts.objects.length > 0) {
    const generated = await runHarness({
      dir: opts.dir,
      rulesDirs,
      files: opts.objects.map((o) => o.path),
      repeat: opts.repeat ?? 1,
      python: opts.python,
    });
    if (generated.files.length !== opts.objects.length) {
      throw new Error(
        `${basename(HARNESS)} output: files: expected ${opts.objects.length} entries, found ${generated.files.length}`,
      );
    }
    describe(generated);
    const failures: string[] = [];
    const rows = opts.objects.map((o, i) => {
      const f = generated.files[i];
      if (f.error) {
        failures.push(`  ${f.error}`);
        return [o.sizeMb.toFixed(1), 'error', '(below)', '', '', '', fixed(o.oursMbPerSecond), '', ''];
      }
      const theirs = mbPerSecond(f.bytes, f.seconds);
      return [
        (f.bytes / MB).toFixed(1),
        String(f.records),
        fixed(theirs),
        perSecond(f.records, f.seconds),
        String(f.matches),
        fixed(f.parseSeconds / f.seconds, 2),
        fixed(o.oursMbPerSecond),
        Math.round(o.oursEventsPerSecond).toLocaleString('en-US'),
        formatRatio(o.oursMbPerSecond, theirs),
      ];
    });
    lines.push(
      ...table(
        [
          'size MB',
          'events',
          'TrailAlerts MB/s',
          'TrailAlerts events/s',
          'TrailAlerts matches',
          'TA/py-parse',
          'ours MB/s',
          'ours events/s',
          'ours/TrailAlerts',
        ],
        rows,
      ),
      ...failures,
    );
    const bad = generated.total.badRecords;
    const logged = Object.entries(generated.log.counts)
      .filter(([level]) => level !== 'INFO' && level !== 'DEBUG')
      .map(([level, n]) => `${n} ${level}`)
      .join(', ');
    lines.push(
      `best of ${generated.repeat} per object. TA/py-parse: their throughput relative to Python gunzip + json.loads ` +
        'alone; ours/TrailAlerts: throughput ratio (match counts differ: the engines do not share Sigma semantics).' +
        (bad ? ` ${bad} records their code could not evaluate.` : '') +
        (logged ? ` Their log while matching: ${logged}.` : ''),
    );
  }

  const realDir = realLogsDir(opts.corpusDir);
  const realFiles = existsSync(realDir)
    ? readdirSync(realDir)
        .filter((n) => /\.json(\.gz)?$/i.test(n))
        .sort()
        .map((n) => join(realDir, n))
    : [];
  if (realFiles.length === 0) {
    lines.push(`real logs: ${realDir} has no .json files; row skipped (run beside ../shared/corpus for it)`);
  } else {
    const realRepeat = opts.realRepeat ?? 5;
    const theirs = await runHarness({
      dir: opts.dir,
      rulesDirs,
      files: realFiles,
      repeat: realRepeat,
      python: opts.python,
    });
    describe(theirs);
    const ours = await (opts.ours ?? ((files: string[]) => measureOurs(files, rulesDirs, realRepeat)))(
      realFiles,
    );
    const t = theirs.total;
    const theirsMb = mbPerSecond(t.bytes, t.seconds);
    const oursMb = mbPerSecond(ours.bytes, ours.seconds);
    lines.push(
      `real logs (${basename(realDir)}, ${realFiles.length} files, ${(t.bytes / MB).toFixed(2)} MB, ${t.records} events, ` +
        `best of ${realRepeat}${t.failedFiles ? `, ${t.failedFiles} files the harness could not read` : ''}): ` +
        `TrailAlerts ${fixed(theirsMb)} MB/s, ${perSecond(t.records, t.seconds)} events/s, ${t.matches} matches; ` +
        `ours ${fixed(oursMb)} MB/s, ${perSecond(ours.records, ours.seconds)} events/s, ${ours.matches} matches; ` +
        `ours/TrailAlerts ${formatRatio(oursMb, theirsMb)} (same rule files on both sides)`,
    );
  }
  lines.push(
    `load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs (their analyzer is single-threaded Python); ` +
      'figures from a busy machine are not comparable.',
  );
  return lines;
}

// ---- command-line wiring for scripts/bench.ts -------------------------------------------------

/** `--trailalerts <dir>` (or `--trailalerts=<dir>`), else TRAILALERTS_DIR, else undefined. */
export function trailAlertsDirFrom(argv: string[], env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--trailalerts') {
      const dir = argv[i + 1];
      if (!dir || dir.startsWith('--'))
        throw new Error("--trailalerts expects a directory: TrailAlerts' lambda_code/cloudtrail_analyzer");
      return dir;
    }
    if (argv[i].startsWith('--trailalerts=')) return argv[i].slice('--trailalerts='.length);
  }
  return env.TRAILALERTS_DIR || undefined;
}

/** The one line the bench prints when the comparison is not enabled. */
export function trailAlertsDisabledLine(): string {
  return (
    'TrailAlerts comparison: not run; add --trailalerts <dir> (or set TRAILALERTS_DIR) pointing at ' +
    'lambda_code/cloudtrail_analyzer of a github.com/adanalvarez/terraform-aws-trailalerts checkout. Issue 7 quotes ' +
    `TrailAlerts' analyzer at about ${QUOTED_TRAILALERTS_MB_PER_SECOND} MB/s on one core (quoted, not measured here).`
  );
}
