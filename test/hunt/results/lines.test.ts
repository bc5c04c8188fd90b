/** Result files as lines while they stream: chunk boundaries, CRLF, multi-byte characters, the line cap. */
import { LineTooLongError, splitLines } from '../../../src/hunt/results/lines';

async function collect(chunks: (string | Uint8Array)[], max?: number): Promise<string[]> {
  const out: string[] = [];
  async function* source() {
    for (const c of chunks) yield c;
  }
  for await (const line of splitLines(source(), max)) out.push(line);
  return out;
}

describe('splitLines', () => {
  it('joins lines split across chunks, drops CRLF ends, and keeps the last line without an end', async () => {
    expect(await collect(['{"a":', '1}\r\n{"b"', ':2}\n', '\n{"c":3}'])).toEqual([
      '{"a":1}',
      '{"b":2}',
      '',
      '{"c":3}',
    ]);
  });

  it('decodes a multi-byte character cut between two chunks', async () => {
    const bytes = Buffer.from('"é"\n"ü"', 'utf8');
    expect(await collect([bytes.subarray(0, 2), bytes.subarray(2, 6), bytes.subarray(6)])).toEqual([
      '"é"',
      '"ü"',
    ]);
  });

  it('stops at a line longer than the cap, naming its number, without holding it whole', async () => {
    await expect(collect(['ok\n', 'x'.repeat(20), 'x'.repeat(20)], 32)).rejects.toThrow(LineTooLongError);
    await expect(collect(['ok\n', `${'x'.repeat(40)}\n`], 32)).rejects.toThrow(
      /line 2 is longer than 32 bytes/,
    );
  });
});
