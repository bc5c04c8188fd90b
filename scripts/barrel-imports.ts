/**
 * An esbuild plugin for the CLI bundle: a named import of a src/ folder's index.ts is bundled as
 * imports of the modules that define the names. The source keeps importing through the index (the
 * dependency rule); the bundle keeps the chunks it had with deep imports. Without it, esbuild's
 * code splitting puts every module an index re-exports in the chunk of whoever imports the index
 * once that module is live anywhere (a lazily loaded command's code, the AWS SDK), even with
 * package.json "sideEffects". The Lambda bundles do not split, so "sideEffects" is enough there.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import type { Plugin } from 'esbuild';
import ts from 'typescript';
import { resolveImport } from './check-cycles';

interface Origin {
  file: string;
  name: string;
}

function parse(file: string): ts.SourceFile {
  return ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
}

const isExported = (node: ts.Node): boolean =>
  ts.canHaveModifiers(node) &&
  (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);

/** Maps each name a src/ index.ts re-exports to the module and name that define it. */
export class BarrelMap {
  private readonly indexes = new Map<string, Map<string, Origin>>();
  private readonly names = new Map<string, Set<string>>();

  constructor(private readonly srcRoot: string) {}

  isIndex(file: string): boolean {
    return file.startsWith(this.srcRoot + sep) && file.endsWith(`${sep}index.ts`);
  }

  /** Where `name`, exported by `file`, is defined: followed through indexes, else `file` itself. */
  origin(file: string, name: string): Origin {
    return (this.isIndex(file) ? this.index(file).get(name) : undefined) ?? { file, name };
  }

  index(file: string): Map<string, Origin> {
    let map = this.indexes.get(file);
    if (map) return map;
    map = new Map();
    this.indexes.set(file, map);
    for (const st of parse(file).statements) {
      if (!ts.isExportDeclaration(st) || !st.moduleSpecifier || !ts.isStringLiteral(st.moduleSpecifier))
        continue;
      const target = resolveImport(file, st.moduleSpecifier.text);
      if (!target) continue;
      if (!st.exportClause) {
        for (const name of this.exportedNames(target))
          if (!map.has(name)) map.set(name, this.origin(target, name));
      } else if (ts.isNamedExports(st.exportClause)) {
        for (const e of st.exportClause.elements)
          map.set(e.name.text, this.origin(target, (e.propertyName ?? e.name).text));
      }
    }
    return map;
  }

  /** The names a module exports (declarations, export lists, and `export *`, followed). */
  private exportedNames(file: string): Set<string> {
    let names = this.names.get(file);
    if (names) return names;
    names = new Set();
    this.names.set(file, names);
    for (const st of parse(file).statements) {
      if (ts.isExportDeclaration(st)) {
        if (st.exportClause && ts.isNamedExports(st.exportClause))
          for (const e of st.exportClause.elements) names.add(e.name.text);
        else if (!st.exportClause && st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier)) {
          const target = resolveImport(file, st.moduleSpecifier.text);
          if (target) for (const n of this.exportedNames(target)) names.add(n);
        }
      } else if (isExported(st)) {
        if (ts.isVariableStatement(st)) {
          for (const d of st.declarationList.declarations)
            if (ts.isIdentifier(d.name)) names.add(d.name.text);
        } else if ('name' in st && st.name && ts.isIdentifier(st.name as ts.Node)) {
          names.add((st.name as ts.Identifier).text);
        }
      }
    }
    return names;
  }
}

/** `file`'s text with its named imports of src/ indexes split into imports of the defining modules. */
export function rewriteBarrelImports(file: string, text: string, barrels: BarrelMap): string {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const edits: { start: number; end: number; text: string }[] = [];
  for (const st of sf.statements) {
    if (!ts.isImportDeclaration(st) || !ts.isStringLiteral(st.moduleSpecifier)) continue;
    const specifier = st.moduleSpecifier.text;
    const clause = st.importClause;
    if (!specifier.startsWith('.') || !clause || clause.isTypeOnly || clause.name) continue;
    if (!clause.namedBindings || !ts.isNamedImports(clause.namedBindings)) continue;
    const target = resolveImport(file, specifier);
    if (!target || !barrels.isIndex(target) || dirname(target) === dirname(file)) continue;
    const byModule = new Map<string, string[]>();
    for (const e of clause.namedBindings.elements) {
      const imported = (e.propertyName ?? e.name).text;
      const origin = barrels.origin(target, imported);
      const binding = `${e.isTypeOnly ? 'type ' : ''}${origin.name === e.name.text ? e.name.text : `${origin.name} as ${e.name.text}`}`;
      // A name the index defines itself (or that it does not re-export) stays imported from it.
      let spec = relative(dirname(file), origin.file).replace(/\.ts$/, '').split(sep).join('/');
      if (origin.file === target) spec = specifier;
      else if (!spec.startsWith('.')) spec = `./${spec}`;
      byModule.set(spec, [...(byModule.get(spec) ?? []), binding]);
    }
    if (byModule.size === 1 && byModule.has(specifier)) continue;
    const replacement = [...byModule].map(
      ([spec, names]) => `import { ${names.join(', ')} } from '${spec}';`,
    );
    edits.push({ start: st.getStart(sf), end: st.getEnd(), text: replacement.join(' ') });
  }
  let out = text;
  for (const e of edits.sort((a, b) => b.start - a.start))
    out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

export function barrelImportsPlugin(root: string): Plugin {
  const barrels = new BarrelMap(join(root, 'src'));
  const roots = [join(root, 'src') + sep, join(root, 'bin') + sep];
  return {
    name: 'barrel-imports',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, (args) => {
        if (!roots.some((r) => args.path.startsWith(r))) return undefined;
        const text = readFileSync(args.path, 'utf8');
        return {
          contents: rewriteBarrelImports(args.path, text, barrels),
          loader: 'ts',
          resolveDir: dirname(args.path),
        };
      });
    },
  };
}
