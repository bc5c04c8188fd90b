/**
 * Local event files read ahead of the analysis. A folder of an organization's trail holds
 * thousands of log objects of a few KB each; read one after the other, each costs thread-pool
 * round trips (stat, open, read, close) while the analysis waits. Small files are read whole, a
 * few at a time, while earlier ones are analyzed; larger ones stream when their turn comes, so
 * memory stays bounded. Files, and the problems found while walking the folders, come out in walk
 * order whatever the timing, so the output is the same as reading them one by one.
 */
import { readFile } from 'node:fs';
import type { Readable } from 'node:stream';
import type { Diagnostic } from '../core';
import { eventFileEntries, openEventFile } from './read';

/** Files up to this size are read whole ahead of their turn; larger ones stream. */
export const READ_AHEAD_FILE_BYTES = 1024 * 1024;
/** Files read, or being read, ahead of the one analyzed. */
export const READ_AHEAD_FILES = 16;

export interface ReadAheadOptions {
  /** Files read ahead at most (default READ_AHEAD_FILES; 0: every file streams at its turn). */
  files?: number;
  /** Files up to this many bytes are read whole (default READ_AHEAD_FILE_BYTES). */
  fileBytes?: number;
}

export interface EventFileInput {
  file: string;
  /** The whole file, read ahead, or a stream of it. */
  input: Buffer | Readable;
}

type Entry = { problem: Diagnostic } | { file: string; bytes: Promise<Buffer | undefined> };

/**
 * The event files of `inputs` (files, or folders walked recursively in name order, as eventFiles
 * gives them) with their contents. The walk's problems go to `onProblem` in their place among
 * the files. A file that could not be read ahead streams at its turn, where the reader says why;
 * a file is read whole if it was small when the walk found it.
 */
export async function* readAhead(
  inputs: string[],
  onProblem: (p: Diagnostic) => void,
  options: ReadAheadOptions = {},
): AsyncGenerator<EventFileInput> {
  const maxFiles = Math.max(0, options.files ?? READ_AHEAD_FILES);
  const maxBytes = options.fileBytes ?? READ_AHEAD_FILE_BYTES;
  const queue: Entry[] = [];
  let queuedFiles = 0;
  let walked = false;
  let walkError: unknown;
  const walk = eventFileEntries(inputs, (problem) => queue.push({ problem }));

  // Walks on until maxFiles files wait (at least one), in the background of the analysis.
  const fill = async (): Promise<void> => {
    while (!walked && queuedFiles < Math.max(1, maxFiles)) {
      const next = await walk.next();
      if (next.done) {
        walked = true;
        return;
      }
      const { file, size } = next.value;
      const ahead = maxFiles > 0 && size <= maxBytes;
      queue.push({ file, bytes: ahead ? readWhole(file) : Promise.resolve(undefined) });
      queuedFiles++;
    }
  };
  let filling: Promise<void> | undefined;
  const refill = (): Promise<void> =>
    (filling ??= fill().then(
      () => {
        filling = undefined;
      },
      (err: unknown) => {
        walkError = err;
        walked = true;
        filling = undefined;
      },
    ));

  try {
    for (;;) {
      if (queue.length === 0) {
        if (walked) break;
        await refill();
        continue;
      }
      const entry = queue.shift()!;
      if ('problem' in entry) {
        onProblem(entry.problem);
        continue;
      }
      queuedFiles--;
      void refill();
      const bytes = await entry.bytes;
      yield { file: entry.file, input: bytes ?? openEventFile(entry.file) };
    }
    if (walkError !== undefined) throw walkError;
  } finally {
    walked = true;
    await filling;
    await walk.return(undefined);
  }
}

/**
 * The whole file, or undefined on any error. fs.readFile with a callback opens, reads and closes
 * in one request of the thread pool; the promise API takes a round trip per step.
 */
function readWhole(file: string): Promise<Buffer | undefined> {
  return new Promise((resolve) => readFile(file, (err, bytes) => resolve(err ? undefined : bytes)));
}
