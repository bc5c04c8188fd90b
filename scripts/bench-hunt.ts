/**
 * The retro-hunt worker, measured locally: the real worker (src/hunt/worker.ts huntBatch, the
 * repository's rules, report mode) over day prefixes in s3rver, behind a proxy that holds every
 * request for a fixed latency before passing it on, as a round trip to S3 would. Objects are
 * CloudTrail-like (synthetic records, gzip) of realistic sizes: most hold 10-60 records, some
 * a few hundred. Prints objects per second per worker for each latency and number of GETs in
 * flight, the analyzer's CPU-bound rate (objects read from memory), then the model
 * (src/hunt/estimate.ts): duration and cost of a month of a 5,000-account organization
 * (5,000 accounts x 4 regions x 30 days x 288 objects, about 173 M objects) at a few
 * concurrencies, beside GuardDuty's price for the same events.
 *
 *   npx tsx scripts/bench-hunt.ts [--objects 480] [--latency 30,40,60] [--in-flight 1,8,16,32]
 *
 * s3rver and the proxy run in a child process, so the CPU time this process spends (the worker,
 * the SDK, gunzip, the analyzer) is measured apart: objects per CPU-second is what a worker with a
 * core of its own reaches. On a shared machine s3rver's own CPU can set the wall-clock pace
 * first, so the objects/s printed are a lower bound of the worker's.
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import {
  CPU_OBJECTS_PER_SECOND,
  describeEstimate,
  estimateHunt,
  workerRate,
  WORKER_MEMORY_MB,
  type HuntItem,
  huntBatch,
  type HuntWorkerDeps,
} from '../src/hunt';
import { loadAccountsConfig, StaticAccountDirectory } from '../src/org';
import { buildPolicy, loadDetectionContent, openObject } from '../src/runtime';
import { logObjectText, makeRng, syntheticRecords, trailKey } from './synthetic-events';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver');

const ORG = 'o-exampleorg1';
const ACCOUNTS = ['111111111111', '444455556666', '555566667777', '777788889999'];
const REGION = 'us-east-1';
const DAY = '2026-08-02';
const MONTH = { accounts: 5000, regions: 4, days: 30, objectsPerDay: 288 };

function flag(argv: string[], name: string, fallback: string): string {
  const at = argv.indexOf(`--${name}`);
  return at >= 0 && argv[at + 1] !== undefined ? argv[at + 1] : fallback;
}
const numbers = (text: string, name: string): number[] =>
  text.split(',').map((v) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0)
      throw new Error(`--${name}: expected numbers such as 30,60, got "${text}"`);
    return n;
  });

/** Records per object: mostly 10-60, some 60-200, a few 300-600 (busy accounts' 5 minutes). */
function recordsPerObject(rng: () => number): number {
  const r = rng();
  if (r < 0.8) return 10 + Math.floor(rng() * 50);
  if (r < 0.98) return 60 + Math.floor(rng() * 140);
  return 300 + Math.floor(rng() * 300);
}

/** The bucket's objects: key to gzip bytes, spread over one day folder per account. */
function buildObjects(total: number): { bytes: Map<string, Buffer>; prefixes: string[]; records: number } {
  const rng = makeRng(11);
  const bytes = new Map<string, Buffer>();
  const perAccount = Math.ceil(total / ACCOUNTS.length);
  let records = 0;
  for (const account of ACCOUNTS) {
    const pool = syntheticRecords(perAccount * 60, {
      seed: Number(account.slice(0, 4)),
      accounts: [account],
      regions: [REGION],
      start: new Date(`${DAY}T00:00:00Z`),
      stepMs: 2_000,
    });
    let used = 0;
    for (let i = 0; i < perAccount && bytes.size < total; i++) {
      const n = recordsPerObject(rng);
      const slice = [];
      for (let j = 0; j < n; j++) slice.push(pool[(used + j) % pool.length]);
      used += n;
      records += n;
      const time = new Date(Date.parse(`${DAY}T00:00:00Z`) + i * 5 * 60_000);
      bytes.set(
        trailKey(ORG, account, REGION, time, `b${String(i).padStart(4, '0')}`),
        gzipSync(logObjectText(slice)),
      );
    }
  }
  const prefixes = ACCOUNTS.map((a) => `AWSLogs/${ORG}/${a}/CloudTrail/${REGION}/${DAY.replace(/-/g, '/')}/`);
  return { bytes, prefixes, records };
}

/** A proxy that holds each request `latencyMs` before passing it to `target`. */
function latencyProxy(target: number): { server: http.Server; setLatency: (ms: number) => void } {
  let latency = 0;
  const server = http.createServer((req, res) => {
    setTimeout(() => {
      const upstream = http.request(
        { host: '127.0.0.1', port: target, method: req.method, path: req.url, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.on('error', (err) => res.destroy(err));
      req.pipe(upstream);
    }, latency);
  });
  return { server, setLatency: (ms) => (latency = ms) };
}

/** The child process: s3rver and the latency proxy; tells the parent the proxy's port, takes latencies. */
async function serve(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ta-bench-hunt-'));
  const s3rver = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory: join(dir, 's3'),
    configureBuckets: [{ name: 'trail' }],
  });
  const { port } = (await s3rver.run()) as { port: number };
  const proxy = latencyProxy(port);
  await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
  process.on('message', (m: { latency?: number; stop?: boolean }) => {
    if (m.latency !== undefined) {
      proxy.setLatency(m.latency);
      process.send!({ latency: m.latency });
    }
    if (m.stop) {
      proxy.server.close();
      void (s3rver.close() as Promise<void>).then(() => {
        rmSync(dir, { recursive: true, force: true });
        process.exit(0);
      });
    }
  });
  process.send!({ port: (proxy.server.address() as { port: number }).port });
}

/** Starts the child; resolves with the proxy's port and a way to set its latency. */
async function startServer(): Promise<{
  child: ChildProcess;
  port: number;
  setLatency: (ms: number) => Promise<void>;
}> {
  const child = fork(process.argv[1], ['--serve'], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve(m.port));
    child.once('exit', (code) => reject(new Error(`the s3rver process exited (${code})`)));
  });
  const setLatency = (ms: number) =>
    new Promise<void>((resolve) => {
      child.once('message', () => resolve());
      child.send({ latency: ms });
    });
  return { child, port, setLatency };
}

async function main(argv: string[]): Promise<void> {
  if (argv.includes('--serve')) return serve();
  const total = Number(flag(argv, 'objects', '480'));
  const latencies = numbers(flag(argv, 'latency', '30,40,60'), 'latency');
  const inFlight = numbers(flag(argv, 'in-flight', '1,8,16,32'), 'in-flight');
  const { config } = loadAccountsConfig('accounts.yaml');
  if (!config) throw new Error('accounts.yaml does not load');
  const content = loadDetectionContent(['rules'], config);
  const objects = buildObjects(total);
  const sizes = [...objects.bytes.values()].map((b) => b.length).sort((a, b) => a - b);
  const mean = sizes.reduce((a, b) => a + b, 0) / sizes.length;
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(1))
      .join(' ');
  process.stdout.write(
    `bench-hunt: ${objects.bytes.size} objects in ${objects.prefixes.length} day prefixes, ${objects.records} records ` +
      `(${(objects.records / objects.bytes.size).toFixed(0)} per object); gzip sizes median ${(sizes[sizes.length >> 1] / 1024).toFixed(1)} KiB, ` +
      `mean ${(mean / 1024).toFixed(1)} KiB, largest ${(sizes[sizes.length - 1] / 1024).toFixed(0)} KiB; ` +
      `${content.bundle.rules.length} rules; load average ${load()}\n`,
  );

  const server = await startServer();
  const s3 = new S3Client({
    endpoint: `http://127.0.0.1:${server.port}`,
    forcePathStyle: true,
    region: REGION,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  try {
    for (const [key, body] of objects.bytes)
      await s3.send(new PutObjectCommand({ Bucket: 'trail', Key: key, Body: body }));
    const items: HuntItem[] = objects.prefixes.map((prefix) => ({
      huntId: 'hunt-bench',
      prefix,
      since: `${DAY}T00:00:00.000Z`,
      until: `${DAY}T23:59:59.999Z`,
      mode: 'report',
      rules: [],
    }));
    const deps = (open: HuntWorkerDeps['open'], gets: number): HuntWorkerDeps => ({
      s3,
      trailBucket: 'trail',
      open,
      rules: content.bundle.rules,
      filters: content.bundle.filters,
      analyzerOptions: {
        policy: buildPolicy(config, content, 'rules'),
        directory: new StaticAccountDirectory(config),
      },
      remainingMs: () => 15 * 60_000,
      getsInFlight: gets,
    });
    const fromS3 = (bucket: string, key: string) => openObject(s3, bucket, key);
    const fromMemory = async (_bucket: string, key: string) => Readable.from([objects.bytes.get(key)!]);
    const rate = async (open: HuntWorkerDeps['open'], gets: number) => {
      const start = process.hrtime.bigint();
      const cpu0 = process.cpuUsage();
      const r = await huntBatch(items, deps(open, gets));
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const used = process.cpuUsage(cpu0);
      if (r.objects !== objects.bytes.size || r.unreadableObjects > 0 || r.damagedObjects > 0)
        throw new Error(
          `read ${r.objects} of ${objects.bytes.size} objects (${r.unreadableObjects} unread, ${r.damagedObjects} damaged)`,
        );
      return {
        perSecond: r.objects / seconds,
        perCpuSecond: r.objects / ((used.user + used.system) / 1e6),
        matches: r.matches,
      };
    };

    // Warm-up: the rules compile into functions V8 optimizes once they are hot.
    await rate(fromMemory, 16);
    await rate(fromMemory, 16);
    const cpu = await rate(fromMemory, 16);
    process.stdout.write(
      `  from memory (no S3): ${cpu.perSecond.toFixed(0)} objects/s, ${cpu.perCpuSecond.toFixed(0)} per CPU-second, ` +
        `${cpu.matches} matches (the model's CPU_OBJECTS_PER_SECOND is ${CPU_OBJECTS_PER_SECOND})\n`,
    );
    let perCpuSecond = Number.POSITIVE_INFINITY;
    for (const latency of latencies) {
      await server.setLatency(latency);
      const row: string[] = [];
      for (const gets of inFlight) {
        const r = await rate(fromS3, gets);
        if (gets >= 8) perCpuSecond = Math.min(perCpuSecond, r.perCpuSecond);
        row.push(`${gets} in flight ${r.perSecond.toFixed(0)} (${r.perCpuSecond.toFixed(0)} per CPU-s)`);
      }
      process.stdout.write(`  s3rver + ${latency} ms per request, objects/s per worker: ${row.join(', ')}\n`);
    }
    if (!Number.isFinite(perCpuSecond)) perCpuSecond = cpu.perCpuSecond;

    const share = Math.min(1, WORKER_MEMORY_MB / 1769);
    process.stdout.write(
      `\nModel (src/hunt/estimate.ts): ${MONTH.accounts} accounts x ${MONTH.regions} regions x ${MONTH.days} days x ` +
        `${MONTH.objectsPerDay} objects. A worker at ${WORKER_MEMORY_MB} MB has ${(share * 100).toFixed(0)}% of a vCPU; at the ` +
        `${perCpuSecond.toFixed(0)} objects per CPU-second measured through S3 (the slowest with 8 or more in flight) ` +
        `its CPU bound is ${(perCpuSecond * share).toFixed(0)} objects/s; load average now ${load()}\n`,
    );
    const size = {
      objects: MONTH.accounts * MONTH.regions * MONTH.days * MONTH.objectsPerDay,
      prefixes: MONTH.accounts * MONTH.regions * MONTH.days,
      recordsPerObject: objects.records / objects.bytes.size,
    };
    // Duration at each latency and concurrency; the cost hardly moves with them (CPU-bound).
    process.stdout.write(
      '  per GET  GETs in flight  objects/s per worker  hours at 50 / 100 / 200 workers\n',
    );
    for (const latency of [30, 40, 60])
      for (const gets of [8, 16, 32]) {
        const perWorker = workerRate({
          getsInFlight: gets,
          latencyMs: latency,
          cpuObjectsPerSecond: perCpuSecond,
        });
        const hours = [50, 100, 200].map((workers) =>
          estimateHunt(size, { workers, objectsPerSecondPerWorker: perWorker }).hours.toFixed(1),
        );
        process.stdout.write(
          `  ${`${latency} ms`.padEnd(7)}  ${String(gets).padEnd(14)}  ${perWorker.toFixed(0).padEnd(20)}  ${hours.join(' / ')}\n`,
        );
      }
    const perWorker = workerRate({ getsInFlight: 16, latencyMs: 40, cpuObjectsPerSecond: perCpuSecond });
    process.stdout.write(
      `At 40 ms, 16 GETs in flight, 200 workers:\n${describeEstimate(estimateHunt(size, { workers: 200, objectsPerSecondPerWorker: perWorker }), 40)}\n`,
    );
  } finally {
    s3.destroy();
    server.child.send({ stop: true });
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`bench-hunt: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
