/**
 * Conformance run of the Sigma engine against a reference corpus (not shipped with the project):
 *   npm run conformance -- ../shared/corpus
 * Checks that every SigmaHQ AWS rule loads with no error, runs them over every Stratus Red Team
 * file, cross-checks a few rules against independent hand-written predicates, checks that the
 * retired aggregation syntax is rejected clearly, and reports which techniques our shipped rules
 * in rules/ detect. Exits non-zero on any failure (coverage gaps are reported, not failed).
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readEvents } from '../src/cloudtrail';
import { MemoryStateStore } from '../src/alerts/state';
import { CorrelationEngine } from '../src/alerts/correlate';
import {
  applyFilters,
  formatDiagnostic,
  loadRules,
  RuleIndex,
  type CloudTrailRecord,
  type CompiledRule,
  type RuleBundle,
} from '../src/sigma';

const EXPECTED_SIGMAHQ_RULES = 57;

type Technique = { name: string; records: CloudTrailRecord[] };

const get = (record: CloudTrailRecord, path: string): unknown =>
  path
    .split('.')
    .reduce<unknown>(
      (o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined),
      record,
    );
const eqi = (value: unknown, expected: string) =>
  typeof value === 'string' && value.toLowerCase() === expected.toLowerCase();

/** Independent hand evaluations of a few SigmaHQ rules, by rule file name. */
const HAND: Record<string, (r: CloudTrailRecord) => boolean> = {
  'aws_cloudtrail_disable_logging.yml': (r) =>
    eqi(r.eventSource, 'cloudtrail.amazonaws.com') &&
    ['stoplogging', 'updatetrail', 'deletetrail'].some((n) => eqi(r.eventName, n)),
  'aws_cloudtrail_console_login_success_without_mfa.yml': (r) =>
    eqi(r.eventName, 'ConsoleLogin') &&
    eqi(get(r, 'additionalEventData.MFAUsed'), 'NO') &&
    eqi(get(r, 'responseElements.ConsoleLogin'), 'Success'),
  'aws_sts_assumerole_misuse.yml': (r) =>
    eqi(get(r, 'userIdentity.type'), 'AssumedRole') &&
    eqi(get(r, 'userIdentity.sessionContext.sessionIssuer.type'), 'Role'),
  'aws_iam_backdoor_users_keys.yml': (r) => {
    const arn = get(r, 'userIdentity.arn');
    const literal =
      typeof arn === 'string' && arn.toLowerCase().includes('responseelements.accesskey.username');
    return eqi(r.eventSource, 'iam.amazonaws.com') && eqi(r.eventName, 'CreateAccessKey') && !literal;
  },
  'aws_snapshot_backup_exfiltration.yml': (r) =>
    eqi(r.eventSource, 'ec2.amazonaws.com') && eqi(r.eventName, 'ModifySnapshotAttribute'),
};

async function readTechniques(dir: string, failures: string[]): Promise<Technique[]> {
  const techniques: Technique[] = [];
  for (const name of readdirSync(dir)
    .filter((n) => n.endsWith('.json'))
    .sort()) {
    const records: CloudTrailRecord[] = [];
    for await (const { record } of readEvents(
      [join(dir, name)],
      (p) => p.severity === 'error' && failures.push(formatDiagnostic(p)),
    ))
      records.push(record);
    techniques.push({ name: name.replace(/\.json$/, ''), records });
  }
  return techniques;
}

function runOver(rules: CompiledRule[], techniques: Technique[]) {
  const index = new RuleIndex(rules);
  const perRule = new Map<string, number>(rules.map((r) => [r.meta.id, 0]));
  const perTechnique = new Map<string, Set<string>>();
  for (const t of techniques) {
    const titles = new Set<string>();
    for (const record of t.records) {
      for (const rule of index.match(record)) {
        perRule.set(rule.meta.id, (perRule.get(rule.meta.id) ?? 0) + 1);
        titles.add(rule.meta.title);
      }
    }
    perTechnique.set(t.name, titles);
  }
  return { perRule, perTechnique };
}

/**
 * Which techniques the shipped pack alerts on, as production would: rules that feed only a
 * correlation (generate: false) count through the correlation's alert, not on their own, and
 * incidental AssumeRole / GetCallerIdentity calls do not count as detecting a technique.
 */
async function shippedCoverage(ours: RuleBundle, techniques: Technique[]): Promise<Map<string, Set<string>>> {
  const index = new RuleIndex(applyFilters(ours.rules, ours.filters));
  const out = new Map<string, Set<string>>();
  for (const t of techniques) {
    const engine = new CorrelationEngine(ours.correlations, new MemoryStateStore());
    const titles = new Set<string>();
    for (const record of t.records) {
      if (INCIDENTAL.has(String(record.eventName))) continue;
      for (const rule of index.match(record)) {
        if (engine.generates(rule.meta)) titles.add(rule.meta.title);
        const accountId =
          typeof record.recipientAccountId === 'string' ? record.recipientAccountId : 'unknown';
        for (const hit of await engine.observe({ rule: rule.meta, record, accountId }))
          titles.add(`${hit.correlation.meta.title} (correlation)`);
      }
    }
    out.set(t.name, titles);
  }
  return out;
}

const INCIDENTAL = new Set(['AssumeRole', 'GetCallerIdentity']);

async function main(): Promise<number> {
  const corpus = process.argv[2] ?? '../shared/corpus';
  const failures: string[] = [];
  const sigmaDir = join(corpus, 'sigmahq-aws', 'rules');
  const legacyDir = join(corpus, 'sigmahq-aws', 'unsupported-legacy');
  const stratusDir = join(corpus, 'stratus-red-team');
  for (const dir of [sigmaDir, legacyDir, stratusDir])
    if (!existsSync(dir)) failures.push(`missing corpus directory ${dir}`);
  if (failures.length > 0) return report(failures);

  // 1. SigmaHQ rules: all load, none invalid.
  const sigma = loadRules([sigmaDir]);
  const problems = sigma.diagnostics.filter((d) => d.severity !== 'notice');
  for (const d of problems.filter((p) => p.severity === 'error'))
    failures.push(`SigmaHQ rule invalid: ${formatDiagnostic(d)}`);
  for (const d of problems.filter((p) => p.severity === 'warning')) console.log(`  ${formatDiagnostic(d)}`);
  if (sigma.rules.length !== EXPECTED_SIGMAHQ_RULES)
    failures.push(`expected ${EXPECTED_SIGMAHQ_RULES} SigmaHQ rules, loaded ${sigma.rules.length}`);
  console.log(
    `SigmaHQ AWS rules: ${sigma.rules.length} loaded, ${problems.filter((p) => p.severity === 'error').length} errors`,
  );

  // 2. Run them over every Stratus Red Team technique.
  const techniques = await readTechniques(stratusDir, failures);
  const totalRecords = techniques.reduce((n, t) => n + t.records.length, 0);
  const started = process.hrtime.bigint();
  const { perRule, perTechnique } = runOver(sigma.rules, techniques);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  console.log(
    `\nStratus Red Team: ${techniques.length} techniques, ${totalRecords} records, evaluated in ${ms.toFixed(1)} ms`,
  );
  console.log('\nHits per rule:');
  for (const rule of [...sigma.rules].sort(
    (a, b) =>
      (perRule.get(b.meta.id) ?? 0) - (perRule.get(a.meta.id) ?? 0) ||
      a.meta.title.localeCompare(b.meta.title),
  ))
    console.log(`  ${String(perRule.get(rule.meta.id) ?? 0).padStart(5)}  ${rule.meta.title}`);
  console.log('\nHits per technique (SigmaHQ rules):');
  for (const [name, titles] of perTechnique)
    console.log(`  ${name}: ${titles.size > 0 ? [...titles].join('; ') : '-'}`);

  // 3. Independent cross-check of a few rules.
  console.log('\nCross-check against hand evaluation:');
  for (const [file, predicate] of Object.entries(HAND)) {
    const rule = sigma.rules.find((r) => basename(r.meta.file) === file);
    if (!rule) {
      failures.push(`cross-check: rule ${file} not loaded`);
      continue;
    }
    let agree = 0;
    let hits = 0;
    for (const t of techniques)
      for (const record of t.records) {
        const expected = predicate(record);
        if (expected) hits++;
        if (rule.match(record) === expected) agree++;
        else
          failures.push(
            `cross-check: ${file} disagrees with the hand evaluation on ${t.name} ${String(record.eventID)} (hand: ${expected})`,
          );
      }
    console.log(`  ${file}: ${agree}/${totalRecords} records agree (${hits} hits)`);
  }

  // 4. Retired aggregation syntax: every legacy file is rejected with a pointer to correlations.
  console.log('\nUnsupported legacy rules:');
  const legacy = loadRules([legacyDir]);
  const legacyFiles = new Set(legacy.diagnostics.map((d) => d.file));
  for (const file of [...legacyFiles].sort()) {
    const rejection = legacy.diagnostics.find(
      (d) => d.file === file && d.severity === 'error' && /correlation rule/.test(d.message),
    );
    if (!rejection) failures.push(`legacy rule ${file} not rejected with a pointer to correlation rules`);
    else console.log(`  rejected: ${formatDiagnostic(rejection).slice(0, 160)}`);
  }
  if (legacy.rules.length > 0)
    failures.push(`legacy rules loaded as valid: ${legacy.rules.map((r) => r.meta.file).join(', ')}`);
  const legacyCount = readdirSync(join(legacyDir, 'cloud')).filter((f) => f.endsWith('.yml')).length;
  if (legacyFiles.size < legacyCount)
    failures.push(`only ${legacyFiles.size} of ${legacyCount} legacy files were rejected`);

  // 5. Coverage by our shipped rules (informational).
  if (existsSync('rules/sigma')) {
    const ours = loadRules(['rules']);
    for (const d of ours.diagnostics.filter((p) => p.severity === 'error'))
      failures.push(`shipped rule invalid: ${formatDiagnostic(d)}`);
    const covered = await shippedCoverage(ours, techniques);
    const detected = [...covered].filter(([, titles]) => titles.size > 0);
    const missing = [...covered].filter(([, titles]) => titles.size === 0).map(([name]) => name);
    console.log(
      `\nShipped rules (rules/, alerts as production sends them): ${ours.rules.length} rules detect ${detected.length} of ${techniques.length} techniques`,
    );
    for (const [name, titles] of detected) console.log(`  detected  ${name}: ${[...titles].join('; ')}`);
    for (const name of missing) console.log(`  no detection  ${name}`);
  }
  return report(failures);
}

function report(failures: string[]): number {
  if (failures.length === 0) {
    console.log('\nconformance: OK');
    return 0;
  }
  console.log(`\nconformance: ${failures.length} failure(s)`);
  for (const f of failures) console.log(`  FAIL ${f}`);
  return 1;
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(error);
    process.exitCode = 2;
  },
);
