/** The import-cycle check run by `npm run lint`: finds cycles, type-only imports included, and passes the tree. */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  cycles,
  importGraph,
  INDEX_RULE_FOLDERS,
  indexViolations,
  sourceFiles,
} from '../../scripts/check-cycles';

function tree(files: Record<string, string>): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'cycles-'));
  return Object.entries(files).map(([name, text]) => {
    const path = join(dir, name);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text);
    return path;
  });
}

describe('check-cycles', () => {
  it('reports a cycle closed by a type-only import, with every file in it, and nothing else', () => {
    const files = tree({
      'a.ts': "import { b } from './b';\nexport const a = b;\n",
      'b.ts': "import type { C } from './sub/c';\nexport const b = 1 as C;\n",
      'sub/c.ts': "import type { a } from '../a';\nexport type C = typeof a;\n",
      'd.ts':
        "import { a } from './a';\nimport { readFileSync } from 'node:fs';\nexport const d = [a, readFileSync];\n",
    });
    const found = cycles(importGraph(files));
    expect(found).toHaveLength(1);
    expect(found[0].map((f) => f.replace(/^.*cycles-[^/]+\//, ''))).toEqual(['a.ts', 'b.ts', 'sub/c.ts']);
  });

  it('follows folder index files and ignores packages', () => {
    const files = tree({
      'x/index.ts': "export { y } from '../y';\n",
      'y.ts': "import { x } from './x';\nexport const y = 1;\nexport const z = x;\n",
      'w.ts': "import 'yaml';\nexport const w = 1;\n",
    });
    expect(cycles(importGraph(files))).toHaveLength(1);
  });
});

describe('the index rule', () => {
  function fixture(files: Record<string, string>): { root: string; paths: string[] } {
    const paths = tree(files);
    return { root: paths[0].replace(/\/src\/.*$/, ''), paths };
  }

  it('names each import that bypasses an index, the file and line, and the index to use', () => {
    const { root, paths } = fixture({
      'src/a/index.ts': "export { x } from './x';\n",
      'src/a/x.ts': 'export const x = 1;\n',
      'src/a/y.ts': "import { x } from './index';\nexport const y = x;\n",
      'src/a/sub/s.ts': "import { x } from '../x';\nexport const s = x;\n",
      'src/b/z.ts':
        "import { y } from '../a/y';\nimport type { x } from '../a/x';\nexport const z: typeof x = y;\n",
      'src/b/w.ts':
        "import { x } from '../a';\nexport const lazy = () => import('../a/y');\nexport const w = x;\n",
      'src/b/u.ts': "import { v } from '../c/v';\nexport const u = v;\n",
      'src/c/v.ts': 'export const v = 1;\n',
      'bin/t.ts':
        "import { x } from '../src/a/x';\nimport { m } from '../other/k/m';\nimport { n } from '../other/n';\nexport const t = [x, m, n];\n",
      'other/k/index.ts': "export { m } from './m';\n",
      'other/k/m.ts': 'export const m = 1;\n',
      'other/n.ts': 'export const n = 1;\n',
    });
    const found = indexViolations(paths, join(root, 'src'), root);
    expect(found).toEqual([
      "src/a/y.ts:1 imports './index': its own folder's index; import the module beside it (an index import is a cycle)",
      "src/a/sub/s.ts:1 imports '../x': import it through src/a/index.ts ('../index'), re-exporting it there if it is missing",
      "src/b/z.ts:1 imports '../a/y': import it through src/a/index.ts ('../a'), re-exporting it there if it is missing",
      "src/b/z.ts:2 imports '../a/x': import it through src/a/index.ts ('../a'), re-exporting it there if it is missing",
      "src/b/u.ts:1 imports '../c/v': src/c/ has no index.ts; add one that re-exports what is imported",
      "bin/t.ts:1 imports '../src/a/x': import it through src/a/index.ts ('../src/a'), re-exporting it there if it is missing",
      "bin/t.ts:2 imports '../other/k/m': import it through other/k/index.ts ('../other/k'), re-exporting it there if it is missing",
    ]);
  });

  it('passes the repository', () => {
    const root = join(__dirname, '..', '..');
    const files = INDEX_RULE_FOLDERS.flatMap((d) => sourceFiles(join(root, d)));
    expect(files.length).toBeGreaterThan(200);
    expect(indexViolations(files, join(root, 'src'), root)).toEqual([]);
  });
});
