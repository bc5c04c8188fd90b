/**
 * Where TrailAlerts post-processing JSON sits in a rules directory: the single files this project
 * has always read, then every `*.json` of a `postprocessing_rules/` folder, sorted so the order
 * (and so each entry's id) does not depend on the file system. TrailAlerts keeps its threshold
 * and correlation entries in that folder (README "Rules Structure").
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';

const SINGLE_FILES = ['postprocessing.json', 'post_processing.json', 'postprocessing_rules.json'];
const FOLDER = 'postprocessing_rules';

export function postProcessingFiles(dir: string): string[] {
  const files = SINGLE_FILES.map((name) => join(dir, name)).filter((file) => existsSync(file));
  const folder = join(dir, FOLDER);
  if (existsSync(folder) && statSync(folder).isDirectory())
    for (const name of readdirSync(folder).sort())
      if (name.toLowerCase().endsWith('.json') && statSync(join(folder, name)).isFile())
        files.push(join(folder, name));
  return files;
}

/** Whether a `/`-separated path inside a rules directory is one postProcessingFiles would list. */
export function isPostProcessingPath(path: string): boolean {
  if (SINGLE_FILES.includes(path)) return true;
  return posix.dirname(path) === FOLDER && path.toLowerCase().endsWith('.json');
}
