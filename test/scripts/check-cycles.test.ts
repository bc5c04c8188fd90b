/** The import-cycle check run by `npm run lint`: finds cycles, type-only imports included, and passes the tree. */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cycles, importGraph } from '../../scripts/check-cycles';

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
