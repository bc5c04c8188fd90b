/**
 * A worker thread of `detect --threads` (detect-threads.ts): loads the rules once (through the
 * rule cache, as the main thread does), then for each batch of record views the main thread
 * packed (lambdas/cloudtrail/raw/transfer.ts) runs the analyzer and posts back which rules
 * matched which records (the main thread, which keeps the batch, writes the lines) and the
 * records it could not evaluate, in order. Built by scripts/build-cli.ts as an entry of its own
 * (dist/cli/detect-worker.mjs).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { version } from '../../package.json';
import { unpackViews } from '../../lambdas/cloudtrail/raw';
import { Analyzer } from '../../lambdas/pipeline/analyze';
import { useDocumentCache } from '../../lambdas/sigma/document-cache';
import { applyFilters, loadRules } from '../../lambdas/sigma/index';
import type { RuleMeta } from '../../lambdas/sigma/model';
import { processRuleCache } from './rule-cache';
import type { BatchRequest, BatchResult, WorkerReply, WorkerSetup } from './detect-threads';

function start(setup: WorkerSetup): void {
  const port = parentPort;
  if (!port) throw new Error('detect-worker runs as a worker thread');
  useDocumentCache(processRuleCache(version));
  // The rules' diagnostics are the main thread's to print: it loads the same files.
  const bundle = loadRules(setup.rules);
  const rules = applyFilters(bundle.rules, bundle.filters);
  const ruleNumbers = new Map<RuleMeta, number>(rules.map((r, i) => [r.meta, i]));
  const analyzer = new Analyzer({ rules });
  let file: string | undefined;

  async function analyze(request: BatchRequest): Promise<BatchResult> {
    if (request.file !== file) {
      file = request.file;
      analyzer.expireAccounts();
    }
    const views = unpackViews(request);
    const result: BatchResult = { seq: request.seq, records: 0, hits: EMPTY, notEvaluated: [] };
    const hits: number[] = [];
    for (let v = 0; v < views.length; v++) {
      const view = views[v];
      let outcome = analyzer.analyzeRaw(view, request.file);
      if (outcome instanceof Promise) outcome = await outcome;
      switch (outcome.kind) {
        case 'record':
          result.records++;
          for (const m of outcome.matches) hits.push(v, ruleNumbers.get(m.rule) ?? -1);
          break;
        case 'out-of-range':
          result.records++;
          break;
        default:
          result.notEvaluated.push({ view: v, outcome });
      }
    }
    if (hits.length > 0) result.hits = Int32Array.from(hits);
    return result;
  }

  const post = (reply: WorkerReply) =>
    'hits' in reply && reply.hits.length > 0
      ? port.postMessage(reply, [reply.hits.buffer as ArrayBuffer])
      : port.postMessage(reply);
  // Batches are analyzed one at a time, in the order they arrive.
  let queue: Promise<void> = Promise.resolve();
  port.on('message', (request: BatchRequest) => {
    queue = queue.then(async () => {
      try {
        post(await analyze(request));
      } catch (err) {
        post({
          seq: request.seq,
          error: `${request.file}, batch from record ${request.layout[0]}: ${(err as Error).stack ?? String(err)}`,
        });
      }
    });
  });
  post({ ready: true, ruleIds: rules.map((r) => r.meta.id) });
}

const EMPTY = new Int32Array(0);

start(workerData as WorkerSetup);
