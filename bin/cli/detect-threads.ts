/**
 * `detect --threads`: the analysis of large inputs spread over worker threads. The main thread
 * reads each file (gunzip, splitter: lambdas/cloudtrail/raw), packs its record views into
 * batches of about BATCH_CHARS of text (raw/transfer.ts) and posts them to the workers
 * (detect-worker.ts), which hold the compiled rules and return each batch's lines; the main thread
 * writes the results in input order, with the problems in the order the single-threaded path
 * reports them. At most IN_FLIGHT_PER_WORKER batches per worker are out at a time, so memory stays
 * bounded whatever the input's size. A worker that fails ends the run with its message: no batch
 * is ever dropped.
 */
import { basename, dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { packViews, type RecordView } from '../../lambdas/cloudtrail/raw';
import type { FileProblems } from '../../lambdas/cloudtrail/read';
import type { Diagnostic } from '../../lambdas/core';
import type { RawOutcome } from '../../lambdas/pipeline/analyze';

/** Text per batch posted to a worker: large enough that a message costs little beside its work. */
export const BATCH_CHARS = 256 * 1024;
/** Batches out per worker before the main thread waits for the oldest. */
export const IN_FLIGHT_PER_WORKER = 4;
/** Files smaller than this (bytes on disk) are analyzed on the main thread: a worker's start-up would cost more. */
export const THREADED_FILE_BYTES = 2 * 1024 * 1024;

export interface WorkerSetup {
  rules: string[];
  format: 'table' | 'ndjson';
}

export interface BatchRequest {
  seq: number;
  file: string;
  /** raw/transfer.ts PackedViews. */
  texts: string[];
  layout: Int32Array;
  /** Views per batch of the record source, in order (their sum is the number of views). */
  cuts: number[];
}

export interface BatchResult {
  seq: number;
  /** Records evaluated (events; not digests, Insights documents or records that are not events). */
  records: number;
  /** Pairs (view number in the batch, rule number in the worker's rule list), in the analyzer's order. */
  hits: Int32Array;
  /** Views not evaluated, in order, with the analyzer's reason. */
  notEvaluated: {
    view: number;
    outcome: Exclude<RawOutcome, { kind: 'record' } | { kind: 'out-of-range' }>;
  }[];
}

export type WorkerReply = BatchResult | { seq: number; error: string } | { ready: true; ruleIds: string[] };

/** A batch's results, with the batch's views and the problems of its file, for the main thread to write. */
export interface WrittenBatch {
  result: BatchResult;
  file: string;
  views: RecordView[];
  cuts: number[];
  problems: FileProblems;
}

/** Set by the CLI bundle's banner (scripts/build-cli.ts): the path of the running bundle file. */
declare const __cliFile: string | undefined;

function startWorker(setup: WorkerSetup): Worker {
  if (typeof __cliFile === 'string') {
    // dist/cli/detect-worker.mjs, beside main.mjs; this code may run from dist/cli/chunks/.
    const dir = dirname(__cliFile);
    const distDir = basename(dir) === 'chunks' ? dirname(dir) : dir;
    return new Worker(join(distDir, 'detect-worker.mjs'), { workerData: setup });
  }
  // From the TypeScript sources (tsx, jest): the worker goes through tsx's require hook.
  const tsx = 'tsx/cjs';
  const source = join(__dirname, 'detect-worker.ts');
  return new Worker(`require(${JSON.stringify(require.resolve(tsx))}); require(${JSON.stringify(source)});`, {
    eval: true,
    workerData: setup,
  });
}

interface Pending {
  seq: number;
  file: string;
  problems: FileProblems;
  views: RecordView[];
  cuts: number[];
  result?: BatchResult;
  /** Settles when the worker answers; rejected when it fails. */
  promise: Promise<BatchResult>;
}

type Entry = Pending | { run: () => void };

interface Slot {
  worker: Worker;
  /** The worker's rule ids, joined, once it is ready; checked against the main thread's at its first result. */
  ruleIds?: string;
  checked?: boolean;
  out: Map<number, { resolve: (r: BatchResult) => void; reject: (e: Error) => void }>;
}

/** Writes one batch's results (in input order); a promise when the output asks to wait. */
export type BatchWriter = (batch: WrittenBatch) => Promise<void> | undefined;

export class DetectPool {
  private readonly slots: Slot[] = [];
  private readonly entries: Entry[] = [];
  private seq = 0;
  private outstanding = 0;
  private failure: Error | undefined;
  private closing = false;

  constructor(
    workers: number,
    setup: WorkerSetup,
    private readonly write: BatchWriter,
    /** The ids of the main thread's rules, in order: each worker's must be the same. */
    private readonly ruleIds: () => string[],
  ) {
    for (let i = 0; i < workers; i++) {
      const worker = startWorker(setup);
      const slot: Slot = { worker, out: new Map() };
      const stopped = (why: string) => {
        const error = this.fail(new Error(`a detect worker stopped (${why}); the run is incomplete`));
        for (const waiting of slot.out.values()) waiting.reject(error);
        slot.out.clear();
      };
      worker.on('message', (reply: WorkerReply) => {
        if ('ready' in reply) {
          slot.ruleIds = reply.ruleIds.join('\n');
          return;
        }
        // Results name rules by number: the worker's list must be the main thread's (loaded by now).
        if (!slot.checked) {
          slot.checked = true;
          if (slot.ruleIds !== this.ruleIds().join('\n')) {
            stopped('it loaded other rules than the main thread: did the rule files change during the run?');
            return;
          }
        }
        const waiting = slot.out.get(reply.seq);
        if (!waiting) return;
        slot.out.delete(reply.seq);
        if ('error' in reply) waiting.reject(this.fail(new Error(`a detect worker failed: ${reply.error}`)));
        else waiting.resolve(reply);
      });
      worker.on('error', (err) => stopped(err.message));
      worker.on('exit', (code) => {
        if (slot.out.size > 0 || !this.closing) stopped(`exit code ${code}`);
      });
      this.slots.push(slot);
    }
  }

  private fail(error: Error): Error {
    this.failure ??= error;
    return this.failure;
  }

  /**
   * Reads one file (`open` gives its record source, reporting to the callback it is given) and
   * hands its records to the workers; resolves once all are posted, not written.
   */
  async analyzeFile(
    file: string,
    problems: FileProblems,
    open: (onProblem: (p: Diagnostic) => void) => AsyncIterable<RecordView[]>,
  ): Promise<void> {
    let views: RecordView[] = [];
    let cuts: number[] = [];
    let chars = 0;
    const flush = () => {
      if (views.length === 0) return;
      this.submit(file, views, cuts, problems);
      views = [];
      cuts = [];
      chars = 0;
    };
    // A problem of the source comes after the records read before it.
    const source = open((p) => {
      flush();
      this.entries.push({ run: () => problems.report(p) });
    });
    for await (const batch of source) {
      for (const view of batch) {
        views.push(view);
        chars += view.text.length;
      }
      cuts.push(batch.length);
      if (chars >= BATCH_CHARS) {
        flush();
        await this.writeReady(false);
      }
    }
    flush();
    this.entries.push({ run: () => problems.finish() });
    await this.writeReady(false);
  }

  private submit(file: string, views: RecordView[], cuts: number[], problems: FileProblems): void {
    if (this.failure) throw this.failure;
    // The worker with the fewest batches out.
    let slot = this.slots[0];
    for (const s of this.slots) if (s.out.size < slot.out.size) slot = s;
    const seq = this.seq++;
    const packed = packViews(views);
    const promise = new Promise<BatchResult>((resolve, reject) => slot.out.set(seq, { resolve, reject }));
    // Awaited in order by writeReady; a failure before then is not an unhandled rejection.
    promise.catch(() => undefined);
    const request: BatchRequest = { seq, file, texts: packed.texts, layout: packed.layout, cuts };
    slot.worker.postMessage(request, [packed.layout.buffer as ArrayBuffer]);
    this.outstanding++;
    this.entries.push({ seq, file, problems, views, cuts, promise });
  }

  /** Writes every result that is ready, in order; with `all`, waits for every batch out. */
  async writeReady(all: boolean): Promise<void> {
    const limit = this.slots.length * IN_FLIGHT_PER_WORKER;
    while (this.entries.length > 0) {
      const head = this.entries[0];
      if ('run' in head) {
        this.entries.shift();
        head.run();
        continue;
      }
      if (!head.result) {
        if (!all && this.outstanding < limit && !this.failure) return;
        head.result = await head.promise;
      }
      this.entries.shift();
      this.outstanding--;
      const { file, views, cuts, problems } = head;
      const waiting = this.write({ result: head.result, file, views, cuts, problems });
      if (waiting) await waiting;
    }
    if (this.failure) throw this.failure;
  }

  /** Stops the workers (after writeReady(true), or on a failure). */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
