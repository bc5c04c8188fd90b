/**
 * No source file over 600 lines outside scripts/ (CONTRIBUTING.md): a file that grows past it
 * holds more than one concern and is split by concern, not by line count.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const SOURCE_FOLDERS = ['src', 'bin', 'stacks', 'wasm'];
const MAX_LINES = 600;
// Generated from wasm/scan-record.ts by scripts/build-wasm.ts: one long base64 line, not written by hand.
const GENERATED = new Set(['src/cloudtrail/raw/scan-record-wasm.ts']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.(ts|js|mjs)$/.test(entry.name) ? [full] : [];
  });
}

describe('source files', () => {
  it(`are at most ${MAX_LINES} lines each`, () => {
    const files = SOURCE_FOLDERS.flatMap((folder) => sourceFiles(path.join(ROOT, folder)));
    expect(files.length).toBeGreaterThan(100);
    const long = files
      .map((file) => ({
        file: path.relative(ROOT, file),
        lines: readFileSync(file, 'utf8').split('\n').length,
      }))
      .filter(({ file, lines }) => lines > MAX_LINES && !GENERATED.has(file))
      .map(({ file, lines }) => `${file}: ${lines} lines`);
    expect(long).toEqual([]);
  });
});
