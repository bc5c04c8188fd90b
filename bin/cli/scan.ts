/**
 * `trailalerts scan`: the whole pipeline on CloudTrail files or s3:// prefixes, with the same core
 * as the Lambdas, notifications written to an outbox directory instead of being sent.
 */
import { Command, Option } from 'commander';
import { resolve } from 'node:path';
import type { AlertOutcome } from '../../src/alerts';
import { cleanLine } from '../../src/notify';
import type { AccountsConfig } from '../../src/org';
import type { ScanProgress } from '../../src/runtime';
import { formatDiagnostic, LEVELS, levelRank, type Diagnostic, type Level } from '../../src/core';
import {
  EXIT_CONFIG,
  EXIT_FAIL_ON,
  EXIT_FAILED,
  EXIT_INPUT,
  EXIT_RULES,
  exitHelp,
  worstExit,
} from './exit-codes';
import { clean as cleanText, wrap } from './io';
import { parseTimeRange } from './time-range';
import { givenOrDefaultRules } from './default-rules';

export interface ScanCommandOptions {
  config?: string;
  rules: string[];
  out: string;
  format: 'table' | 'ndjson';
  since?: string;
  until?: string;
  failOn?: Level;
  progress: boolean;
  /** For s3:// inputs (else AWS_REGION and the profile's region). */
  region?: string;
  /** For s3:// inputs (else AWS_PROFILE and the default credential chain). */
  profile?: string;
}

/** Without accounts.yaml every rule runs for every account and every alert goes to the outbox. */
/** The organization `scan` assumes without --config: every rule, every alert to the outbox. */
export function defaultConfig(): AccountsConfig {
  return {
    organization: {
      id: 'o-local0000',
      managementAccountId: '000000000000',
      securityAccountId: '000000000000',
      homeRegion: 'us-east-1',
    },
    trail: { bucket: 'local', accountId: '000000000000' },
    destinations: { outbox: { type: 'email', from: 'trailalerts@localhost', to: ['soc@localhost'] } },
    organizationalUnits: { '/': { routes: [{ to: ['outbox'] }] } },
  } as AccountsConfig;
}

export async function runScan(
  inputs: string[],
  opts: ScanCommandOptions,
  io = { out: process.stdout, err: process.stderr },
): Promise<number> {
  const print = (d: Diagnostic) => io.err.write(`${cleanText(formatDiagnostic(d), 4000)}\n`);
  // Before anything is loaded: a bad range is a usage error, not a scan that reads nothing.
  const range = parseTimeRange(opts.since, opts.until);
  const [
    { MemoryStateStore },
    { OutboxNotifier },
    { StaticAccountDirectory },
    { Analyzer },
    { assembleProcessor, findingsAccountOf },
    { buildPolicy, loadConfig, loadDetectionContent },
    { scan },
    { skippedSummary },
    { StoredFindingTimes },
  ] = await Promise.all([
    import('../../src/alerts/state/memory-store'),
    import('../../src/notify/outbox-notifier'),
    import('../../src/org/directory'),
    import('../../src/runtime/analyze'),
    import('../../src/runtime/assemble'),
    import('../../src/runtime/build'),
    import('../../src/runtime/scan'),
    import('../../src/sigma/logsource-notices'),
    import('../../src/runtime/finding-times'),
  ]);
  const rulesRoot = opts.rules[0];
  const first = opts.config ? loadConfig(opts.config) : { config: defaultConfig(), diagnostics: [] };
  if (!first.config) {
    first.diagnostics.forEach(print);
    return EXIT_CONFIG;
  }
  const content = loadDetectionContent(opts.rules, first.config);
  const checked = opts.config ? loadConfig(opts.config, content, rulesRoot) : first;
  const problems = [...content.diagnostics, ...checked.diagnostics].filter((d) => d.severity !== 'notice');
  problems.forEach(print);
  const skipped = skippedSummary(content.diagnostics);
  if (skipped) io.err.write(`${skipped}\n`);
  if (checked.diagnostics.some((d) => d.severity === 'error')) {
    io.err.write(`${opts.config} has errors; fix them first (trailalerts validate)\n`);
    return EXIT_CONFIG;
  }
  // Invalid rules are reported above; the valid ones still run and the status says so.
  const invalidRules = content.diagnostics.some((d) => d.severity === 'error');
  const config = first.config;
  const policy = buildPolicy(config, content, rulesRoot);
  const directory = new StaticAccountDirectory(config);
  const store = new MemoryStateStore();
  const outbox = new OutboxNotifier(resolve(opts.out), {
    findingsAccount: findingsAccountOf(config),
    // As the processor does: a repeat's finding keeps the first observation of its id.
    findingTimes: new StoredFindingTimes(store),
  });
  const processor = assembleProcessor(config, content, policy, {
    store,
    directory,
    sender: outbox,
  });
  const analyzer = new Analyzer({ rules: content.bundle.rules, policy, directory });

  const progress = new ProgressLine(opts.progress && Boolean(io.err.isTTY) ? io.err : undefined);
  const readProblems: Diagnostic[] = [];
  const onProblem = (p: Diagnostic) => {
    readProblems.push(p);
    if (p.severity !== 'notice') print(p);
  };
  const result = await scan({
    inputs,
    analyzer,
    processor,
    ...range,
    onProblem,
    ...(inputs.some((i) => i.startsWith('s3://'))
      ? {
          s3: (await import('./scan-s3')).scanS3Client(
            { region: opts.region, profile: opts.profile },
            onProblem,
          ),
        }
      : {}),
    onOutcome:
      opts.format === 'ndjson' ? (o) => io.out.write(`${JSON.stringify(outcomeLine(o))}\n`) : undefined,
    onProgress: (p) => progress.update(p),
  });
  progress.clear();
  const done = progress.summary(content.bundle.rules.length, content.bundle.correlations.length);

  if (opts.format === 'table') {
    io.out.write(renderReport(result.outcomes));
    const c = processor.counters;
    io.out.write(
      `\n${result.records} records, ${result.matched} matches` +
        `${result.outOfRange ? `, ${result.outOfRange} records outside --since/--until` : ''}\n` +
        `→ ${c.sent} alerts sent, ${c.folded} folded into ${c.digests} digest${c.digests === 1 ? '' : 's'}, ` +
        `${c.excepted} excepted, ${c.suppressed} exact repeats suppressed, ${c.duplicate} duplicates, ` +
        `${c.unrouted} unrouted${c.correlations ? ` (${c.correlations} from correlations)` : ''}\n`,
    );
    if (outbox.written.length > 0)
      io.out.write(`${outbox.written.length} notifications written to ${opts.out}\n`);
    io.out.write(`${done}\n`);
  } else if (io.err.isTTY) io.err.write(`${done}\n`);
  for (const f of result.failures) io.err.write(`error: ${f.source} => ${f.error}\n`);
  const readErrors = readProblems.filter((p) => p.severity === 'error').length;
  if (readErrors > 0)
    io.err.write(`${readErrors} input problems (see above); the good records were scanned\n`);

  const threshold = opts.failOn ? levelRank(opts.failOn) : undefined;
  const hit =
    threshold !== undefined &&
    result.outcomes.some(
      (o) => (o.kind === 'sent' || o.kind === 'unrouted') && levelRank(o.alert.level) >= threshold,
    );
  return worstExit(
    invalidRules ? EXIT_RULES : 0,
    readErrors > 0 ? EXIT_INPUT : 0,
    result.failures.length > 0 ? EXIT_FAILED : 0,
    hit ? EXIT_FAIL_ON : 0,
  );
}

function outcomeLine(o: AlertOutcome): Record<string, unknown> {
  const a = o.alert;
  return {
    outcome: o.kind,
    ...(o.kind === 'sent' ? { destinations: o.destinations } : {}),
    ...(o.kind === 'excepted' ? { exception: o.exception } : {}),
    ...(o.kind === 'suppressed' ? { until: o.until } : {}),
    alert: {
      id: a.id,
      kind: a.kind,
      level: a.level,
      time: a.time,
      rule: { id: a.rule.id, title: a.rule.title },
      account: a.account,
      actor: a.actor.display,
      eventName: a.eventName,
      eventID: a.eventID,
      sourceIPAddress: a.sourceIPAddress,
      ...(a.correlation
        ? {
            correlation: {
              type: a.correlation.type,
              groupBy: a.correlation.groupBy,
              value: a.correlation.value,
              ...(a.correlation.values ? { values: a.correlation.values } : {}),
              events: a.correlation.events.length,
            },
          }
        : {}),
      ...(a.target ? { target: a.target.label } : {}),
      // Every event a digest delivers is named here: its alert id, event id, time and target.
      ...(a.digest ? { digest: a.digest } : {}),
    },
    source: a.source,
  };
}

/**
 * The progress line of a scan on a terminal (files, records, MB/s, the current file), redrawn in
 * place at most four times a second once the scan has run for a second: short scans show none.
 * It also keeps the last figures for the closing summary.
 */
class ProgressLine {
  private readonly started = Date.now();
  private last: ScanProgress = { files: 0, records: 0, current: '', bytes: 0 };
  private drawnAt = 0;

  constructor(private readonly tty?: { write(text: string): unknown; columns?: number }) {}

  update(p: ScanProgress): void {
    this.last = { ...p };
    const now = Date.now();
    if (!this.tty || now - this.started < 1000 || now - this.drawnAt < 250) return;
    this.drawnAt = now;
    const seconds = (now - this.started) / 1000;
    const head = `${p.files} files, ${p.records.toLocaleString('en-US')} records${rate(p.bytes, seconds)}  `;
    // One terminal line: a line that wraps cannot be redrawn with \r.
    const width = (this.tty.columns || 80) - 1;
    const room = width - head.length;
    const name = room < 8 ? '' : p.current.length > room ? `…${p.current.slice(-(room - 1))}` : p.current;
    this.tty.write(`\r\x1b[K${cleanText(head + name, Math.max(10, width))}`);
  }

  clear(): void {
    if (this.drawnAt > 0) this.tty?.write('\r\x1b[K');
  }

  /** The closing line: what was read, how fast, and how many rules ran over it. */
  summary(rules: number, correlations: number): string {
    const seconds = (Date.now() - this.started) / 1000;
    const p = this.last;
    const mb = p.bytes > 0 ? `, ${(p.bytes / 1e6).toFixed(1)} MB read` : '';
    return (
      `scanned ${p.files} file${p.files === 1 ? '' : 's'}, ${p.records.toLocaleString('en-US')} records${mb} in ${seconds.toFixed(1)} s` +
      ` (${p.bytes > 0 ? `${(p.bytes / 1e6 / Math.max(seconds, 0.001)).toFixed(1)} MB/s, ` : ''}` +
      `${Math.round(p.records / Math.max(seconds, 0.001)).toLocaleString('en-US')} records/s); ` +
      `${rules} rules${correlations ? ` and ${correlations} correlations` : ''} evaluated`
    );
  }
}

const rate = (bytes: number, seconds: number): string =>
  bytes > 0 ? `, ${(bytes / 1e6).toFixed(0)} MB, ${(bytes / 1e6 / seconds).toFixed(1)} MB/s` : '';

/** Terminal output: event values shown inert (control and bidi characters escaped), cut with `…`. */
const clean = (s: string, max = 70): string => cleanText(s, max);

/** An account as the table names it; an account the directory does not know says so. */
export function accountLabel(account: AlertOutcome['alert']['account']): string {
  if (!account.known) return `${clean(account.id, 40)} (unknown account)`;
  return account.name === account.id
    ? clean(account.id, 40)
    : `${clean(account.name, 60)} (${clean(account.id, 40)})`;
}

/** Milliseconds of an alert time for sorting (CloudTrail's and ISO forms alike; unparsable last). */
const timeOf = (o: AlertOutcome): number => {
  const t = Date.parse(o.alert.time);
  return Number.isNaN(t) ? Number.MAX_SAFE_INTEGER : t;
};

/** What a notification folded: its targets (a digest) and the exact repeats it counts. */
function digestNote(a: AlertOutcome['alert']): string {
  if (!a.digest) return '';
  const n = a.digest.entries.length;
  const repeats = a.digest.repeats > 0 ? `${n ? ', ' : ''}${a.digest.repeats} repeats counted` : '';
  const targets = n ? `${n} ${a.digest.standalone ? '' : 'other '}target${n === 1 ? '' : 's'}` : '';
  return ` [${a.digest.standalone ? 'digest: ' : '+ '}${targets}${repeats}]`;
}

/** A digest's targets, one line each (time, call, target), the first DIGEST_LINES of them. */
const DIGEST_LINES = 20;
function digestTargets(a: AlertOutcome['alert']): string {
  const entries = a.digest?.entries ?? [];
  const lines = entries
    .slice(0, DIGEST_LINES)
    .map((e) => `\n          ${clean(e.time, 24)}  ${clean(e.eventName ?? '', 40)}  ${clean(e.target, 90)}`);
  const more = entries.length > DIGEST_LINES ? `\n          … and ${entries.length - DIGEST_LINES} more` : '';
  return lines.join('') + more;
}

/** The table: per OU and account, counts; then each alert sent or unrouted, and what was held back. */
export function renderReport(outcomes: AlertOutcome[]): string {
  interface Row {
    ouPath: string;
    account: string;
    sent: number;
    excepted: number;
    suppressed: number;
    unrouted: number;
    duplicate: number;
    lines: string[];
  }
  const rows = new Map<string, Row>();
  // Each account's lines in time order (the sort is stable: equal times keep pipeline order).
  const ordered = [...outcomes].sort((x, y) => timeOf(x) - timeOf(y));
  for (const o of ordered) {
    const a = o.alert;
    const key = `${a.account.ouPath}\u0000${a.account.id}`;
    let row = rows.get(key);
    if (!row) {
      const name = accountLabel(a.account);
      row = {
        ouPath: a.account.ouPath,
        account: name,
        sent: 0,
        excepted: 0,
        suppressed: 0,
        unrouted: 0,
        duplicate: 0,
        lines: [],
      };
      rows.set(key, row);
    }
    row[o.kind === 'sent' ? 'sent' : o.kind]++;
    const head = `${a.time.slice(0, 19).replace('T', ' ')}  ${a.level.toUpperCase().padEnd(8)} ${clean(a.rule.title, 60)}`;
    const who = clean(a.actor.display, 60);
    if (o.kind === 'sent') {
      const extra =
        a.kind === 'correlation' ? ` [correlation: ${a.correlation?.events.length ?? 0} events]` : '';
      row.lines.push(
        `    ${head}${extra}${digestNote(a)}\n        by ${who} → ${o.destinations.join(', ')}${digestTargets(a)}`,
      );
    } else if (o.kind === 'unrouted') {
      row.lines.push(
        `    ${head}${digestNote(a)}\n        by ${who} → (no route: counted, not sent)${digestTargets(a)}`,
      );
    } else if (o.kind === 'excepted') {
      // The reason is why an alert was held back: shown whole, wrapped, never cut.
      row.lines.push(
        `    ${head}\n        by ${who} → excepted:\n${wrap(cleanLine(o.exception, Infinity), 88, 10)}`,
      );
    }
  }
  const sorted = [...rows.values()].sort(
    (x, y) => x.ouPath.localeCompare(y.ouPath) || x.account.localeCompare(y.account),
  );
  if (sorted.length === 0) return 'No alerts.\n';
  const header = ['OU', 'account', 'alerts', 'excepted', 'suppressed', 'unrouted'];
  const table = sorted.map((r) => [
    r.ouPath,
    r.account,
    String(r.sent),
    String(r.excepted),
    String(r.suppressed),
    String(r.unrouted),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)));
  const fmt = (cells: string[]) =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  let out = `${fmt(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`;
  for (const t of table) out += `${fmt(t)}\n`;
  let lastOu = '';
  for (const r of sorted) {
    if (r.lines.length === 0) continue;
    if (r.ouPath !== lastOu) {
      out += `\n${r.ouPath}\n`;
      lastOu = r.ouPath;
    }
    out += `  ${r.account}\n${r.lines.join('\n')}\n`;
  }
  return out;
}

export function scanCommand(): Command {
  return new Command('scan')
    .description(
      'run the whole pipeline (detect → exceptions → dedupe → correlation → cooldown → enrichment → routing) on CloudTrail files, directories or s3://bucket/prefix, writing notifications to an outbox directory',
    )
    .argument(
      '<inputs...>',
      'CloudTrail files, GuardDuty findings (EventBridge events or bare findings), directories (recursive) or s3://bucket/prefix',
    )
    .option(
      '--config <file>',
      'accounts.yaml: organization, rule sets, exceptions, routes (without it: all rules, all alerts to the outbox)',
    )
    .option(
      '--rules <path>',
      'rule file or directory (repeatable; default ./rules, else the rules that ship with trailalerts)',
      (v: string, prev: string[] | undefined) => [...(prev ?? []), v],
    )
    .option(
      '--out <dir>',
      'outbox directory: per destination exactly what would be sent (.eml, .sns.json, .slack.json, .teams.json, .json)',
      'out',
    )
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'ndjson']).default('table'))
    .option(
      '--since <time>',
      'only events at or after this time: a date (YYYY-MM-DD, from the start of that day, UTC) or a date-time (UTC unless it names an offset)',
    )
    .option(
      '--until <time>',
      'only events at or before this time: a date (YYYY-MM-DD, through the end of that day, UTC) or a date-time',
    )
    .addOption(
      new Option(
        '--fail-on <level>',
        `exit ${EXIT_FAIL_ON} when an alert at or above this level fired`,
      ).choices([...LEVELS]),
    )
    .option('--no-progress', 'no progress line on a terminal')
    .option(
      '--region <region>',
      "for s3:// inputs: the bucket's region (default AWS_REGION or the profile's)",
    )
    .option('--profile <name>', 'for s3:// inputs: the AWS profile to use (default AWS_PROFILE)')
    .addHelpText('after', exitHelp([EXIT_CONFIG, EXIT_RULES, EXIT_INPUT, EXIT_FAILED, EXIT_FAIL_ON]))
    .action(async (inputs: string[], raw: Omit<ScanCommandOptions, 'rules'> & { rules?: string[] }) => {
      try {
        const rules = givenOrDefaultRules(raw.rules, process.stderr);
        process.exitCode = await runScan(inputs, { ...raw, rules });
      } catch (err) {
        process.stderr.write(`error: ${cleanText(err instanceof Error ? err.message : String(err), 2000)}\n`);
        process.exitCode = EXIT_FAILED;
      }
    });
}
