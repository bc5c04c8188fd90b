/**
 * `trailalerts scan`: the whole pipeline on CloudTrail files or s3:// prefixes, with the same core
 * as the Lambdas, notifications written to an outbox directory instead of being sent.
 */
import { Command, Option } from 'commander';
import { resolve } from 'node:path';
import type { AlertOutcome } from '../../lambdas/alerts/alert';
import { MemoryStateStore } from '../../lambdas/alerts/state/memory-store';
import { OutboxNotifier } from '../../lambdas/notify/outbox-notifier';
import { cleanLine } from '../../lambdas/notify/sanitize';
import { StaticAccountDirectory } from '../../lambdas/org/directory';
import type { AccountsConfig } from '../../lambdas/org/types';
import { Analyzer } from '../../lambdas/pipeline/analyze';
import { assembleProcessor } from '../../lambdas/pipeline/assemble';
import { buildPolicy, loadConfig, loadDetectionContent } from '../../lambdas/pipeline/build';
import { scan, type ScanProgress } from '../../lambdas/pipeline/scan';
import { formatDiagnostic, LEVELS, levelRank, type Diagnostic, type Level } from '../../lambdas/sigma/model';

export interface ScanCommandOptions {
  config?: string;
  rules: string[];
  out: string;
  format: 'table' | 'ndjson';
  since?: string;
  until?: string;
  failOn?: Level;
  progress: boolean;
}

/** Exit statuses: 0 clean; 2 configuration or rule errors; 4 an alert at or above --fail-on. */
export const EXIT_CONFIG_ERROR = 2;
export const EXIT_FAIL_ON = 4;

/** Without accounts.yaml every rule runs for every account and every alert goes to the outbox. */
function defaultConfig(): AccountsConfig {
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

function isoTime(label: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const t = Date.parse(value);
  if (Number.isNaN(t))
    throw new Error(
      `${label}: expected an ISO date or time such as 2026-11-20 or 2026-11-20T10:00:00Z, got "${value}"`,
    );
  return new Date(t).toISOString().replace('.000Z', 'Z');
}

export async function runScan(
  inputs: string[],
  opts: ScanCommandOptions,
  io = { out: process.stdout, err: process.stderr },
): Promise<number> {
  const print = (d: Diagnostic) => io.err.write(`${formatDiagnostic(d)}\n`);
  const rulesRoot = opts.rules[0];
  const first = opts.config ? loadConfig(opts.config) : { config: defaultConfig(), diagnostics: [] };
  if (!first.config) {
    first.diagnostics.forEach(print);
    return EXIT_CONFIG_ERROR;
  }
  const content = loadDetectionContent(opts.rules, first.config);
  const checked = opts.config ? loadConfig(opts.config, content, rulesRoot) : first;
  const problems = [...content.diagnostics, ...checked.diagnostics].filter((d) => d.severity !== 'notice');
  problems.forEach(print);
  if (checked.diagnostics.some((d) => d.severity === 'error')) {
    io.err.write(`${opts.config} has errors; fix them first (trailalerts validate)\n`);
    return EXIT_CONFIG_ERROR;
  }
  const config = first.config;
  const policy = buildPolicy(config, content, rulesRoot);
  const directory = new StaticAccountDirectory(config);
  const outbox = new OutboxNotifier(resolve(opts.out));
  const processor = assembleProcessor(config, content, policy, {
    store: new MemoryStateStore(),
    directory,
    sender: outbox,
  });
  const analyzer = new Analyzer({ rules: content.bundle.rules, policy, directory });

  const showProgress = opts.progress && Boolean(io.err.isTTY);
  const readProblems: Diagnostic[] = [];
  const result = await scan({
    inputs,
    analyzer,
    processor,
    since: isoTime('--since', opts.since),
    until: isoTime('--until', opts.until),
    onProblem: (p) => {
      readProblems.push(p);
      if (p.severity !== 'notice') print(p);
    },
    onOutcome:
      opts.format === 'ndjson' ? (o) => io.out.write(`${JSON.stringify(outcomeLine(o))}\n`) : undefined,
    onProgress: showProgress ? (p) => io.err.write(progressLine(p)) : undefined,
  });
  if (showProgress) io.err.write('\r\x1b[K');

  if (opts.format === 'table') {
    io.out.write(renderReport(result.outcomes));
    const c = processor.counters;
    io.out.write(
      `\n${result.records} records, ${result.matched} matches → ${c.sent} alerts sent, ${c.excepted} excepted, ` +
        `${c.suppressed} suppressed by cooldown, ${c.duplicate} duplicates, ${c.unrouted} unrouted` +
        `${c.correlations ? ` (${c.correlations} from correlations)` : ''}` +
        `${result.outOfRange ? `; ${result.outOfRange} records outside --since/--until` : ''}\n`,
    );
    if (outbox.written.length > 0)
      io.out.write(`${outbox.written.length} notifications written to ${opts.out}\n`);
  }
  for (const f of result.failures) io.err.write(`error: ${f.source} => ${f.error}\n`);
  const readErrors = readProblems.filter((p) => p.severity === 'error').length;
  if (readErrors > 0)
    io.err.write(`${readErrors} input problems (see above); the good records were scanned\n`);

  if (opts.failOn) {
    const threshold = levelRank(opts.failOn);
    const hit = result.outcomes.some(
      (o) => (o.kind === 'sent' || o.kind === 'unrouted') && levelRank(o.alert.level) >= threshold,
    );
    if (hit) return EXIT_FAIL_ON;
  }
  return result.failures.length > 0 ? 1 : 0;
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
              events: a.correlation.events.length,
            },
          }
        : {}),
      ...(a.suppressedSince ? { suppressedSince: a.suppressedSince } : {}),
    },
    source: a.source,
  };
}

function progressLine(p: ScanProgress): string {
  const name = p.current.length > 60 ? `…${p.current.slice(-59)}` : p.current;
  return `\r\x1b[K${p.files} files, ${p.records} records  ${name}`;
}

/** Terminal output: event values shown inert (control and bidi characters escaped), capped. */
const clean = (s: string, max = 70): string => cleanLine(s, max);

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
  for (const o of outcomes) {
    const a = o.alert;
    const key = `${a.account.ouPath}\u0000${a.account.id}`;
    let row = rows.get(key);
    if (!row) {
      const name = a.account.known
        ? `${a.account.name} (${a.account.id})`
        : `${a.account.id} (unknown account)`;
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
      const sup = a.suppressedSince
        ? ` [${a.suppressedSince.count} suppressed since ${a.suppressedSince.since}]`
        : '';
      row.lines.push(`    ${head}${extra}${sup}\n        by ${who} → ${o.destinations.join(', ')}`);
    } else if (o.kind === 'unrouted') {
      row.lines.push(`    ${head}\n        by ${who} → (no route: counted, not sent)`);
    } else if (o.kind === 'excepted') {
      row.lines.push(`    ${head}\n        by ${who} → excepted: ${clean(o.exception, 100)}`);
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
    .argument('<inputs...>', 'CloudTrail files, directories (recursive) or s3://bucket/prefix')
    .option(
      '--config <file>',
      'accounts.yaml: organization, rule sets, exceptions, routes (without it: all rules, all alerts to the outbox)',
    )
    .option(
      '--rules <path>',
      'rule file or directory (repeatable)',
      (v: string, prev: string[] | undefined) => [...(prev ?? []), v],
    )
    .option('--out <dir>', 'outbox directory for rendered notifications (.html, .txt, .json, .eml)', 'out')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'ndjson']).default('table'))
    .option('--since <time>', 'only events at or after this time (ISO 8601)')
    .option('--until <time>', 'only events at or before this time (ISO 8601)')
    .addOption(
      new Option(
        '--fail-on <level>',
        `exit ${EXIT_FAIL_ON} when an alert at or above this level fired`,
      ).choices([...LEVELS]),
    )
    .option('--no-progress', 'no progress line on a terminal')
    .action(async (inputs: string[], raw: Omit<ScanCommandOptions, 'rules'> & { rules?: string[] }) => {
      try {
        process.exitCode = await runScan(inputs, { ...raw, rules: raw.rules ?? ['rules'] });
      } catch (err) {
        process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = 1;
      }
    });
}
