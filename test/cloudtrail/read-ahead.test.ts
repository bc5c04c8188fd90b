/**
 * readAhead: local event files read whole ahead of the analysis (small ones) or streamed at their
 * turn (large ones), in walk order with the walk's problems in their place, whatever the timing.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { readAhead, type ReadAheadOptions } from '../../src/cloudtrail/read-ahead';
import type { Diagnostic } from '../../src/core';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ct-ahead-'));
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

/** What a consumer sees, in order: each file with how it came and its bytes, and each problem. */
async function sequence(inputs: string[], options: ReadAheadOptions): Promise<string[]> {
  const seen: string[] = [];
  const onProblem = (p: Diagnostic) => seen.push(`${p.severity} ${p.file}: ${p.message}`);
  for await (const { file, input } of readAhead(inputs, onProblem, options)) {
    const how = Buffer.isBuffer(input) ? 'whole' : 'stream';
    // A slow consumer: the walk and the reads run ahead meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 2));
    seen.push(`${how} ${file} ${(await bytesOf(input)).toString('base64')}`);
  }
  return seen;
}

describe('readAhead', () => {
  it('gives every file, whole or streamed, in walk order with the walk problems in their place', async () => {
    const noise = randomBytes(3000).toString('hex');
    const big = gzipSync(Buffer.from(JSON.stringify({ Records: [{ eventName: noise }] })));
    expect(big.length).toBeGreaterThan(1024);
    for (let i = 0; i < 30; i++)
      write(`AWSLogs/${String(i).padStart(2, '0')}.json`, `{"Records":[{"n":${i}}]}`);
    write('AWSLogs/15-big.json.gz', big);
    write('AWSLogs/16/CloudTrail-Digest/d.json.gz', 'digest');
    write('AWSLogs/17.txt', 'not an event file');
    write('AWSLogs/18-empty.json', '');
    const inputs = [join(dir, 'AWSLogs'), join(dir, 'missing.json'), join(dir, 'AWSLogs', '03.json')];

    // files: 0 reads nothing ahead: each file streams at its turn, as a plain walk would.
    const reference = await sequence(inputs, { files: 0 });
    const ahead = await sequence(inputs, { files: 4, fileBytes: 1024 });

    const strip = (lines: string[]) => lines.map((l) => l.replace(/^(whole|stream) /, ''));
    expect(strip(ahead)).toEqual(strip(reference));
    expect(reference.every((l) => !l.startsWith('whole'))).toBe(true);
    // 32 files of the folder (the big one and the empty one among them), and 03.json again.
    expect(ahead.filter((l) => /^(whole|stream) /.test(l))).toHaveLength(33);
    expect(ahead.filter((l) => l.startsWith('stream '))).toEqual([expect.stringContaining('15-big.json.gz')]);
    expect(ahead.find((l) => l.includes('15-big'))).toContain(big.toString('base64'));
    expect(ahead).toContainEqual(expect.stringMatching(/^notice .*CloudTrail-Digest.*digest/));
    expect(ahead).toContainEqual(expect.stringMatching(/^error .*missing\.json: no such file/));
    expect(ahead.some((l) => l.includes('17.txt'))).toBe(false);
    // The notice comes after the files walked before it, the missing path after every file of the folder.
    const at = (re: RegExp) => ahead.findIndex((l) => re.test(l));
    expect(at(/CloudTrail-Digest/)).toBeGreaterThan(at(/15-big/));
    expect(at(/CloudTrail-Digest/)).toBeLessThan(at(/17\.json/));
    expect(at(/missing\.json/)).toBeGreaterThan(at(/29\.json/));
  });

  it('gives the same bytes as the files hold', async () => {
    const texts = Array.from(
      { length: 12 },
      (_, i) => `{"Records":[${'{"a":1},'.repeat(i * 50)}{"i":${i}}]}`,
    );
    texts.forEach((text, i) => write(`f${String(i).padStart(2, '0')}.json`, text));
    const got: Array<[string, string]> = [];
    for await (const { file, input } of readAhead([dir], () => undefined, { files: 3 }))
      got.push([file, (await bytesOf(input)).toString()]);
    expect(got).toEqual(texts.map((text, i) => [join(dir, `f${String(i).padStart(2, '0')}.json`), text]));
    expect(got.map(([file]) => readFileSync(file, 'utf8'))).toEqual(texts);
  });

  it('stops cleanly when the consumer stops early', async () => {
    for (let i = 0; i < 40; i++) write(`f${String(i).padStart(2, '0')}.json`, '{"Records":[]}');
    const files: string[] = [];
    for await (const { file } of readAhead([dir], () => undefined, { files: 8 })) {
      files.push(file);
      if (files.length === 3) break;
    }
    expect(files).toHaveLength(3);
    // Nothing is left running: a second pass over the same folder sees every file.
    let count = 0;
    for await (const entry of readAhead([dir], () => undefined)) count += entry.file ? 1 : 0;
    expect(count).toBe(40);
  });
});
