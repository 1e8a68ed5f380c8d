// Multipart uploads against FakeUploads: the parts and their bytes, the concurrency
// bound, retries of one part, re-signing after 403, URLs past part 1000, abort,
// progress, complete finding parts missing, and the browser path (XMLHttpRequest).

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, afterEach, before, test } from 'node:test';

import { ConnectionError, TcoderClient, UploadError } from '../src/index.js';
import type { UploadOptions, UploadProgress } from '../src/index.js';
import { FakeServer, FakeUploads } from './fake-server.js';
import type { FakeUpload } from './fake-server.js';

const PART = 100_000;
const THRESHOLD = 1_000_000;
const FAST_RETRY = { baseDelayMs: 1, maxDelayMs: 4 };

let server: FakeServer;
let uploads: FakeUploads;
let client: TcoderClient;
let dir: string;

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

before(async () => {
  server = await FakeServer.start();
  uploads = new FakeUploads(server, { partSize: PART, threshold: THRESHOLD });
  client = new TcoderClient({ baseUrl: server.baseUrl, apiKey: 'k3' });
  dir = await mkdtemp(join(tmpdir(), 'tcoder-multipart-'));
});
afterEach(() => {
  uploads.clearFaults();
  uploads.options.putDelayMs = 0;
  uploads.onPartStored = undefined;
  uploads.beforeComplete = undefined;
  uploads.ticketUrlsExpired = false;
});
after(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, size: number): Promise<{ path: string; data: Buffer }> {
  const data = randomBytes(size);
  const path = join(dir, name);
  await writeFile(path, data);
  return { path, data };
}

/** Each part of the upload was PUT this many times, by part number. */
function putsPerPart(job: FakeUpload): Map<number, number> {
  const counts = new Map<number, number>();
  for (const put of uploads.partPuts(job)) {
    const n = Number(put.url.searchParams.get('partNumber'));
    counts.set(n, (counts.get(n) ?? 0) + 1);
  }
  return counts;
}

function checkEndsAtSize(progress: UploadProgress[], size: number, partCount: number): void {
  assert.ok(progress.length > 0);
  assert.ok(progress.every((p) => p.total === size && p.loaded >= 0 && p.loaded <= size));
  assert.deepEqual(progress.at(-1), { loaded: size, total: size, partsDone: partCount, partCount });
}

function upload(input: string | Blob | Uint8Array, options: UploadOptions = {}): ReturnType<TcoderClient['upload']> {
  return client.upload(input, { retry: FAST_RETRY, ...options });
}

test('multipart: true sends a path in parts that reassemble byte for byte', async () => {
  const { path, data } = await file('parts.mp4', 10 * PART + 1234);
  const progress: UploadProgress[] = [];
  const result = await upload(path, { multipart: true, preset: 'hls', onProgress: (p) => progress.push(p) });
  const job = uploads.only();
  assert.deepEqual(result, { jobId: job.jobId, inputKey: job.inputKey, uploadMethod: 'multipart', resumed: false, bytesSent: data.length });
  const create = server.seen('POST /api/upload').at(-1);
  assert.deepEqual(JSON.parse(create?.body.toString() ?? ''), {
    filename: 'parts.mp4', contentType: 'video/mp4', size: data.length, preset: 'hls', multipart: true,
  });
  assert.equal(job.partCount, 11);
  assert.equal(job.status, 'queued');
  assert.equal(sha256(job.input ?? Buffer.alloc(0)), sha256(data), 'the parts are the file, in order, nothing more');
  for (const put of uploads.partPuts(job)) {
    const n = Number(put.url.searchParams.get('partNumber'));
    assert.equal(put.body.length, n === 11 ? 1234 : PART);
    assert.equal(put.headers['content-type'], undefined, 'no Content-Type: it is not signed');
    assert.equal(put.headers.authorization, undefined, 'the API key never goes to storage');
  }
  assert.deepEqual([...putsPerPart(job).values()], Array(11).fill(1));
  const [complete] = server.seen(`POST /api/uploads/${job.jobId}/complete`);
  assert.deepEqual(JSON.parse(complete?.body.toString() ?? ''), {});
  for (let i = 1; i < progress.length; i++) assert.ok(progress[i]!.loaded >= progress[i - 1]!.loaded, 'no failure, no step back');
  checkEndsAtSize(progress, data.length, 11);
});

test('above the threshold the server picks multipart unasked; a File is sliced', async () => {
  const data = randomBytes(THRESHOLD + 5);
  const result = await upload(new File([data], 'big.webm', { type: 'video/webm' }));
  const job = uploads.only();
  assert.equal(result.uploadMethod, 'multipart');
  assert.equal(JSON.parse(server.seen('POST /api/upload').at(-1)?.body.toString() ?? '').multipart, undefined);
  assert.equal(sha256(job.input ?? Buffer.alloc(0)), sha256(data));
});

test('below the threshold it is still one PUT', async () => {
  const data = randomBytes(5000);
  const result = await upload(data, { filename: 'small.mp4' });
  assert.equal(result.uploadMethod, 'PUT');
  assert.equal(sha256(uploads.only().input ?? Buffer.alloc(0)), sha256(data));
});

test('at most `concurrency` parts are in flight (default 4)', async () => {
  uploads.options.putDelayMs = 25;
  const { path } = await file('bound.mp4', 12 * PART);
  uploads.maxInFlight = 0;
  await upload(path, { multipart: true, concurrency: 3 });
  assert.equal(uploads.maxInFlight, 3);
  uploads.maxInFlight = 0;
  await upload(path, { multipart: true });
  assert.equal(uploads.maxInFlight, 4);
});

test('a part that fails (500, then a dropped connection) is retried alone', async () => {
  const { path, data } = await file('flaky.mp4', 6 * PART + 7);
  uploads.fail(3, 500);
  uploads.fail(3, 'drop');
  const progress: UploadProgress[] = [];
  const result = await upload(path, { multipart: true, onProgress: (p) => progress.push(p) });
  const job = uploads.only();
  assert.deepEqual(Object.fromEntries(putsPerPart(job)), { 1: 1, 2: 1, 3: 3, 4: 1, 5: 1, 6: 1, 7: 1 });
  assert.equal(result.bytesSent, data.length, 'a part sent three times counts once');
  assert.equal(sha256(job.input ?? Buffer.alloc(0)), sha256(data));
  const drops = progress.filter((p, i) => i > 0 && p.loaded < progress[i - 1]!.loaded);
  assert.ok(drops.length <= 2, 'progress steps back only when a part fails');
  for (let i = 1; i < progress.length; i++) assert.ok(progress[i - 1]!.loaded - progress[i]!.loaded <= PART);
  checkEndsAtSize(progress, data.length, 7);
});

test('a part failing every try fails the upload after 5 tries and the job is cancelled', async () => {
  const { path } = await file('broken.mp4', 3 * PART);
  uploads.fail(2, 500, 99);
  await assert.rejects(upload(path, { multipart: true }), (e: unknown) => e instanceof UploadError && e.status === 500 && /InternalError/.test(e.message));
  const job = uploads.only();
  assert.equal(putsPerPart(job).get(2), 5);
  assert.equal(job.status, 'cancelled', 'DELETE /api/jobs/{id} was sent');
  assert.equal(server.seen(`POST /api/uploads/${job.jobId}/complete`).length, 0);
});

test('a dropped connection every time is a ConnectionError after the tries', async () => {
  const { path } = await file('dropped.mp4', 2 * PART);
  uploads.fail(1, 'drop', 99);
  await assert.rejects(upload(path, { multipart: true, retry: { ...FAST_RETRY, attempts: 2 } }), ConnectionError);
  assert.equal(putsPerPart(uploads.only()).get(1), 2);
});

test('expired URLs (403): one request to partsUrl re-signs them all; parts not yet tried skip the stale ones', async () => {
  const { path, data } = await file('expired.mp4', 5 * PART);
  uploads.ticketUrlsExpired = true;
  await upload(path, { multipart: true, concurrency: 2 });
  const job = uploads.only();
  const refresh = server.seen(`POST /api/uploads/${job.jobId}/parts`);
  assert.equal(refresh.length, 1);
  assert.deepEqual((JSON.parse(refresh[0]?.body.toString() ?? '').partNumbers as number[]).sort(), [1, 2, 3, 4, 5]);
  assert.deepEqual(Object.fromEntries(putsPerPart(job)), { 1: 2, 2: 2, 3: 1, 4: 1, 5: 1 }, 'the two in flight are sent again');
  assert.equal(sha256(job.input ?? Buffer.alloc(0)), sha256(data));
});

test('a 403 on a fresh URL too fails the upload: the URL is re-signed only once', async () => {
  const { path } = await file('denied.mp4', 2 * PART);
  uploads.fail(1, 403, 2);
  await assert.rejects(upload(path, { multipart: true }), (e: unknown) => e instanceof UploadError && e.status === 403);
  const job = uploads.only();
  assert.equal(putsPerPart(job).get(1), 2);
  assert.equal(server.seen(`POST /api/uploads/${job.jobId}/parts`).length, 1);
});

test('parts past 1000 get their URLs from partsUrl, at most 1000 per request', async () => {
  const tiny = await FakeServer.start();
  const tinyUploads = new FakeUploads(tiny, { partSize: 10 });
  const data = randomBytes(2100 * 10 - 3);
  try {
    const viaTiny = new TcoderClient({ baseUrl: tiny.baseUrl, apiKey: 'k' });
    await viaTiny.upload(data, { filename: 'many.mp4', multipart: true, concurrency: 16 });
    const job = tinyUploads.only();
    assert.equal(job.partCount, 2100);
    const asked = tiny.seen(`POST /api/uploads/${job.jobId}/parts`).map((r) => JSON.parse(r.body.toString()).partNumbers as number[]);
    assert.deepEqual(asked.map((a) => a.length), [1000, 100]);
    assert.deepEqual(asked.flat(), Array.from({ length: 1100 }, (_, i) => 1001 + i));
    assert.equal(tiny.seen('PUT /s3/part').length, 2100);
    assert.equal(sha256(job.input ?? Buffer.alloc(0)), sha256(data));
  } finally {
    await tiny.close();
  }
});

test('aborting stops the parts in flight, rejects with the reason and cancels the job', async () => {
  uploads.options.putDelayMs = 30;
  const { path } = await file('abort.mp4', 20 * PART);
  const controller = new AbortController();
  const reason = new Error('user stopped it');
  uploads.onPartStored = () => controller.abort(reason);
  await assert.rejects(upload(path, { multipart: true, signal: controller.signal }), (e: unknown) => e === reason);
  const job = uploads.only();
  const sent = uploads.partPuts(job).length;
  assert.ok(sent <= 8, `no new part starts after the abort (${sent} PUTs)`);
  await delay(100);
  assert.equal(uploads.partPuts(job).length, sent);
  assert.equal(server.seen(`POST /api/uploads/${job.jobId}/complete`).length, 0);
  assert.equal(job.status, 'cancelled');
});

test('complete finding a part missing: the client asks which and sends it again', async () => {
  const { path, data } = await file('lost.mp4', 4 * PART);
  let lost = false;
  uploads.beforeComplete = (job) => {
    if (!lost) job.parts.delete(2);
    lost = true;
  };
  const result = await upload(path, { multipart: true });
  const job = uploads.only();
  assert.equal(putsPerPart(job).get(2), 2);
  assert.equal(server.seen(`POST /api/uploads/${job.jobId}/complete`).length, 2);
  assert.equal(server.seen(`GET /api/uploads/${job.jobId}`).length, 1);
  assert.equal(result.bytesSent, data.length + PART);
  assert.equal(sha256(job.input ?? Buffer.alloc(0)), sha256(data));
});

test('a bad concurrency or retry option is refused before any request', async () => {
  const before = server.requests.length;
  await assert.rejects(client.upload(Buffer.from('x'), { filename: 'a.mp4', concurrency: 0 }), TypeError);
  await assert.rejects(client.upload(Buffer.from('x'), { filename: 'a.mp4', retry: { attempts: 0 } }), TypeError);
  assert.equal(server.requests.length, before);
});

/** Enough of XMLHttpRequest for upload.ts, carried out with fetch. */
class FakeXhr {
  static sent: Array<{ method: string; headers: Record<string, string>; size: number }> = [];
  readonly upload: { onprogress: ((e: { loaded: number; total: number; lengthComputable: boolean }) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  status = 0;
  responseText = '';
  private method = '';
  private url = '';
  private readonly headers: Record<string, string> = {};
  private readonly controller = new AbortController();

  open(method: string, url: string): void {
    this.method = method;
    this.url = url;
  }

  setRequestHeader(name: string, value: string): void {
    this.headers[name] = value;
  }

  abort(): void {
    this.controller.abort();
  }

  send(body: Blob): void {
    FakeXhr.sent.push({ method: this.method, headers: { ...this.headers }, size: body.size });
    fetch(this.url, { method: this.method, body, headers: this.headers, signal: this.controller.signal }).then(
      async (response) => {
        this.upload.onprogress?.({ loaded: body.size, total: body.size, lengthComputable: true });
        this.status = response.status;
        this.responseText = await response.text();
        this.onload?.();
      },
      () => (this.controller.signal.aborted ? this.onabort?.() : this.onerror?.()),
    );
  }
}

test('in a browser each part of a Blob goes through XMLHttpRequest, without Content-Type', async () => {
  const global = globalThis as { XMLHttpRequest?: unknown };
  global.XMLHttpRequest = FakeXhr;
  FakeXhr.sent = [];
  try {
    const data = randomBytes(3 * PART + 10);
    uploads.fail(2, 500);
    const progress: UploadProgress[] = [];
    await upload(new File([data], 'tab.webm', { type: 'video/webm' }), { multipart: true, onProgress: (p) => progress.push(p) });
    const job = uploads.only();
    assert.equal(sha256(job.input ?? Buffer.alloc(0)), sha256(data));
    assert.deepEqual(FakeXhr.sent.map((x) => x.size).sort((a, b) => a - b), [10, PART, PART, PART, PART], 'part 2 twice');
    assert.ok(FakeXhr.sent.every((x) => x.method === 'PUT' && Object.keys(x.headers).length === 0));
    assert.ok(uploads.partPuts(job).every((r) => r.headers['content-type'] === undefined));
    checkEndsAtSize(progress, data.length, 4);
  } finally {
    delete global.XMLHttpRequest;
  }
});
