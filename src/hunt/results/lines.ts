/**
 * A result file as lines, read as it streams: the ResultWriter writes JSON Lines (WriterConfig
 * OutputType JSONL), so a file of any size is folded one entry at a time. A line longer than the
 * cap stops the file with an error (a worker result is at most ~256 KB, a failed entry a little more).
 */
import { StringDecoder } from 'node:string_decoder';
import { TrailAlertsError } from '../../core';

/** Longest line read: a child's input and output are each at most 256 KB. */
export const MAX_LINE_BYTES = 4 * 1024 * 1024;

export class LineTooLongError extends TrailAlertsError {
  constructor(
    readonly line: number,
    max: number,
  ) {
    super(`line ${line} is longer than ${max.toLocaleString('en-US')} bytes`);
  }
}

/** The lines of a byte or text stream (LF or CRLF), without their ends; blank lines included. */
export async function* splitLines(
  chunks: AsyncIterable<Uint8Array | string>,
  maxLineBytes = MAX_LINE_BYTES,
): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let line = 0;
  const done = (text: string) => {
    line++;
    return text.endsWith('\r') ? text.slice(0, -1) : text;
  };
  for await (const chunk of chunks) {
    pending += typeof chunk === 'string' ? chunk : decoder.write(Buffer.from(chunk));
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const text = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (text.length > maxLineBytes) throw new LineTooLongError(line + 1, maxLineBytes);
      yield done(text);
    }
    if (pending.length > maxLineBytes) throw new LineTooLongError(line + 1, maxLineBytes);
  }
  pending += decoder.end();
  if (pending !== '') yield done(pending);
}
