/**
 * Every relative link in the repository's Markdown leads to a file of the repository (never
 * outside it: a user's clone has nothing beside it) and, with a #fragment, to a heading there.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const SKIPPED = new Set(['node_modules', 'dist', 'cdk.out', 'out', '.git']);

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (SKIPPED.has(entry.name)) return [];
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return markdownFiles(full);
    return entry.name.endsWith('.md') ? [full] : [];
  });
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const text = heading[1].replace(/`/g, '').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/** Inline links and images outside code: [text](target) and ![alt](target). */
function links(markdown: string): { target: string; line: number }[] {
  const found: { target: string; line: number }[] = [];
  let fenced = false;
  markdown.split('\n').forEach((text, i) => {
    if (/^\s*(```|~~~)/.test(text)) fenced = !fenced;
    if (fenced) return;
    const outsideCode = text.replace(/`[^`]*`/g, '');
    for (const m of outsideCode.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      found.push({ target: m[1], line: i + 1 });
    }
  });
  return found;
}

function brokenLinks(file: string): string[] {
  const problems: string[] = [];
  const where = (line: number) => `${path.relative(ROOT, file)}:${line}`;
  for (const { target, line } of links(readFileSync(file, 'utf8'))) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: …
    const [pathPart, fragment] = target.split('#', 2);
    const resolved = pathPart ? path.resolve(path.dirname(file), decodeURIComponent(pathPart)) : file;
    if (resolved !== ROOT && !resolved.startsWith(ROOT + path.sep)) {
      problems.push(`${where(line)}: ${target} leaves the repository`);
      continue;
    }
    if (!existsSync(resolved)) {
      problems.push(`${where(line)}: ${target} leads nowhere`);
      continue;
    }
    if (fragment && resolved.endsWith('.md') && statSync(resolved).isFile()) {
      if (!headingAnchors(readFileSync(resolved, 'utf8')).has(fragment)) {
        problems.push(`${where(line)}: ${target} names no heading of ${path.relative(ROOT, resolved)}`);
      }
    }
  }
  return problems;
}

describe('links in the Markdown files', () => {
  it('finds the documents', () => {
    const files = markdownFiles(ROOT).map((f) => path.relative(ROOT, f));
    expect(files).toEqual(expect.arrayContaining(['README.md', 'CONTRIBUTING.md', 'docs/architecture.md']));
  });

  it('all lead to a file, and a heading, inside the repository', () => {
    expect(markdownFiles(ROOT).flatMap(brokenLinks)).toEqual([]);
  });

  it('computes anchors as GitHub does', () => {
    const anchors = headingAnchors(
      '# Retro-hunt\n## `hunt` and hunt-results\n## Cost, per month\n# Retro-hunt\n',
    );
    expect([...anchors]).toEqual(['retro-hunt', 'hunt-and-hunt-results', 'cost-per-month', 'retro-hunt-1']);
  });
});
