/**
 * `trailalerts hunt`: retro-hunt at organization scale. Plans the trail's day prefixes for the
 * chosen accounts/OUs × regions × days, or takes them from `--prefix`/`--prefixes-from`
 * (src/hunt/plan.ts), then starts the retro-hunt state machine with them (inline when few,
 * else as a manifest in the hunt bucket). Before it starts, and with `--dry-run` instead, it
 * prints the plan with its estimated objects, duration and cost (hunt-estimate.ts), without any
 * AWS call.
 * Matches go to the normal pipeline, or with --report only to the results the map writes to the
 * hunt bucket. `--wait` follows the execution and prints its results; `trailalerts hunt-results`
 * does the same for an earlier execution (src/hunt/results/ reads them, hunt-output.ts prints).
 *
 * Exit status (exit-codes.ts): 0 started, planned, or (waited) every object read; 1 error;
 * 2 accounts.yaml has errors; 6 still running when --timeout passed (or, without --wait, not
 * finished yet); 7 succeeded but incomplete (objects or prefixes to hunt again, result files that
 * could not be read); 8 the execution failed, timed out or was aborted.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { Command, Option } from 'commander';
import { writeFileSync } from 'node:fs';
import { ALERTED_EVENT_DAYS } from '../../src/alerts';
import {
  deploymentOfStateMachine,
  huntBucketName,
  HUNT_RESULTS_PREFIX,
  INLINE_PREFIX_LIMIT,
  planHunt,
  type HuntPlan,
  type StartedHunt,
} from '../../src/hunt';
import type { ExecutionDescription, HuntResultsPort } from '../../src/hunt/results';
import { safeText } from '../../src/notify';
import { formatDiagnostic } from '../../src/core';
import {
  EXIT_CONFIG,
  EXIT_FAILED,
  EXIT_HUNT_FAILED,
  EXIT_HUNT_INCOMPLETE,
  EXIT_HUNT_NOT_FINISHED,
  EXIT_OK,
  huntExitHelp,
  worstHuntExit,
} from './exit-codes';

// Loaded only when a hunt runs: the results reader, its SDK adapter (the SDK is slow to load), the printer.
const huntResults = () => import('../../src/hunt/results');
const awsResultsPort = async () => (await import('../../src/hunt/results/aws-port')).awsHuntResultsPort;
const huntOutput = () => import('./hunt-output');

/** Default --timeout of `hunt-results --wait`; `hunt --wait` waits for its estimate (waitFor). */
export const DEFAULT_WAIT_TIMEOUT = '24h';
const MAX_WAIT_MS = 7 * 24 * 3_600_000;

/** How long `hunt --wait` waits by default: twice the estimated duration plus an hour, 2 h to 7 days. */
export function waitFor(estimatedHours: number): number {
  const ms = (2 * estimatedHours + 1) * 3_600_000;
  return Math.min(MAX_WAIT_MS, Math.max(2 * 3_600_000, Number.isFinite(ms) ? Math.ceil(ms) : MAX_WAIT_MS));
}

export interface HuntCommandOptions {
  since: string;
  until: string;
  rules?: string[];
  ou?: string[];
  account?: string[];
  regions?: string[];
  report?: boolean;
  stateMachine?: string;
  huntBucket?: string;
  config: string;
  dryRun?: boolean;
  /** Day prefixes instead of --ou/--account/--regions (repeatable). */
  prefix?: string[];
  /** A file of day prefixes (one per line, or a JSON array). */
  prefixesFrom?: string;
  wait?: boolean;
  timeout?: string;
  format?: 'table' | 'json';
  /** How many matches the summary lists (default 20). */
  listed?: string;
  /** Log objects per account, region and day for the estimate (default 288: one per 5 minutes). */
  objectsPerDay?: string;
}

export interface HuntResultsCommandOptions {
  execution: string;
  wait?: boolean;
  timeout?: string;
  format?: 'table' | 'json';
  listed?: string;
  huntBucket?: string;
  /** Write the prefixes to hunt again to this file (the re-run command reads it). */
  rerunFile?: string;
  /** RedriveExecution for a failed, timed-out or aborted execution, then (with --wait) follow it. */
  redrive?: boolean;
  /** UpdateMapRun: the running hunt's map concurrency. */
  maxConcurrency?: string;
}

export interface HuntClients {
  s3: (region: string) => S3Client;
  sfn: (region: string) => SFNClient;
  /** For tests: prefixes per execution (default MAX_PREFIXES_PER_EXECUTION). */
  partSize?: number;
  /** For tests: the clock and the pause between polls. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

type HuntIO = { out: NodeJS.WritableStream; err: NodeJS.WritableStream };

const STATE_MACHINE_ARN =
  /^arn:aws[a-z-]*:states:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):stateMachine:([A-Za-z0-9_-]{1,80})$/;

export function parseStateMachineArn(arn: string): { region: string; account: string; name: string } {
  const m = STATE_MACHINE_ARN.exec(arn);
  if (!m)
    throw new Error(
      `--state-machine: expected arn:aws:states:<region>:<account>:stateMachine:<name>, got "${arn}"`,
    );
  return { region: m[1], account: m[2], name: m[3] };
}

/**
 * The bucket the security stack creates for hunt manifests and results: `<deployment>-hunt-…`,
 * where the state machine is `<deployment>-retro-hunt` (src/hunt/names.ts).
 */
export function defaultHuntBucket(stateMachineArn: string): string {
  const { account, region, name } = parseStateMachineArn(stateMachineArn);
  return huntBucketName(deploymentOfStateMachine(name), account, region);
}

/**
 * The processor remembers an alerted event for ALERTED_EVENT_DAYS after its event time
 * (src/alerts/dedupe.ts): hunt matches of events alerted before, live or by a hunt, are
 * duplicates. An alert-mode hunt reaching further back can alert again on older events. Says
 * so, or undefined.
 */
export function dedupeWindowNotice(since: string, mode: string, nowMs: number): string | undefined {
  const start = Date.parse(since);
  const horizonMs = ALERTED_EVENT_DAYS * 86_400_000;
  if (mode !== 'alert' || !Number.isFinite(start) || start >= nowMs - horizonMs) return undefined;
  return (
    `notice: the processor remembers alerted events for ${ALERTED_EVENT_DAYS} days: alerts for events ` +
    `before ${new Date(nowMs - horizonMs).toISOString().slice(0, 10)} that were already sent may be ` +
    'sent again (use --report to count matches without alerting)'
  );
}

/** Human summary of a plan: counts and the first few prefixes. */
export function describePlan(plan: HuntPlan, shown = 5): string {
  const lines = [
    `hunt ${plan.since} .. ${plan.until} (${plan.mode} mode)`,
    `  rules:    ${plan.rules ? plan.rules.join(', ') : 'all shipped rules'}`,
    `  accounts: ${plan.accounts.length}  regions: ${plan.regions.join(', ')}  day folders: ${plan.days.length}`,
    `  prefixes: ${plan.prefixes.length} (${plan.prefixes.length > INLINE_PREFIX_LIMIT ? 'manifest in the hunt bucket' : 'inline'})`,
    ...plan.prefixes.slice(0, shown).map((p) => `    ${p}`),
  ];
  if (plan.prefixes.length > shown) lines.push(`    … ${plan.prefixes.length - shown} more`);
  return `${lines.join('\n')}\n`;
}

const list = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];
const commaList = (v: string, prev: string[] | undefined): string[] => [
  ...(prev ?? []),
  ...v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== ''),
];

/** `30s`, `45m`, `2h`, or a number of seconds, as milliseconds. */
export function parseDuration(label: string, value: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(value.trim());
  const ms = m ? Number(m[1]) * (units[m[2] ?? 's'] ?? NaN) : NaN;
  if (!m || !Number.isFinite(ms) || ms <= 0 || ms > 7 * 24 * 3_600_000)
    throw new Error(`${label}: expected a duration such as 90s, 45m or 2h (at most 7 days), got "${value}"`);
  return ms;
}

function parseObjectsPerDay(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,6}$/.test(value) || Number(value) === 0)
    throw new Error(`--objects-per-day: expected a positive number of log objects, got "${value}"`);
  return Number(value);
}

function parseListed(value: string | undefined): number {
  if (value === undefined) return 20;
  if (!/^\d{1,5}$/.test(value)) throw new Error(`--listed: expected a number of matches, got "${value}"`);
  return Number(value);
}

/** Explicit prefixes from --prefix and --prefixes-from, or undefined when neither was given. */
async function explicitPrefixes(opts: HuntCommandOptions): Promise<string[] | undefined> {
  if (opts.prefix === undefined && opts.prefixesFrom === undefined) return undefined;
  const prefixes = [...(opts.prefix ?? [])];
  if (opts.prefixesFrom !== undefined) {
    const { readPrefixFile } = await import('./hunt-prefixes');
    for (const p of await readPrefixFile(opts.prefixesFrom)) prefixes.push(p);
  }
  return prefixes;
}

/** Runs the command; returns the exit status (see the top of this file). */
export async function runHunt(
  opts: HuntCommandOptions,
  clients: HuntClients,
  io: HuntIO = {
    out: process.stdout,
    err: process.stderr,
  },
): Promise<number> {
  const { loadConfig } = await import('../../src/runtime/build');
  const loaded = loadConfig(opts.config);
  if (!loaded.config) {
    for (const d of loaded.diagnostics) io.err.write(`${formatDiagnostic(d)}\n`);
    return EXIT_CONFIG;
  }
  // Validate the --wait options before anything starts.
  const givenTimeoutMs = opts.timeout !== undefined ? parseDuration('--timeout', opts.timeout) : undefined;
  const listed = parseListed(opts.listed);
  const objectsPerDay = parseObjectsPerDay(opts.objectsPerDay);
  const prefixes = await explicitPrefixes(opts);
  const plan = planHunt(loaded.config, {
    since: opts.since,
    until: opts.until,
    ous: opts.ou,
    accounts: opts.account,
    regions: opts.regions,
    rules: opts.rules,
    mode: opts.report ? 'report' : 'alert',
    ...(prefixes !== undefined ? { prefixes } : {}),
  });
  // With --format json, stdout carries only the summary.
  const info = opts.wait && opts.format === 'json' ? io.err : io.out;
  info.write(describePlan(plan));
  const { planEstimate } = await import('./hunt-estimate');
  const estimate = planEstimate(plan, loaded.config, objectsPerDay);
  info.write(estimate.text);
  const timeoutMs = givenTimeoutMs ?? waitFor(estimate.hours);
  const beyond = dedupeWindowNotice(plan.since, plan.mode, clients.now?.() ?? Date.now());
  if (beyond) io.err.write(`${beyond}\n`);
  if (opts.dryRun) return EXIT_OK;
  if (!opts.stateMachine) {
    io.err.write('error: --state-machine <arn> is required (or use --dry-run)\n');
    return EXIT_FAILED;
  }
  const { region } = parseStateMachineArn(opts.stateMachine);
  const huntBucket = opts.huntBucket ?? defaultHuntBucket(opts.stateMachine);
  const { startHuntParts } = await import('../../src/hunt/start');
  const parts: StartedHunt[] = await startHuntParts(plan, {
    s3: clients.s3(region),
    sfn: clients.sfn(region),
    stateMachineArn: opts.stateMachine,
    huntBucket,
    ...(clients.partSize !== undefined ? { partSize: clients.partSize } : {}),
  });
  if (parts.length > 1) info.write(`${parts.length} executions, one per part of the plan\n`);
  for (const started of parts) {
    if (started.manifest) info.write(`manifest: s3://${started.manifest.bucket}/${started.manifest.key}\n`);
    info.write(`started ${started.huntId}\nexecution: ${started.executionArn}\n`);
  }
  info.write(
    opts.report
      ? `results: s3://${huntBucket}/${HUNT_RESULTS_PREFIX} (written when the execution ends)\n`
      : 'matches go to the matches queue; alerts follow the usual routes\n',
  );
  if (!opts.wait) {
    for (const started of parts)
      info.write(`follow it: trailalerts hunt-results --execution ${started.executionArn} --wait\n`);
    return EXIT_OK;
  }
  const port = (await awsResultsPort())(clients.sfn(region), clients.s3(region));
  // Parts run side by side; they are followed in turn, and the worst outcome is the exit status.
  const codes: number[] = [];
  for (const started of parts)
    codes.push(
      await reportExecution(port, started.executionArn, {
        wait: true,
        timeoutMs,
        listed,
        format: opts.format ?? 'table',
        huntBucket,
        clients,
        io,
      }),
    );
  return worstHuntExit(...codes);
}

/** `trailalerts hunt-results`: the results of an earlier (or running, with --wait) hunt execution. */
export async function runHuntResults(
  opts: HuntResultsCommandOptions,
  clients: HuntClients,
  io: HuntIO = { out: process.stdout, err: process.stderr },
): Promise<number> {
  const { parseExecutionArn } = await huntResults();
  const { region, account, stateMachine } = parseExecutionArn(opts.execution);
  const timeoutMs = parseDuration('--timeout', opts.timeout ?? DEFAULT_WAIT_TIMEOUT);
  const port = (await awsResultsPort())(clients.sfn(region), clients.s3(region));
  if (opts.maxConcurrency !== undefined) {
    const refused = await setConcurrency(port, opts.execution, opts.maxConcurrency, io);
    if (refused !== undefined) return refused;
    if (!opts.wait) return EXIT_OK;
  }
  if (opts.redrive) {
    const refused = await redrive(port, opts.execution, io);
    if (refused !== undefined) return refused;
    if (!opts.wait) {
      io.out.write(`follow it: trailalerts hunt-results --execution ${opts.execution} --wait\n`);
      return EXIT_OK;
    }
  }
  return reportExecution(port, opts.execution, {
    wait: opts.wait ?? false,
    timeoutMs,
    listed: parseListed(opts.listed),
    format: opts.format ?? 'table',
    huntBucket: opts.huntBucket ?? huntBucketName(deploymentOfStateMachine(stateMachine), account, region),
    ...(opts.rerunFile !== undefined ? { rerunFile: opts.rerunFile } : {}),
    clients,
    io,
  });
}

/**
 * RedriveExecution for an execution that ended without succeeding: the map runs again only the
 * child executions that did not succeed. Returns an exit status when it refuses, else undefined.
 */
async function redrive(port: HuntResultsPort, executionArn: string, io: HuntIO): Promise<number | undefined> {
  const { redriveOffer } = await huntResults();
  const execution = await port.describeExecution(executionArn);
  const offer = redriveOffer(execution);
  if (!offer || !offer.offered || !port.redriveExecution) {
    io.err.write(
      `error: --redrive: the execution is ${safeText(execution.status, 20)}${offer?.reason ? ` and cannot be redriven (${offer.reason})` : ''}; only a failed, timed-out or aborted execution can be\n`,
    );
    return EXIT_FAILED;
  }
  const r = await port.redriveExecution(executionArn);
  io.err.write(
    `redriven ${executionArn}${r.redriveDate ? ` at ${r.redriveDate.toISOString()}` : ''}: the batches that did not succeed run again\n`,
  );
  return undefined;
}

/**
 * UpdateMapRun on a running hunt's map run: more (or fewer) worker calls at once. Above the
 * worker's reserved concurrency the extra calls are only throttled (and retried), so raise
 * deployment.huntWorkerReservedConcurrency first. Returns an exit status when it refuses.
 */
async function setConcurrency(
  port: HuntResultsPort,
  executionArn: string,
  value: string,
  io: HuntIO,
): Promise<number | undefined> {
  if (!/^\d{1,4}$/.test(value) || Number(value) < 1 || Number(value) > 10_000)
    throw new Error(`--max-concurrency: expected a number of worker calls from 1 to 10000, got "${value}"`);
  const execution = await port.describeExecution(executionArn);
  if (execution.status !== 'RUNNING' || !port.listMapRuns || !port.updateMapRun) {
    io.err.write(
      `error: --max-concurrency: the execution is ${safeText(execution.status, 20)}; only a running hunt's map can change\n`,
    );
    return EXIT_FAILED;
  }
  const [mapRunArn] = await port.listMapRuns(executionArn);
  if (!mapRunArn) {
    io.err.write(
      'error: --max-concurrency: the execution has not started its map run yet; try again shortly\n',
    );
    return EXIT_FAILED;
  }
  await port.updateMapRun(mapRunArn, Number(value));
  io.err.write(
    `map run ${safeText(mapRunArn, 300)}: at most ${Number(value)} worker calls at once (beyond the worker's reserved concurrency they are throttled and retried)\n`,
  );
  return undefined;
}

interface ReportOptions {
  wait: boolean;
  timeoutMs: number;
  listed: number;
  format: 'table' | 'json';
  huntBucket: string;
  rerunFile?: string;
  clients: HuntClients;
  io: HuntIO;
}

/** Waits (or looks once), then prints the summary; returns the exit status. */
async function reportExecution(
  port: HuntResultsPort,
  executionArn: string,
  o: ReportOptions,
): Promise<number> {
  const { isTerminal, summarizeHunt, waitForExecution } = await huntResults();
  const { formatDuration, formatProgress, formatSummary, summaryJson } = await huntOutput();
  let execution: ExecutionDescription;
  if (o.wait) {
    const outcome = await waitForExecution(port, executionArn, {
      timeoutMs: o.timeoutMs,
      ...(o.clients.sleep ? { sleep: o.clients.sleep } : {}),
      ...(o.clients.now ? { now: o.clients.now } : {}),
      onProgress: (p) => o.io.err.write(`${formatProgress(p)}\n`),
    });
    execution = outcome.execution;
    if (!outcome.done) {
      o.io.err.write(
        `still ${safeText(execution.status, 20)} after ${formatDuration(o.timeoutMs)}; the hunt goes on. Results later: trailalerts hunt-results --execution ${executionArn} --wait\n`,
      );
      return EXIT_HUNT_NOT_FINISHED;
    }
  } else {
    execution = await port.describeExecution(executionArn);
    if (!isTerminal(execution.status)) {
      o.io.err.write(
        `${safeText(execution.status, 20)}: the hunt has not finished; add --wait to follow it\n`,
      );
      return EXIT_HUNT_NOT_FINISHED;
    }
  }
  const summary = await summarizeHunt(port, execution, {
    huntBucket: o.huntBucket,
    listed: o.listed,
    ...(o.rerunFile !== undefined ? { prefixesFile: o.rerunFile } : {}),
  });
  if (o.rerunFile !== undefined && summary.rerun.prefixes.length > 0) {
    writeFileSync(
      o.rerunFile,
      `# prefixes to hunt again: ${summary.executionArn}\n${summary.rerun.prefixes.join('\n')}\n`,
    );
    o.io.err.write(`wrote ${summary.rerun.prefixes.length} prefixes to ${o.rerunFile}\n`);
  }
  o.io.out.write(o.format === 'json' ? `${summaryJson(summary)}\n` : formatSummary(summary));
  if (summary.status !== 'SUCCEEDED') {
    o.io.err.write(
      `hunt ${safeText(summary.status, 20)}: ${safeText(summary.error ?? '(no error)', 200)}${summary.cause ? `: ${safeText(summary.cause, 2000)}` : ''}\n`,
    );
    return EXIT_HUNT_FAILED;
  }
  return summary.complete ? EXIT_OK : EXIT_HUNT_INCOMPLETE;
}

const formatOption = (description: string) =>
  new Option('--format <format>', description).choices(['table', 'json']).default('table');

export function huntCommand(): Command {
  return new Command('hunt')
    .description(
      'retro-hunt: run the rules over a time range of the organization trail with the retro-hunt state machine of the security stack',
    )
    .requiredOption('--since <date>', 'start (ISO date or time, UTC)')
    .requiredOption('--until <date>', 'end (ISO date or time; a date alone means the end of that day)')
    .option(
      '--rules <ref>',
      'rule id, title, wildcard or path glob (repeatable; default all shipped rules)',
      list,
    )
    .option('--ou <path>', 'OU path or id from accounts.yaml (repeatable; default all listed accounts)', list)
    .option('--account <id>', '12-digit account id (repeatable)', list)
    .option('--regions <list>', 'comma-separated regions (default trail.regions)', commaList)
    .option('--report', 'count and list matches in the hunt bucket results instead of alerting')
    .option(
      '--state-machine <arn>',
      'ARN of the retro-hunt state machine (stack output RetroHuntStateMachineArn)',
    )
    .option(
      '--hunt-bucket <name>',
      'hunt bucket for the manifest (default <deployment>-hunt-<account>-<region>, from the state machine name <deployment>-retro-hunt)',
    )
    .option(
      '--prefix <prefix>',
      'hunt exactly this day prefix, [<trail prefix>/]AWSLogs/<org-id>/<account>/CloudTrail/<region>/YYYY/MM/DD/ (repeatable; replaces --ou/--account/--regions)',
      list,
    )
    .option('--prefixes-from <file>', 'day prefixes from a file: one per line (# comments) or a JSON array')
    .option('--config <file>', 'accounts.yaml', 'accounts.yaml')
    .option('--dry-run', 'print the plan, its estimated objects, duration and cost only; no AWS calls')
    .option(
      '--objects-per-day <n>',
      'log objects per account, region and day for the estimate (default 288, one every five minutes)',
    )
    .option('--wait', 'follow the execution and print its results when it ends')
    .option(
      '--timeout <duration>',
      'how long --wait waits (e.g. 90m, 6h; default twice the estimated duration plus an hour, at least 2h)',
    )
    .addOption(formatOption('summary format with --wait (json: only the summary on stdout)'))
    .option('--listed <n>', 'matches listed in the summary', '20')
    .addHelpText('after', huntExitHelp('hunt'))
    .action(async (opts: HuntCommandOptions) => {
      process.exitCode = await runCommand(async () => runHunt(opts, await awsClients()));
    });
}

export function huntResultsCommand(): Command {
  return new Command('hunt-results')
    .description(
      'results of a retro-hunt execution: totals, matches per rule, damaged and unreadable objects, failed batches, and the command to hunt again what was not read',
    )
    .requiredOption('--execution <arn>', 'execution ARN printed by trailalerts hunt')
    .option('--wait', 'wait for a running execution to end')
    .option('--timeout <duration>', 'how long --wait waits (e.g. 90m, 2h)', DEFAULT_WAIT_TIMEOUT)
    .addOption(formatOption('summary format'))
    .option('--listed <n>', 'matches listed in the summary', '20')
    .option(
      '--hunt-bucket <name>',
      'where to look for the results of a failed hunt (default <deployment>-hunt-<account>-<region>)',
    )
    .option('--rerun-file <file>', 'write the prefixes to hunt again to this file (for hunt --prefixes-from)')
    .option(
      '--max-concurrency <n>',
      "a running hunt's worker calls at once (UpdateMapRun; at most the worker's reserved concurrency is useful)",
    )
    .option(
      '--redrive',
      'resume a failed, timed-out or aborted execution (RedriveExecution: only the batches that did not succeed run again); with --wait, follow it',
    )
    .addHelpText('after', huntExitHelp('hunt-results'))
    .action(async (opts: HuntResultsCommandOptions) => {
      process.exitCode = await runCommand(async () => runHuntResults(opts, await awsClients()));
    });
}

async function awsClients(): Promise<HuntClients> {
  const [{ S3Client }, { SFNClient }] = await Promise.all([
    import('@aws-sdk/client-s3'),
    import('@aws-sdk/client-sfn'),
  ]);
  return {
    s3: (region) => new S3Client({ region }),
    sfn: (region) => new SFNClient({ region }),
  };
}

async function runCommand(run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (err) {
    process.stderr.write(`error: ${safeText(err instanceof Error ? err.message : String(err), 2000)}\n`);
    return EXIT_FAILED;
  }
}
