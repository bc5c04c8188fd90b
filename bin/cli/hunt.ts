/**
 * `trailalerts hunt`: retro-hunt at organization scale. Plans the trail's day prefixes for the
 * chosen accounts/OUs × regions × days (lambdas/hunt/plan.ts), then starts the retro-hunt state
 * machine with them (inline when few, else as a manifest in the hunt bucket). `--dry-run` prints
 * the plan without any AWS call. Matches go to the normal pipeline, or with --report only to the
 * results the map writes to the hunt bucket.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { Command } from 'commander';
import { loadConfig } from '../../lambdas/pipeline/build';
import { planHunt, type HuntPlan } from '../../lambdas/hunt/plan';
import { startHunt, INLINE_PREFIX_LIMIT, type StartedHunt } from '../../lambdas/hunt/start';
import { formatDiagnostic } from '../../lambdas/sigma/model';

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
}

export interface HuntClients {
  s3: (region: string) => S3Client;
  sfn: (region: string) => SFNClient;
}

const STATE_MACHINE_ARN =
  /^arn:aws[a-z-]*:states:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):stateMachine:[A-Za-z0-9_-]{1,80}$/;

export function parseStateMachineArn(arn: string): { region: string; account: string } {
  const m = STATE_MACHINE_ARN.exec(arn);
  if (!m)
    throw new Error(
      `--state-machine: expected arn:aws:states:<region>:<account>:stateMachine:<name>, got "${arn}"`,
    );
  return { region: m[1], account: m[2] };
}

/** The bucket the security stack creates for hunt manifests and results (stacks/constructs/retro-hunt.ts). */
export function defaultHuntBucket(stateMachineArn: string): string {
  const { account, region } = parseStateMachineArn(stateMachineArn);
  return `trailalerts-hunt-${account}-${region}`;
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

/** Runs the command; returns the exit status (0 started or planned, 1 error, 2 configuration error). */
export async function runHunt(
  opts: HuntCommandOptions,
  clients: HuntClients,
  io: { out: NodeJS.WritableStream; err: NodeJS.WritableStream } = {
    out: process.stdout,
    err: process.stderr,
  },
): Promise<number> {
  const loaded = loadConfig(opts.config);
  if (!loaded.config) {
    for (const d of loaded.diagnostics) io.err.write(`${formatDiagnostic(d)}\n`);
    return 2;
  }
  const plan = planHunt(loaded.config, {
    since: opts.since,
    until: opts.until,
    ous: opts.ou,
    accounts: opts.account,
    regions: opts.regions,
    rules: opts.rules,
    mode: opts.report ? 'report' : 'pipeline',
  });
  io.out.write(describePlan(plan));
  if (opts.dryRun) return 0;
  if (!opts.stateMachine) {
    io.err.write('error: --state-machine <arn> is required (or use --dry-run)\n');
    return 1;
  }
  const { region } = parseStateMachineArn(opts.stateMachine);
  const huntBucket = opts.huntBucket ?? defaultHuntBucket(opts.stateMachine);
  const started: StartedHunt = await startHunt(plan, {
    s3: clients.s3(region),
    sfn: clients.sfn(region),
    stateMachineArn: opts.stateMachine,
    huntBucket,
  });
  if (started.manifest) io.out.write(`manifest: s3://${started.manifest.bucket}/${started.manifest.key}\n`);
  io.out.write(`started ${started.huntId}\nexecution: ${started.executionArn}\n`);
  io.out.write(
    opts.report
      ? `results: s3://${huntBucket}/results/ (written when the execution ends)\n`
      : 'matches go to the matches queue; alerts follow the usual routes\n',
  );
  return 0;
}

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
      'hunt bucket for the manifest (default trailalerts-hunt-<account>-<region>)',
    )
    .option('--config <file>', 'accounts.yaml', 'accounts.yaml')
    .option('--dry-run', 'print the plan only; no AWS calls')
    .action(async (opts: HuntCommandOptions) => {
      try {
        process.exitCode = await runHunt(opts, {
          s3: (region) => new S3Client({ region }),
          sfn: (region) => new SFNClient({ region }),
        });
      } catch (err) {
        process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = 1;
      }
    });
}
