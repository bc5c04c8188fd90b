/**
 * `trailalerts scan … | head`: when the reader of stdout (or stderr) goes away, the process ends
 * quietly with the status it has so far, instead of an unhandled EPIPE stack trace.
 */

type Exit = (code: number) => void;

export function exitQuietlyOnBrokenPipe(
  streams: NodeJS.WritableStream[] = [process.stdout, process.stderr],
  exit: Exit = (code) => process.exit(code),
): void {
  for (const stream of streams) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      // Nobody reads any more: writing on would only fail again, so stop here.
      if (err.code === 'EPIPE') exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
      else throw err;
    });
  }
}
