/**
 * The CLI's rule cache: each rule file's parsed YAML (src/sigma/yaml-documents.ts), stored by
 * the sha256 of its text under the user's cache directory, in a folder named by the package
 * version and the build, so no entry is read by another version or build. Rules still compile on
 * every run (compiled rules are functions); the cache saves the YAML parsing, most of the rest.
 *
 * Where: $TRAILALERTS_CACHE_DIR, else $XDG_CACHE_HOME/trailalerts, else ~/.cache/trailalerts.
 * TRAILALERTS_NO_CACHE=1 turns it off. Safe to delete at any time; an entry that cannot be read or
 * does not parse is ignored and written again; a cache that cannot be written is not used.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { DocumentCache, YamlDocuments } from '../../src/sigma';

/** Folders of other versions or builds not written to for this long are removed. */
const PRUNE_AFTER_MS = 7 * 24 * 3600 * 1000;
const FORMAT = 1;

export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TRAILALERTS_CACHE_DIR) return env.TRAILALERTS_CACHE_DIR;
  const base = env.XDG_CACHE_HOME || join(os.homedir(), '.cache');
  return join(base, 'trailalerts');
}

interface Entry extends YamlDocuments {
  format: number;
  sha256: string;
}

export class RuleCache implements DocumentCache {
  readonly dir: string;
  hits = 0;
  misses = 0;
  private writable = true;
  private pruned = false;

  /** `key` names the version and build: entries of another key are never read. */
  constructor(
    private readonly root: string,
    key: string,
  ) {
    this.dir = join(root, key.replace(/[^A-Za-z0-9._-]/g, '_'));
  }

  get(text: string): YamlDocuments | undefined {
    const sha256 = hashOf(text);
    try {
      const entry = JSON.parse(readFileSync(join(this.dir, `${sha256}.json`), 'utf8')) as Entry;
      if (
        entry.format === FORMAT &&
        entry.sha256 === sha256 &&
        Array.isArray(entry.documents) &&
        Array.isArray(entry.diagnostics)
      ) {
        this.hits++;
        return { documents: entry.documents, diagnostics: entry.diagnostics };
      }
    } catch {
      // Missing, unreadable or corrupt: parsed again and rewritten.
    }
    this.misses++;
    return undefined;
  }

  set(text: string, value: YamlDocuments): void {
    if (!this.writable) return;
    const sha256 = hashOf(text);
    const entry: Entry = { format: FORMAT, sha256, ...value };
    const file = join(this.dir, `${sha256}.json`);
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      if (!this.pruned) this.prepare();
      writeFileSync(tmp, JSON.stringify(entry));
      // Readers see the whole entry or none.
      renameSync(tmp, file);
    } catch {
      this.writable = false;
      rmSync(tmp, { force: true });
    }
  }

  /** Creates this build's folder and removes other builds' folders left unused. */
  private prepare(): void {
    this.pruned = true;
    mkdirSync(this.dir, { recursive: true });
    for (const name of readdirSync(this.root)) {
      const path = join(this.root, name);
      if (path === this.dir) continue;
      try {
        if (Date.now() - statSync(path).mtimeMs > PRUNE_AFTER_MS)
          rmSync(path, { recursive: true, force: true });
      } catch {
        // Another process removed it first.
      }
    }
  }
}

function hashOf(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * The cache for this process, or undefined: off with TRAILALERTS_NO_CACHE, and when running from
 * source (only a build has a build id, and sources change without a version change).
 */
export function processRuleCache(
  version: string,
  env: NodeJS.ProcessEnv = process.env,
): RuleCache | undefined {
  const build = process.env.TRAILALERTS_BUILD_ID;
  if (!build || env.TRAILALERTS_NO_CACHE) return undefined;
  return new RuleCache(cacheRoot(env), `${version}-${build}`);
}
