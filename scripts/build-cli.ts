/**
 * Builds the command line into dist/cli/ (not committed): bin/cli/main.ts bundled by esbuild as
 * ES modules split into chunks, so that each command loads only its own code (`--help` loads
 * commander and the command definitions, `scan` of local files never loads the AWS SDK).
 * bin/trailalerts.js runs dist/cli/main.mjs. Runs as the package's `prepare` (npm ci, npm pack)
 * and as `npm run build`; `--if-stale` skips the build when the sources have not changed (the
 * jest global setup uses it).
 *
 *   npm run build                                # builds, and removes the chunks of earlier builds
 *   npx tsx scripts/build-cli.ts --if-stale      # only when bin/, src/ or package*.json changed
 */
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { barrelImportsPlugin } from './barrel-imports';

const ROOT = join(__dirname, '..');
export const CLI_DIST = join(ROOT, 'dist', 'cli');
export const CLI_ENTRY = join(CLI_DIST, 'main.mjs');
const BUILD_ID_FILE = join(CLI_DIST, 'build-id');
/** Packages the bundle would load from node_modules instead of carrying them: none. */
const EXTERNAL: string[] = [];
/** With --if-stale, chunks of earlier builds stay this long, for processes that started before the rebuild. */
const STALE_CHUNK_MS = 10 * 60 * 1000;

function sourceFiles(dir: string, out: string[]): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) sourceFiles(path, out);
    else if (entry.name.endsWith('.ts')) out.push(path);
  }
  return out;
}

/** A hash of everything the bundle is built from: it names the build (and keys the rule cache). */
export function sourceBuildId(): string {
  const hash = createHash('sha256');
  const files = [
    ...sourceFiles(join(ROOT, 'bin'), []),
    ...sourceFiles(join(ROOT, 'src'), []),
    join(ROOT, 'package.json'),
    join(ROOT, 'package-lock.json'),
    __filename,
    join(__dirname, 'barrel-imports.ts'),
  ].sort();
  for (const file of files) {
    if (!existsSync(file)) continue;
    hash.update(relative(ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

function writeAtomically(path: string, contents: Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, contents);
  renameSync(tmp, path);
}

export interface BuildCliResult {
  built: boolean;
  buildId: string;
  files: number;
  bytes: number;
  ms: number;
}

/**
 * `ifStale`: build only when the sources changed, and leave the chunks of earlier builds for a
 * while (tests may be running the CLI); otherwise they are removed (npm pack ships dist/cli/).
 */
export async function buildCli(options: { ifStale?: boolean } = {}): Promise<BuildCliResult> {
  const started = Date.now();
  const buildId = sourceBuildId();
  if (
    options.ifStale &&
    existsSync(CLI_ENTRY) &&
    existsSync(BUILD_ID_FILE) &&
    readFileSync(BUILD_ID_FILE, 'utf8').trim() === buildId
  )
    return { built: false, buildId, files: 0, bytes: 0, ms: Date.now() - started };
  const { build } = await import('esbuild');
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: { main: join(ROOT, 'bin', 'cli', 'main.ts') },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    splitting: true,
    outdir: CLI_DIST,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    external: EXTERNAL,
    // Imports of a folder's index.ts bundled as imports of the modules behind it (scripts/barrel-imports.ts).
    plugins: [barrelImportsPlugin(ROOT)],
    // Bundled CommonJS packages call require(): give ES modules one.
    banner: {
      js: "import { createRequire as __cliCreateRequire } from 'node:module'; const require = __cliCreateRequire(import.meta.url);",
    },
    define: { 'process.env.TRAILALERTS_BUILD_ID': JSON.stringify(buildId) },
    legalComments: 'none',
    write: false,
    logLevel: 'error',
  });
  // A process that started before this build may still load its chunks: chunk names carry their
  // content hash, so new chunks are written beside the old ones and the entry is swapped last.
  const written = new Set<string>();
  let bytes = 0;
  let entry: Uint8Array | undefined;
  for (const file of result.outputFiles) {
    bytes += file.contents.length;
    written.add(file.path);
    if (file.path === CLI_ENTRY) entry = file.contents;
    else if (!existsSync(file.path) || statSync(file.path).size !== file.contents.length)
      writeAtomically(file.path, file.contents);
  }
  if (!entry) throw new Error(`esbuild wrote no ${relative(ROOT, CLI_ENTRY)}`);
  writeAtomically(CLI_ENTRY, entry);
  writeAtomically(BUILD_ID_FILE, Buffer.from(`${buildId}\n`));
  const chunks = join(CLI_DIST, 'chunks');
  for (const name of existsSync(chunks) ? readdirSync(chunks) : []) {
    const path = join(chunks, name);
    if (!written.has(path) && (!options.ifStale || Date.now() - statSync(path).mtimeMs > STALE_CHUNK_MS))
      rmSync(path, { force: true });
  }
  return { built: true, buildId, files: result.outputFiles.length, bytes, ms: Date.now() - started };
}

if (require.main === module) {
  buildCli({ ifStale: process.argv.includes('--if-stale') })
    .then((r) => {
      if (r.built)
        console.log(
          `built ${relative(ROOT, CLI_ENTRY)} and ${r.files - 1} chunks (${(r.bytes / 1024 / 1024).toFixed(1)} MB) in ${r.ms} ms`,
        );
    })
    .catch((err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exitCode = 1;
    });
}
