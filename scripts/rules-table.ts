/**
 * Prints the coverage table of the shipped detection pack (rules/README.md) from the front matter
 * of every rule, correlation and filter under a rules directory: title, file, level, and what it
 * covers (CIS AWS Foundations controls from `cis.aws.*` tags, MITRE ATT&CK techniques from
 * `attack.tNNNN` tags, Stratus Red Team techniques from stratus-red-team.cloud references).
 *
 *   npx tsx scripts/rules-table.ts [rulesDir]                  print the table
 *   npx tsx scripts/rules-table.ts [rulesDir] --write README   replace the table between the markers
 *   npx tsx scripts/rules-table.ts [rulesDir] --check README   exit 1 when the README table is stale
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { parseAllDocuments } from 'yaml';

export const TABLE_START = '<!-- rules-table:start -->';
export const TABLE_END = '<!-- rules-table:end -->';

/** One row of the coverage table. */
export interface RuleRow {
  title: string;
  /** Path relative to the rules directory, with forward slashes. */
  file: string;
  kind: 'rule' | 'correlation' | 'filter';
  level: string;
  cis: string[];
  attack: string[];
  stratus: string[];
}

/** A document that could not be read; reported, never fatal for the other rules. */
export interface RowProblem {
  file: string;
  message: string;
}

const STRATUS_URL = /stratus-red-team\.cloud\/attack-techniques\/AWS\/(aws\.[a-z-]+\.[a-z0-9-]+)/i;

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** Extracts a row from one parsed YAML document, or undefined when it is not a Sigma document. */
export function rowFromDocument(doc: unknown, file: string): RuleRow | undefined {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return undefined;
  const d = doc as Record<string, unknown>;
  if (typeof d.title !== 'string') return undefined;
  const kind: RuleRow['kind'] = d.correlation ? 'correlation' : d.filter ? 'filter' : 'rule';
  const tags = stringList(d.tags).map((t) => t.toLowerCase());
  const cis = tags.filter((t) => t.startsWith('cis.')).map((t) => t.replace(/^cis\.(aws\.)?/, ''));
  const attack = tags
    .filter((t) => /^attack\.t\d{4}(\.\d{3})?$/.test(t))
    .map((t) => t.slice(7).toUpperCase());
  const stratus = stringList(d.references)
    .map((r) => STRATUS_URL.exec(r)?.[1])
    .filter((t): t is string => t !== undefined);
  return {
    title: d.title,
    file,
    kind,
    level: typeof d.level === 'string' ? d.level : '',
    cis,
    attack,
    stratus,
  };
}

function listYamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listYamlFiles(path));
    else if (/\.ya?ml$/i.test(entry.name)) out.push(path);
  }
  return out;
}

/** Reads every YAML file under `rulesDir` and returns its rows (sorted by file) and any problems. */
export function collectRows(rulesDir: string): { rows: RuleRow[]; problems: RowProblem[] } {
  const rows: RuleRow[] = [];
  const problems: RowProblem[] = [];
  for (const path of listYamlFiles(rulesDir).sort()) {
    const file = relative(rulesDir, path).split(sep).join('/');
    for (const doc of parseAllDocuments(readFileSync(path, 'utf8'))) {
      if (doc.errors.length > 0) {
        problems.push({ file, message: doc.errors[0].message });
        continue;
      }
      const row = rowFromDocument(doc.toJS(), file);
      if (row) rows.push(row);
    }
  }
  return { rows, problems };
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** Renders rows as a Markdown table (one line per rule). */
export function renderTable(rows: RuleRow[]): string {
  const lines = [
    '| Rule | File | Level | CIS AWS | ATT&CK | Stratus Red Team |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    const title = r.kind === 'rule' ? r.title : `${r.title} (${r.kind})`;
    lines.push(
      `| ${cell(title)} | \`${cell(r.file)}\` | ${r.level} | ${r.cis.join(', ')} | ${r.attack.join(', ')} | ` +
        `${r.stratus.join(', ')} |`,
    );
  }
  return lines.join('\n');
}

/** Returns `readme` with the text between the table markers replaced by `table`. */
export function replaceTable(readme: string, table: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) {
    throw new Error(`the README has no "${TABLE_START}" … "${TABLE_END}" markers (in that order)`);
  }
  return `${readme.slice(0, start + TABLE_START.length)}\n${table}\n${readme.slice(end)}`;
}

/** Formats Markdown the way the repository's Prettier configuration does, so `--check` agrees with lint. */
export async function formatMarkdown(text: string, filepath: string): Promise<string> {
  const prettier = await import('prettier'); // loaded lazily: Prettier 3 needs ESM loading that jest lacks
  const config = (await prettier.resolveConfig(filepath)) ?? {};
  return prettier.format(text, { ...config, filepath, parser: 'markdown' });
}

async function main(argv: string[]): Promise<number> {
  const args = [...argv];
  const modeIndex = args.findIndex((a) => a === '--write' || a === '--check');
  let mode: string | undefined;
  let readmePath: string | undefined;
  if (modeIndex >= 0) {
    mode = args[modeIndex];
    readmePath = args[modeIndex + 1];
    if (!readmePath) {
      process.stderr.write(`${mode} needs the README path, e.g. ${mode} rules/README.md\n`);
      return 2;
    }
    args.splice(modeIndex, 2);
  }
  const rulesDir = args[0] ?? 'rules';
  const { rows, problems } = collectRows(rulesDir);
  for (const p of problems) process.stderr.write(`warning: ${join(rulesDir, p.file)} => ${p.message}\n`);
  const table = renderTable(rows);
  if (!mode || !readmePath) {
    process.stdout.write(`${table}\n`);
    return 0;
  }
  const readme = readFileSync(readmePath, 'utf8');
  const updated = await formatMarkdown(replaceTable(readme, table), readmePath);
  if (mode === '--write') {
    writeFileSync(readmePath, updated);
    process.stdout.write(`${readmePath}: table of ${rows.length} documents written\n`);
    return 0;
  }
  if (updated !== readme) {
    process.stderr.write(`${readmePath}: the coverage table is stale; run scripts/rules-table.ts --write\n`);
    return 1;
  }
  process.stdout.write(`${readmePath}: table of ${rows.length} documents is up to date\n`);
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`rules-table: ${(err as Error).message}\n`);
      process.exitCode = 2;
    },
  );
}
