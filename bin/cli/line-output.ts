/**
 * Output of many short lines (`detect --format ndjson`): gathered as UTF-8 into buffers of
 * LINE_OUTPUT_BYTES and written a buffer at a time. On a stream (stdout), a write the stream
 * cannot take at once is awaited ('drain'), so a slow reader (`detect … | less`) holds back the
 * analysis instead of the process holding the whole output in memory.
 */
import type { Writable } from 'node:stream';

/** Where lines go: a Node stream (process.stdout) gets buffers; anything else gets text. */
export interface LineSink {
  write(text: string): unknown;
}

/** One write per this many bytes of output: a write per line would be a system call per line. */
export const LINE_OUTPUT_BYTES = 1024 * 1024;

function isStream(sink: LineSink): sink is Writable {
  const s = sink as Partial<Writable>;
  return typeof s.once === 'function' && typeof s.writableLength === 'number';
}

export class LineOutput {
  private buffer: Buffer;
  private used = 0;
  private readonly stream: Writable | undefined;

  constructor(
    private readonly sink: LineSink,
    /** The buffer's size: a line up to this long can be written in pieces (`reserve`). */
    readonly size = LINE_OUTPUT_BYTES,
  ) {
    this.stream = isStream(sink) ? sink : undefined;
    this.buffer = Buffer.allocUnsafe(size);
  }

  /**
   * Appends text (whole lines, or the parts of one). Returns a promise when the buffer was full
   * and the stream asked to wait; await it before appending more. `ascii`: the caller knows the
   * text is ASCII only, so it is copied as it is (UTF-8 encoding checks every character).
   */
  append(text: string, ascii = false): Promise<void> | undefined {
    if (ascii && this.used + text.length <= this.size) {
      this.used += this.buffer.write(text, this.used, 'latin1');
      return undefined;
    }
    // A UTF-16 code unit takes at most 3 bytes of UTF-8.
    if (this.used + text.length * 3 > this.size) {
      const waiting = this.flush();
      if (text.length * 3 > this.size) {
        // Longer than a buffer: written on its own, after what came before it.
        const alone = Buffer.from(text);
        return waiting ? waiting.then(() => this.send(alone)) : this.send(alone);
      }
      this.used += this.buffer.write(text, this.used);
      return waiting;
    }
    this.used += this.buffer.write(text, this.used);
    return undefined;
  }

  /**
   * Makes room for a line of up to `bytes` bytes, written next by `putBytes`, `putText` and
   * `putIndex`: what is gathered is written first when the line would not fit. Returns a promise
   * as `append` does. A line longer than a buffer goes through `append`.
   */
  reserve(bytes: number): Promise<void> | undefined {
    if (bytes > this.size) throw new RangeError(`a line of ${bytes} bytes is longer than the buffer`);
    return this.used + bytes > this.size ? this.flush() : undefined;
  }

  /** Copies bytes (already UTF-8) into the room `reserve` made. */
  putBytes(bytes: Uint8Array): void {
    this.buffer.set(bytes, this.used);
    this.used += bytes.length;
  }

  /** Writes text into the room `reserve` made; `ascii` as in `append`. */
  putText(text: string, ascii: boolean): void {
    this.used += this.buffer.write(text, this.used, ascii ? 'latin1' : 'utf8');
  }

  /** Writes a non-negative integer's decimal digits into the room `reserve` made, with no string. */
  putIndex(n: number): void {
    let digits = 1;
    for (let rest = n; rest >= 10; rest = Math.floor(rest / 10)) digits++;
    let at = this.used + digits;
    this.used = at;
    do {
      this.buffer[--at] = 48 + (n % 10);
      n = Math.floor(n / 10);
    } while (n > 0);
  }

  /** Writes what is gathered; resolves when the stream can take more (at once when it can). */
  flush(): Promise<void> | undefined {
    if (this.used === 0) return undefined;
    const full = this.buffer.subarray(0, this.used);
    // The stream may hold the buffer until it is written: the next lines go to a new one.
    this.buffer = Buffer.allocUnsafe(this.size);
    this.used = 0;
    return this.send(full);
  }

  private send(chunk: Buffer): Promise<void> | undefined {
    if (!this.stream) {
      this.sink.write(chunk.toString('utf8'));
      return undefined;
    }
    if (this.stream.write(chunk)) return undefined;
    const stream = this.stream;
    return new Promise((resolve, reject) => {
      const done = (err?: Error) => {
        stream.off('drain', done);
        stream.off('error', done);
        stream.off('close', done);
        if (err) reject(err);
        else resolve();
      };
      stream.on('drain', done);
      stream.on('error', done);
      stream.on('close', done);
    });
  }
}
