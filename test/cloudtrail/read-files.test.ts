/**
 * eventFileEntries and openEventInput: the walk gives each event file with its size, in name
 * order with its problems in their place; a small file is read whole, a large one streams, and a
 * file that cannot be read whole streams so that its reader reports why.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { eventFileEntries, openEventInput, WHOLE_FILE_BYTES } from '../../src/cloudtrail/read';
import type { Diagnostic } from '../../src/core';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ct-files-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(path: string, bytes: string | Buffer): void {
  mkdirSync(join(dir, path, '..'), { recursive: true });
  writeFileSync(join(dir, path), bytes);
}

async function bytesOf(input: Buffer | Readable): Promise<Buffer> {
  if (Buffer.isBuffer(input)) return input;
  const parts: Buffer[] = [];
  for await (const chunk of input) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

/** What a reader sees, in order: each file with how it came, its size and bytes, and each problem. */
async function walk(inputs: string[]): Promise<string[]> {
  const seen: string[] = [];
  const onProblem = (p: Diagnostic) => seen.push(`${p.severity} ${p.file.slice(dir.length)}: ${p.message}`);
  for (const entry of eventFileEntries(inputs, onProblem)) {
    const input = openEventInput(entry);
    const bytes = await bytesOf(input);
    seen.push(
      `${Buffer.isBuffer(input) ? 'whole' : 'stream'} ${entry.file.slice(dir.length)} ${entry.size} ${bytes.length}`,
    );
  }
  return seen;
}

describe('eventFileEntries and openEventInput', () => {
  it('walk folders in name order, small files whole, large ones streamed, problems in their place', async () => {
    const big = gzipSync(randomBytes(WHOLE_FILE_BYTES + 10));
    expect(big.length).toBeGreaterThan(WHOLE_FILE_BYTES);
    write('logs/b/2.json', '{"Records":[]}');
    write('logs/a.json.gz', gzipSync('{"Records":[]}'));
    write('logs/b/1-big.json.gz', big);
    write('logs/b/3/CloudTrail-Digest/d.json.gz', 'digest');
    write('logs/c.txt', 'not an event file');
    write('logs/d-empty.json', '');
    write('logs/.hidden.json', '{}');
    symlinkSync(join(dir, 'logs'), join(dir, 'logs', 'e-loop'));
    const gz = gzipSync('{"Records":[]}').length;
    expect(await walk([join(dir, 'logs'), join(dir, 'missing.json'), join(dir, 'logs', 'c.txt')])).toEqual([
      `whole /logs/a.json.gz ${gz} ${gz}`,
      `stream /logs/b/1-big.json.gz ${big.length} ${big.length}`,
      'whole /logs/b/2.json 14 14',
      'notice /logs/b/3/CloudTrail-Digest/d.json.gz: CloudTrail digest file skipped',
      'whole /logs/d-empty.json 0 0',
      'error /missing.json: no such file or directory',
      // Named on the command line, a file is read whatever its name.
      'whole /logs/c.txt 17 17',
    ]);
  });

  it('streams a file that cannot be read whole, so its reader says why', async () => {
    write('gone.json', '{"Records":[]}');
    const entries = [];
    for (const entry of eventFileEntries([dir], () => undefined)) entries.push(entry);
    rmSync(join(dir, 'gone.json'));
    const input = openEventInput(entries[0]);
    expect(Buffer.isBuffer(input)).toBe(false);
    await expect(bytesOf(input)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
