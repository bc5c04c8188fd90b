/**
 * `hunt --prefixes-from <file>`: day prefixes from a file of any size, read as it streams (one per
 * line, `#` comments and blank lines ignored), so a re-run list of millions of prefixes never has
 * to fit in one string. A JSON array is also taken, read whole (up to 256 MiB).
 */
import { createReadStream, openSync, readSync, closeSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parsePrefixList } from '../../src/hunt';

const MAX_JSON_BYTES = 256 * 1024 * 1024;

/** The first non-blank character of the file, or '' for an empty one. */
function firstChar(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(4096);
    for (let pos = 0; ;) {
      const n = readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) return '';
      const text = buf.subarray(0, n).toString('utf8').trimStart();
      if (text !== '') return text[0];
      pos += n;
    }
  } finally {
    closeSync(fd);
  }
}

export async function readPrefixFile(path: string): Promise<string[]> {
  try {
    if (firstChar(path) === '[') {
      const size = statSync(path).size;
      if (size > MAX_JSON_BYTES)
        throw new Error(
          `a JSON array of ${size} bytes, more than ${MAX_JSON_BYTES} read at most: write one prefix per line instead`,
        );
      const { readFileSync } = await import('node:fs');
      return parsePrefixList(readFileSync(path, 'utf8'), path);
    }
    const prefixes: string[] = [];
    const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
    for await (const raw of lines) {
      const line = raw.trim();
      if (line !== '' && !line.startsWith('#')) prefixes.push(line);
    }
    return prefixes;
  } catch (err) {
    const message = (err as Error).message;
    throw new Error(message.startsWith(path) ? message : `--prefixes-from ${path}: ${message}`);
  }
}
