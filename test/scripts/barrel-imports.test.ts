/** The CLI build's barrel plugin: imports of a src/ index become imports of the modules behind the names. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BarrelMap, rewriteBarrelImports } from '../../scripts/barrel-imports';

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'barrels-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(root, name, '..'), { recursive: true });
    writeFileSync(join(root, name), text);
  }
  return root;
}

describe('rewriteBarrelImports', () => {
  const root = tree({
    'src/core/index.ts': "export { level, type Level } from './level';\n",
    'src/core/level.ts': "export type Level = 'low';\nexport const level = 1;\n",
    'src/a/index.ts': [
      "export { x as renamed, y } from './x';",
      "export * from './model';",
      "export { level } from '../core';",
      'export function local(): number {',
      '  return 1;',
      '}',
      '',
    ].join('\n'),
    'src/a/x.ts': 'export const x = 1;\nexport const y = 2;\n',
    'src/a/model.ts':
      "export interface Model {\n  id: string;\n}\nexport const MODEL = 'm';\nexport * from './more';\n",
    'src/a/more.ts': 'export class More {}\n',
  });
  const barrels = new BarrelMap(join(root, 'src'));

  it('imports each name from the module that defines it, one import per module, on the same line', () => {
    const file = join(root, 'src', 'b', 'user.ts');
    const text = [
      "import { renamed, y as why, type Model, MODEL, More, level, local } from '../a';",
      "import type { Level } from '../core';",
      "import { unknownName } from '../a';",
      'export const z = 1;',
    ].join('\n');
    expect(rewriteBarrelImports(file, text, barrels).split('\n')).toEqual([
      "import { x as renamed, y as why } from '../a/x'; import { type Model, MODEL, More } from '../a/model'; " +
        "import { level } from '../core/level'; import { local } from '../a';",
      "import type { Level } from '../core';",
      "import { unknownName } from '../a';",
      'export const z = 1;',
    ]);
  });

  it('leaves imports inside the folder, of modules, and of packages alone', () => {
    const file = join(root, 'src', 'a', 'inner.ts');
    const text =
      "import { x } from './x';\nimport { level } from '../core/level';\nimport ts from 'typescript';\n";
    expect(rewriteBarrelImports(file, text, barrels)).toBe(text);
  });
});
