// BullMQ measured the way `tcoder bench queue` measures tcoder's queue
// (src/state/queue_bench.cc), on the Redis given:
//   pickup: one worker (concurrency 1) waits for a job; the main loop waits
//     2 ms, takes the time, adds one job, and the processor takes the time
//     when it is handed the job; the next sample starts once it completed.
//   throughput: N jobs added first (addBulk, not timed); then C consumers
//     process them with no work until all N have completed. Consumers are
//     C workers of concurrency 1, one connection each (as tcoder's C
//     claimer threads), or with --one-worker one worker of concurrency C.
// Usage: node queue_bench.mjs REDIS_URL [--jobs N] [--concurrency C] [--samples S] [--one-worker]
// The last line printed is {"pickup_p50_ms":..,"pickup_p99_ms":..,"jobs_per_s":..}.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Queue, Worker } from 'bullmq';
import IORedis from 'ioredis';

function parse(argv) {
  const o = { url: argv[0], jobs: 20000, concurrency: 8, samples: 1000, oneWorker: false };
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--jobs') o.jobs = Number(argv[++i]);
    else if (a === '--concurrency') o.concurrency = Number(argv[++i]);
    else if (a === '--samples') o.samples = Number(argv[++i]);
    else if (a === '--one-worker') o.oneWorker = true;
    else throw new Error(`unknown argument ${a}`);
  }
  if (!o.url || !(o.jobs > 0) || !(o.concurrency > 0) || !(o.samples > 0)) {
    throw new Error('usage: node queue_bench.mjs REDIS_URL [--jobs N] [--concurrency C] [--samples S] [--one-worker]');
  }
  return o;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
const connection = (url) => new IORedis(url, { maxRetriesPerRequest: null });

function percentile(values, p) {
  const v = [...values].sort((a, b) => a - b);
  return v[Math.min(v.length - 1, Math.floor(p * v.length))];
}

async function measurePickup(url, name, samples) {
  const queue = new Queue(name, { connection: connection(url) });
  let resolveOne;
  const latencies = [];
  let start = 0;
  const worker = new Worker(
    name,
    async () => {
      latencies.push(nowMs() - start);
    },
    { connection: connection(url), concurrency: 1 },
  );
  worker.on('completed', () => resolveOne());
  await worker.waitUntilReady();
  await sleep(200);  // the worker's first fetch is under way
  for (let i = 0; i < samples; i++) {
    const completed = new Promise((r) => { resolveOne = r; });
    await sleep(2);  // the worker is blocked waiting for a job
    start = nowMs();
    await queue.add('bench', { i });
    await completed;
  }
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return latencies;
}

async function measureThroughput(url, name, jobs, concurrency, oneWorker) {
  const queue = new Queue(name, { connection: connection(url) });
  for (let i = 0; i < jobs; i += 1000) {
    const batch = [];
    for (let j = i; j < Math.min(jobs, i + 1000); j++) batch.push({ name: 'bench', data: { i: j } });
    await queue.addBulk(batch);
  }
  let done = 0;
  let finish;
  const all = new Promise((r) => { finish = r; });
  const onCompleted = () => { if (++done === jobs) finish(); };
  const workers = [];
  const start = nowMs();
  const shape = oneWorker ? [concurrency] : Array(concurrency).fill(1);
  for (const c of shape) {
    const w = new Worker(name, async () => {}, { connection: connection(url), concurrency: c });
    w.on('completed', onCompleted);
    workers.push(w);
  }
  await all;
  const seconds = (nowMs() - start) / 1000;
  await Promise.all(workers.map((w) => w.close()));
  const counts = await queue.getJobCounts('completed', 'wait', 'active', 'failed');
  await queue.obliterate({ force: true });
  await queue.close();
  if (counts.completed !== jobs) throw new Error(`completed ${counts.completed} of ${jobs}: ${JSON.stringify(counts)}`);
  return jobs / seconds;
}

const o = parse(process.argv.slice(2));
const name = `bench-${randomBytes(6).toString('hex')}`;
const shape = o.oneWorker ? `one worker of concurrency ${o.concurrency}` : `${o.concurrency} workers of concurrency 1`;
console.log(`method: BullMQ ${JSON.parse(readFileSync(new URL('./node_modules/bullmq/package.json', import.meta.url))).version} on ${o.url}`);
console.log(`method: pickup = queue.add -> the processor is called, one worker waiting; ${o.samples} jobs one at a time, 2 ms apart`);
console.log(`method: throughput = ${o.jobs} jobs added first, then ${shape} process them with no work`);
const latencies = await measurePickup(o.url, `${name}-pickup`, Math.min(o.samples, o.jobs));
const rate = await measureThroughput(o.url, `${name}-rate`, o.jobs, o.concurrency, o.oneWorker);
const result = { pickup_p50_ms: percentile(latencies, 0.5), pickup_p99_ms: percentile(latencies, 0.99), jobs_per_s: rate };
console.log(`pickup: p50 ${result.pickup_p50_ms.toFixed(3)} ms, p99 ${result.pickup_p99_ms.toFixed(3)} ms`);
console.log(`throughput: ${rate.toFixed(0)} jobs/s (${shape})`);
console.log(JSON.stringify(result));
process.exit(0);
