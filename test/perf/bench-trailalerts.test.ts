/**
 * The TrailAlerts comparison's plumbing (scripts/bench-trailalerts.ts and .py): parsing and
 * checking the harness output, ratio formatting, option parsing, the errors when Python or the
 * analyzer directory is missing, and the harness itself driven against a tiny analyzer written
 * here with TrailAlerts' module and function names (not their code). No timing is asserted.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  QUOTED_TRAILALERTS_MB_PER_SECOND,
  compareWithTrailAlerts,
  formatRatio,
  parseHarnessOutput,
  runHarness,
  trailAlertsDirFrom,
  trailAlertsDisabledLine,
} from '../../scripts/bench-trailalerts';

const figures = {
  compressedBytes: 10,
  bytes: 2097152,
  records: 1000,
  matches: 7,
  badRecords: 1,
  seconds: 0.5,
  parseSeconds: 0.1,
};
const log = {
  counts: { WARNING: 3 },
  examples: ['WARNING: No detection criteria found in trailalerts rule'],
};
function validReport(): Record<string, unknown> {
  return {
    harness: 'scripts/bench-trailalerts.py',
    analyzer: {
      dir: '/x/cloudtrail_analyzer',
      sha256: { 'lambda_function.py': 'abc', 'sigma_matcher.py': 'def' },
    },
    python: '3.11.7',
    repeat: 3,
    rules: {
      loaded: 185,
      objectsListed: 300,
      objectsRead: 190,
      listTruncated: false,
      indexed: true,
      indexKeys: 280,
      wildcardRules: 17,
      withoutDetection: 0,
      dirs: ['rules/sigma'],
      log: {
        counts: { INFO: 190, ERROR: 1 },
        examples: ['ERROR: Error loading Sigma rule file sigma_rules/a.yml: boom'],
      },
    },
    files: [
      { file: 'a.json.gz', ...figures },
      {
        file: 'b.json',
        ...figures,
        records: 0,
        matches: 0,
        error: 'b.json: line 2 column 1: not valid JSON',
      },
    ],
    total: { ...figures, files: 2, failedFiles: 1 },
    log,
  };
}

describe('parseHarnessOutput', () => {
  it('reads a report with per-file figures and errors', () => {
    const r = parseHarnessOutput(JSON.stringify(validReport()));
    expect(r.python).toBe('3.11.7');
    expect(r.rules).toMatchObject({ loaded: 185, indexed: true, indexKeys: 280, wildcardRules: 17 });
    expect(r.rules.log.counts).toEqual({ INFO: 190, ERROR: 1 });
    expect(r.files).toHaveLength(2);
    expect(r.files[0]).toEqual({ file: 'a.json.gz', ...figures });
    expect(r.files[1].error).toBe('b.json: line 2 column 1: not valid JSON');
    expect(r.total.failedFiles).toBe(1);
    expect(r.log.examples[0]).toContain('No detection criteria');
  });

  it('names the path and what was expected when a figure is wrong', () => {
    const doc = validReport();
    (doc.files as Record<string, unknown>[])[1].seconds = 'fast';
    expect(() => parseHarnessOutput(JSON.stringify(doc))).toThrow(
      'bench-trailalerts.py output: files[1].seconds: expected a non-negative number, found "fast"',
    );
    const negative = validReport();
    (negative.total as Record<string, unknown>).records = -1;
    expect(() => parseHarnessOutput(JSON.stringify(negative))).toThrow(
      'total.records: expected a non-negative number',
    );
    const noRules = validReport();
    delete noRules.rules;
    expect(() => parseHarnessOutput(JSON.stringify(noRules))).toThrow(
      'rules: expected an object, found nothing',
    );
    const filesNotArray = validReport();
    filesNotArray.files = {};
    expect(() => parseHarnessOutput(JSON.stringify(filesNotArray))).toThrow('files: expected an array');
    const badFlag = validReport();
    (badFlag.rules as Record<string, unknown>).indexed = 'yes';
    expect(() => parseHarnessOutput(JSON.stringify(badFlag))).toThrow(
      'rules.indexed: expected true or false',
    );
  });

  it('says what it got when the output is not JSON', () => {
    expect(() => parseHarnessOutput('Traceback (most recent call last):\n  File "x"')).toThrow(
      /not valid JSON .*expected one JSON document, got "Traceback/,
    );
    expect(() => parseHarnessOutput('')).toThrow(/got no output/);
  });
});

describe('formatRatio', () => {
  it('prints ours/theirs with precision by magnitude', () => {
    expect(formatRatio(60, 5)).toBe('12×');
    expect(formatRatio(17, 5)).toBe('3.4×');
    expect(formatRatio(5, 5)).toBe('1.0×');
    expect(formatRatio(4.25, 5)).toBe('0.85×');
  });

  it('prints n/a without two positive finite figures', () => {
    expect(formatRatio(10, 0)).toBe('n/a');
    expect(formatRatio(0, 10)).toBe('n/a');
    expect(formatRatio(NaN, 10)).toBe('n/a');
    expect(formatRatio(10, Infinity)).toBe('n/a');
  });
});

describe('--trailalerts option', () => {
  it('takes the flag, the = form, then TRAILALERTS_DIR', () => {
    expect(trailAlertsDirFrom(['--sizes', '1', '--trailalerts', '/ta'], {})).toBe('/ta');
    expect(trailAlertsDirFrom(['--trailalerts=/tb'], { TRAILALERTS_DIR: '/env' })).toBe('/tb');
    expect(trailAlertsDirFrom(['--smoke'], { TRAILALERTS_DIR: '/env' })).toBe('/env');
    expect(trailAlertsDirFrom(['--smoke'], {})).toBeUndefined();
    expect(() => trailAlertsDirFrom(['--trailalerts'], {})).toThrow('--trailalerts expects a directory');
    expect(() => trailAlertsDirFrom(['--trailalerts', '--smoke'], {})).toThrow(
      '--trailalerts expects a directory',
    );
  });

  it('says how to enable the comparison and labels the issue figure as quoted', () => {
    const line = trailAlertsDisabledLine();
    expect(line).toContain('--trailalerts <dir>');
    expect(line).toContain('TRAILALERTS_DIR');
    expect(line).toContain(`about ${QUOTED_TRAILALERTS_MB_PER_SECOND} MB/s`);
    expect(line).toContain('quoted, not measured');
  });
});

const pythonPresent = spawnSync('python3', ['--version']).status === 0;

describe('running the harness', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = mkdtempSync(join(os.tmpdir(), 'bench-trailalerts-'));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('fails clearly when the interpreter is missing', async () => {
    await expect(
      runHarness({
        dir: tmp,
        rulesDirs: [tmp],
        files: [join(tmp, 'x.json')],
        python: join(tmp, 'no-such-python3'),
      }),
    ).rejects.toThrow(/no-such-python3 not found; their analyzer is Python: install Python 3 with PyYAML/);
  });

  it('fails clearly when the analyzer directory is missing', async () => {
    await expect(runHarness({ dir: tmp, rulesDirs: [tmp], files: [] })).rejects.toThrow(
      'expected at least one log file to measure',
    );
    await expect(
      runHarness({ dir: tmp, rulesDirs: [join(tmp, 'no-rules')], files: ['x.json'] }),
    ).rejects.toThrow(/rules directory .*no-rules: no such directory/);
    await expect(
      runHarness({ dir: join(tmp, 'nowhere'), rulesDirs: [tmp], files: ['x.json'] }),
    ).rejects.toThrow(/nowhere: no such directory; expected TrailAlerts' lambda_code\/cloudtrail_analyzer/);
    await expect(
      compareWithTrailAlerts({ dir: join(tmp, 'nowhere'), rulesDir: tmp, objects: [] }),
    ).rejects.toThrow(/no such directory/);
  });

  // The next two need python3 (present on Debian and in the Node images CI uses). Without it
  // they check the missing-interpreter error instead, so they never pass vacuously.
  it('fails clearly when the directory lacks their modules or functions', async () => {
    const empty = join(tmp, 'empty');
    mkdirSync(empty);
    const run = runHarness({ dir: empty, rulesDirs: [tmp], files: [join(tmp, 'x.json')] });
    if (!pythonPresent) return expect(run).rejects.toThrow(/python3 not found/);
    await expect(run).rejects.toThrow(
      /exited with 2: .*expected TrailAlerts' analyzer modules lambda_function\.py and sigma_matcher\.py/,
    );
    const noFunction = join(tmp, 'no-function');
    mkdirSync(noFunction);
    writeFileSync(
      join(noFunction, 'sigma_matcher.py'),
      'def something_else(record, rule):\n    return False\n',
    );
    writeFileSync(join(noFunction, 'lambda_function.py'), 'def load_sigma_rules(bucket):\n    return []\n');
    await expect(
      runHarness({ dir: noFunction, rulesDirs: [tmp], files: [join(tmp, 'x.json')] }),
    ).rejects.toThrow(/sigma_matcher\.py: expected a function matches_sigma_rule\(\)/);
  });

  it('loads rules through their loader from the rules directory and counts records, matches and bad input', async () => {
    // A stand-in analyzer with TrailAlerts' module and function names: rules are JSON here
    // ({"eventName": …}) so the test needs no PyYAML; it lists and reads them through the S3
    // client the harness substitutes, like their Lambda.
    const analyzer = join(tmp, 'analyzer');
    mkdirSync(analyzer);
    writeFileSync(
      join(analyzer, 'lambda_function.py'),
      [
        'import json, os',
        'import boto3',
        's3_client = boto3.client("s3")',
        'BUCKET = os.environ["TRAILALERTS_BUCKET"]',
        'def load_sigma_rules(bucket):',
        '    listed = s3_client.list_objects_v2(Bucket=bucket, Prefix="sigma_rules/")["Contents"]',
        '    return [json.loads(s3_client.get_object(Bucket=bucket, Key=o["Key"])["Body"].read())',
        '            for o in listed if o["Key"].endswith(".json")]',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(analyzer, 'sigma_matcher.py'),
      [
        'def matches_sigma_rule(record, rule):',
        '    if record.get("eventName") == "Explode":',
        '        raise ValueError("hostile record")',
        '    return record.get("eventName") == rule["eventName"]',
        '',
      ].join('\n'),
    );
    const rules = join(tmp, 'rules');
    mkdirSync(join(rules, 'nested'), { recursive: true });
    writeFileSync(join(rules, 'stop.json'), JSON.stringify({ eventName: 'StopLogging' }));
    writeFileSync(join(rules, 'nested', 'delete.json'), JSON.stringify({ eventName: 'DeleteTrail' }));
    writeFileSync(join(rules, 'README.md'), 'not a rule');
    const ev = (eventName: string) => ({ eventName, eventSource: 'cloudtrail.amazonaws.com' });
    const gz = join(tmp, 'object.json.gz');
    writeFileSync(
      gz,
      gzipSync(
        JSON.stringify({
          Records: [ev('StopLogging'), ev('DeleteTrail'), ev('Explode'), 42, ev('ListBuckets')],
        }),
      ),
    );
    const array = join(tmp, 'technique.json');
    writeFileSync(array, JSON.stringify([ev('StopLogging')]));
    const broken = join(tmp, 'broken.json');
    writeFileSync(broken, '{"Records": [\n{"eventName": }');

    const run = runHarness({ dir: analyzer, rulesDirs: [rules], files: [gz, array, broken], repeat: 2 });
    if (!pythonPresent) return expect(run).rejects.toThrow(/python3 not found/);
    const report = await run;
    expect(report.rules).toMatchObject({ loaded: 2, objectsListed: 3, indexed: false, wildcardRules: 2 });
    expect(report.repeat).toBe(2);
    const [object, technique, bad] = report.files;
    expect(object).toMatchObject({ records: 5, matches: 2, badRecords: 2 });
    expect(object.bytes).toBeGreaterThan(object.compressedBytes);
    expect(object.seconds).toBeGreaterThan(0);
    expect(technique).toMatchObject({ records: 1, matches: 1, badRecords: 0 });
    expect(bad.error).toBe(`${broken}: line 2 column 15: not valid JSON (Expecting value)`);
    expect(report.total).toMatchObject({ records: 6, matches: 3, badRecords: 2, files: 3, failedFiles: 1 });
  });
});
