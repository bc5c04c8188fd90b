/**
 * Fails when source files import each other in a cycle (part of `npm run lint`). Every import
 * counts, type-only ones too: a cycle closed by a type is still two modules that cannot be read
 * apart. Only relative imports are followed; packages cannot import back.
 *
 * Also fails on an import that bypasses a folder's index.ts (docs/architecture.md, the dependency
 * rule): in src/, bin/, stacks/ and scripts/, an import from another folder of src/ (or of any
 * folder that has an index.ts) names that folder's index; a lazy `import()` may name the module
 * it loads; no file imports its own folder's index.
 *
 *   npx tsx scripts/check-cycles.ts [folder …]   (default: src bin stacks scripts wasm)
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(__dirname, '..');
const DEFAULT_FOLDERS = ['src', 'bin', 'stacks', 'scripts', 'wasm'];
/** The folders whose imports go through index files (wasm/ shares the raw path's private layout). */
export const INDEX_RULE_FOLDERS = ['src', 'bin', 'stacks', 'scripts'];

export function sourceFiles(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== 'node_modules' && !name.startsWith('.')) sourceFiles(path, out);
    } else if (/\.tsx?$/.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** The file a relative specifier names, as TypeScript would find it; undefined for packages. */
export function resolveImport(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = resolve(dirname(from), specifier);
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, join(base, 'index.ts')])
    if (existsSync(candidate) && statSync(candidate).isFile() && /\.tsx?$/.test(candidate)) return candidate;
  return undefined;
}

export function importGraph(files: string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = info.importedFiles
      .map((f) => resolveImport(file, f.fileName))
      .filter((t): t is string => t !== undefined);
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

interface ImportSite {
  specifier: string;
  line: number;
  /** A lazy `import()`: it may name the module it loads, so that its chunk holds that module only. */
  lazy: boolean;
}

function importSites(file: string): ImportSite[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const sites: ImportSite[] = [];
  const add = (literal: ts.StringLiteral, lazy: boolean) =>
    sites.push({
      specifier: literal.text,
      line: source.getLineAndCharacterOfPosition(literal.getStart(source)).line + 1,
      lazy,
    });
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    )
      add(node.moduleSpecifier, false);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      if (ts.isStringLiteral(node.moduleReference.expression)) add(node.moduleReference.expression, false);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      if (ts.isStringLiteral(node.argument.literal)) add(node.argument.literal, false);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments.length > 0 &&
      ts.isStringLiteral(node.arguments[0])
    )
      add(node.arguments[0], true);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return sites;
}

/**
 * The imports that bypass a folder's index.ts, one message each. `srcRoot`: the folder whose
 * subfolders must each be imported through an index.ts (a folder elsewhere, only if it has one).
 */
export function indexViolations(files: string[], srcRoot: string, root = ROOT): string[] {
  const found: string[] = [];
  const show = (path: string) => relative(root, path) || '.';
  for (const file of files) {
    const folder = dirname(file);
    for (const site of importSites(file)) {
      const target = resolveImport(file, site.specifier);
      if (!target) continue;
      const targetFolder = dirname(target);
      const index = join(targetFolder, 'index.ts');
      const where = `${show(file)}:${site.line} imports '${site.specifier}'`;
      if (targetFolder === folder) {
        if (target === index && file !== index)
          found.push(
            `${where}: its own folder's index; import the module beside it (an index import is a cycle)`,
          );
        continue;
      }
      if (target === index || site.lazy) continue;
      const inSrc = target.startsWith(srcRoot + sep);
      if (!existsSync(index)) {
        if (inSrc)
          found.push(
            `${where}: ${show(targetFolder)}/ has no index.ts; add one that re-exports what is imported`,
          );
        continue;
      }
      let via = relative(folder, targetFolder).split(sep).join('/');
      if (!via.startsWith('.')) via = `./${via}`;
      if (via === '..') via = '../index';
      found.push(
        `${where}: import it through ${show(index)} ('${via}'), re-exporting it there if it is missing`,
      );
    }
  }
  return found;
}

/** Strongly connected components with more than one file (or a file importing itself). */
export function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    indexOf.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!indexOf.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indexOf.get(w)!));
    }
    if (low.get(v) === indexOf.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!indexOf.has(v)) visit(v);
  return found;
}

if (require.main === module) {
  const folders = process.argv.slice(2);
  const files = (folders.length > 0 ? folders : DEFAULT_FOLDERS).flatMap((f) => sourceFiles(join(ROOT, f)));
  const found = cycles(importGraph(files));
  for (const component of found)
    console.error(`import cycle: ${component.map((f) => relative(ROOT, f)).join(' ↔ ')}`);
  if (found.length > 0) {
    console.error(`${found.length} import cycle(s); expected none (CONTRIBUTING.md: no import cycles)`);
    process.exitCode = 1;
  } else console.log(`no import cycles among ${files.length} source files`);
  const ruled = files.filter((f) => INDEX_RULE_FOLDERS.some((d) => f.startsWith(join(ROOT, d) + sep)));
  const bypasses = indexViolations(ruled, join(ROOT, 'src'));
  for (const message of bypasses) console.error(message);
  if (bypasses.length > 0) {
    console.error(
      `${bypasses.length} import(s) bypass a folder's index.ts (docs/architecture.md: folders import each other through index.ts)`,
    );
    process.exitCode = 1;
  } else console.log(`every import from another folder goes through its index.ts (${ruled.length} files)`);
}
