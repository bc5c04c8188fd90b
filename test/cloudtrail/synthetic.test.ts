/** The synthetic trail generator: deterministic, realistic sizes, and read back whole by the reader. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { actorOf } from '../../src/cloudtrail/actor';
import { parseTrailKey } from '../../src/cloudtrail/keys';
import { readEvents } from '../../src/cloudtrail/read';
import type { Diagnostic } from '../../src/core';
import { syntheticRecords, trailKey, writeLogObject } from '../../scripts/synthetic-events';

describe('synthetic events', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    expect(syntheticRecords(50, { seed: 3 })).toEqual(syntheticRecords(50, { seed: 3 }));
    expect(syntheticRecords(50, { seed: 3 })).not.toEqual(syntheticRecords(50, { seed: 4 }));
  });

  it('mixes event kinds and identity types, with records of about 1–2 KB', () => {
    const records = syntheticRecords(3000, { seed: 11 });
    const names = new Set(records.map((r) => r.eventName));
    for (const name of ['DescribeInstances', 'ConsoleLogin', 'AssumeRole', 'GetObject', 'CreateAccessKey'])
      expect(names).toContain(name);
    const types = new Set(records.map((r) => actorOf(r).type));
    for (const type of ['IAMUser', 'AssumedRole', 'AWSService', 'IdentityCenterUser', 'Root'])
      expect(types).toContain(type);
    expect(records.some((r) => typeof r.errorCode === 'string')).toBe(true);
    const sizes = records.map((r) => JSON.stringify(r).length).sort((a, b) => a - b);
    expect(sizes[1500]).toBeGreaterThan(900);
    expect(sizes[1500]).toBeLessThan(2200);
  });

  it('writes a gzip log object of the target size that the reader reads back in full', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ct-synth-'));
    try {
      const key = trailKey(
        'o-synthetic01',
        '444455556666',
        'eu-west-1',
        new Date('2026-11-20T10:05:00Z'),
        'T1',
      );
      expect(parseTrailKey(key)).toMatchObject({
        kind: 'log',
        accountId: '444455556666',
        region: 'eu-west-1',
        date: '2026-11-20',
      });
      const out = await writeLogObject(join(dir, key), 512 * 1024, { seed: 5 });
      expect(out.uncompressedBytes).toBeGreaterThanOrEqual(512 * 1024);
      expect(out.uncompressedBytes).toBeLessThan(512 * 1024 + 4096);
      expect(out.compressedBytes).toBeLessThan(out.uncompressedBytes / 3);
      const problems: Diagnostic[] = [];
      let count = 0;
      for await (const r of readEvents([dir], (p) => problems.push(p))) {
        expect(r.source.index).toBe(count++);
      }
      expect(problems).toEqual([]);
      expect(count).toBe(out.records);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
