/**
 * detect's line output (bin/cli/line-output.ts): the bytes written are the text appended, in
 * order, and a stream that cannot keep up holds the writer back instead of the process holding
 * the whole output in memory.
 */
import { Writable } from 'node:stream';
import { LineOutput } from '../../bin/cli/line-output';

/** A stream that takes chunks only when `release()` is called, with a small buffer. */
function slowStream(): { stream: Writable; chunks: Buffer[]; release: () => void; pending: () => number } {
  const chunks: Buffer[] = [];
  const waiting: (() => void)[] = [];
  const stream = new Writable({
    highWaterMark: 4,
    write(chunk: Buffer, _enc, callback) {
      chunks.push(chunk);
      waiting.push(callback);
    },
  });
  return {
    stream,
    chunks,
    release: () => waiting.splice(0).forEach((cb) => cb()),
    pending: () => waiting.length,
  };
}

describe('LineOutput', () => {
  it('writes the text appended, in order, as UTF-8, across buffer boundaries', async () => {
    const collected: string[] = [];
    const out = new LineOutput({ write: (text: string) => collected.push(text) }, 64);
    const lines = [
      '{"a":1}\n',
      'caf\u00e9 \u2028 \ud83d\ude00\n',
      'x'.repeat(30) + '\n',
      'y'.repeat(100) + '\n',
      'z\n',
    ];
    for (const line of lines) await out.append(line);
    await out.flush();
    expect(collected.join('')).toBe(lines.join(''));
    // Gathered, not one write per line; the line longer than a buffer goes alone.
    expect(collected.length).toBeLessThan(lines.length);
    expect(collected).toContain('y'.repeat(100) + '\n');
  });

  it('writes lines put in pieces (bytes, text, digits) in order, flushing only between lines', async () => {
    const collected: string[] = [];
    const out = new LineOutput({ write: (text: string) => collected.push(text) }, 48);
    const expected: string[] = [];
    const indexes = [0, 7, 9, 10, 99, 100, 12345, 9007199254740991];
    for (const [i, n] of indexes.entries()) {
      const start = Buffer.from(i % 2 ? '{"r\u00e9":' : '{"r":');
      const text = i % 3 ? 'caf\u00e9 \ud83d\ude00' : 'plain';
      const ascii = i % 3 === 0;
      const line = `${start.toString('utf8')}${text},${n}}\n`;
      const bytes = start.length + text.length * (ascii ? 1 : 3) + 1 + 16 + 2;
      await out.reserve(bytes);
      out.putBytes(start);
      out.putText(text, ascii);
      out.putBytes(Buffer.from(','));
      out.putIndex(n);
      out.putBytes(Buffer.from('}\n'));
      expected.push(line);
    }
    await out.flush();
    expect(collected.join('')).toBe(expected.join(''));
    // Each write holds whole lines: a line never straddles two buffers.
    for (const chunk of collected) expect(chunk.endsWith('\n')).toBe(true);
    expect(collected.length).toBeGreaterThan(1);
    expect(() => out.reserve(49)).toThrow(RangeError);
  });

  it('waits for a stream that cannot take more, and resumes on drain', async () => {
    const slow = slowStream();
    // Room for one 11-character line (up to 3 bytes each), not two.
    const out = new LineOutput(slow.stream, 40);
    expect(out.append('a'.repeat(10) + '\n')).toBeUndefined();
    // The buffer is full: it goes to the stream, which is over its high-water mark.
    const waiting = out.append('b'.repeat(10) + '\n');
    expect(waiting).toBeInstanceOf(Promise);
    let resumed = false;
    void waiting!.then(() => (resumed = true));
    await new Promise((r) => setImmediate(r));
    expect(resumed).toBe(false);
    slow.release();
    await waiting;
    expect(resumed).toBe(true);
    const last = out.flush();
    slow.release();
    await last;
    expect(Buffer.concat(slow.chunks).toString('utf8')).toBe('a'.repeat(10) + '\n' + 'b'.repeat(10) + '\n');
  });

  it('rejects when the stream fails while it waits', async () => {
    const slow = slowStream();
    const out = new LineOutput(slow.stream, 40);
    expect(out.append('a'.repeat(10) + '\n')).toBeUndefined();
    const waiting = out.append('b'.repeat(10) + '\n');
    expect(waiting).toBeInstanceOf(Promise);
    slow.stream.destroy(new Error('EPIPE'));
    await expect(waiting).rejects.toThrow('EPIPE');
  });
});
