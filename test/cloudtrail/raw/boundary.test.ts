/**
 * The raw path's boundary: code outside src/cloudtrail/raw/ imports it only through its
 * index (RecordSource and the RecordView/RecordHeader types), so the key-table layout, header
 * slots, value caches and WebAssembly memory stay private to the folder. Its own tests, here,
 * read the internals; wasm/scan-record.ts is the folder's WebAssembly half and shares its layout.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const RAW = join(ROOT, 'src', 'cloudtrail', 'raw');
const ALLOWED = new Set([join('wasm', 'scan-record.ts')]);

function tsFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') tsFiles(path, out);
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** The relative module specifiers a file imports or re-exports (static and dynamic). */
function specifiers(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"](\.[^'"]+)['"]/g))
    found.push(m[1]);
  return found;
}

/** The imports in `sources` that reach into the raw folder other than through its index. */
function reachesInside(sources: { file: string; text: string }[]): string[] {
  const bad: string[] = [];
  for (const { file, text } of sources) {
    if (file.startsWith(RAW + '/') || ALLOWED.has(relative(ROOT, file))) continue;
    for (const spec of specifiers(text)) {
      const target = resolve(dirname(file), spec).replace(/\.ts$/, '');
      if (target.startsWith(RAW + '/') && target !== join(RAW, 'index'))
        bad.push(`${relative(ROOT, file)} imports ${spec}`);
    }
  }
  return bad;
}

describe('the raw path is used only through its index', () => {
  it('no source file outside the folder imports one of its modules', () => {
    const files = ['src', 'bin', 'scripts', 'stacks', 'wasm'].flatMap((d) => tsFiles(join(ROOT, d)));
    expect(files.length).toBeGreaterThan(100);
    expect(reachesInside(files.map((file) => ({ file, text: readFileSync(file, 'utf8') })))).toEqual([]);
  });

  it('names an import of a private module, and lets the index and the folder itself through', () => {
    const analyzer = join(ROOT, 'src', 'runtime', 'analyze.ts');
    const text = [
      "import { findKey } from '../cloudtrail/raw/key-table';",
      "import { RecordSource } from '../cloudtrail/raw';",
      "import type { RecordView } from '../cloudtrail/raw/index';",
      "const layout = await import('../cloudtrail/raw/layout');",
    ].join('\n');
    expect(reachesInside([{ file: analyzer, text }])).toEqual([
      'src/runtime/analyze.ts imports ../cloudtrail/raw/key-table',
      'src/runtime/analyze.ts imports ../cloudtrail/raw/layout',
    ]);
    expect(
      reachesInside([{ file: join(RAW, 'source.ts'), text: "import { x } from './key-table';" }]),
    ).toEqual([]);
  });
});
