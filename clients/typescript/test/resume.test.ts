// Resuming multipart uploads: an interrupted upload sends only what the store lacks,
// a completed one sends nothing, stale entries start over; and the two ResumeStores.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, test } from 'node:test';

import { TcoderClient, fileResumeStore, localStorageResumeStore } from '../src/index.js';
import type { ResumeStore, UploadOptions, UploadProgress } from '../src/index.js';
import { FakeServer, FakeUploads } from './fake-server.js';
import type { FakeUpload } from './fake-server.js';

const PART = 50_000;
const FAST_RETRY = { baseDelayMs: 1, maxDelayMs: 4 };

let server: FakeServer;
let uploads: FakeUploads;
let client: TcoderClient;
let dir: string;
let storeCount = 0;

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

before(async () => {
  server = await FakeServer.start();
  uploads = new FakeUploads(server, { partSize: PART });
  client = new TcoderClient({ baseUrl: server.baseUrl, apiKey: 'k4' });
  dir = await mkdtemp(join(tmpdir(), 'tcoder-resume-'));
});
afterEach(() => {
  uploads.onPartStored = undefined;
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

function newStoreDir(): string {
  return join(dir, `store-${++storeCount}`);
}

/** Starts a multipart upload and aborts it once `parts` parts are stored; resolves with its job. */
async function interrupted(input: string | Blob, store: ResumeStore, parts: number): Promise<FakeUpload> {
  const controller = new AbortController();
  const reason = new Error('interrupted');
  uploads.onPartStored = (job) => {
    if (job.parts.size >= parts) controller.abort(reason);
  };
  const options: UploadOptions = { multipart: true, concurrency: 1, resume: store, signal: controller.signal, retry: FAST_RETRY };
  await assert.rejects(client.upload(input, options), (e: unknown) => e === reason);
  uploads.onPartStored = undefined;
  const job = uploads.only();
  assert.equal(job.status, 'uploading', 'a resumable upload is not cancelled');
  assert.equal(job.parts.size, parts);
  return job;
}

function partsPut(job: FakeUpload, sinceIndex: number): number[] {
  return uploads.partPuts(job).slice(sinceIndex).map((r) => Number(r.url.searchParams.get('partNumber')));
}

/** A store in memory that counts its calls. */
function memoryStore(): ResumeStore & { map: Map<string, string>; calls: string[] } {
  const map = new Map<string, string>();
  const calls: string[] = [];
  return {
    map,
    calls,
    get: (key) => (calls.push('get'), map.get(key) ?? null),
    set: (key, value) => void (calls.push('set'), map.set(key, value)),
    delete: (key) => void (calls.push('delete'), map.delete(key)),
  };
}

test('an interrupted upload resumes: only the missing parts are sent, then it completes', async () => {
  const { path, data } = await file('resume.mp4', 8 * PART + 999);
  const storeDir = newStoreDir();
  const store = fileResumeStore(storeDir);
  const job = await interrupted(path, store, 3);
  assert.equal((await readdir(storeDir)).length, 1, 'the entry was kept');
  const uploadsBefore = server.seen('POST /api/upload').length;
  const putsBefore = uploads.partPuts(job).length;

  const progress: UploadProgress[] = [];
  const result = await client.upload(path, { resume: fileResumeStore(storeDir), onProgress: (p) => progress.push(p), retry: FAST_RETRY });
  assert.deepEqual(result, { jobId: job.jobId, inputKey: job.inputKey, uploadMethod: 'multipart', resumed: true, bytesSent: 5 * PART + 999 });
  assert.ok(result.bytesSent < data.length);
  assert.equal(server.seen('POST /api/upload').length, uploadsBefore, 'no new job');
  assert.equal(server.seen(`GET /api/uploads/${job.jobId}`).length, 1);
  assert.deepEqual(partsPut(job, putsBefore).sort((a, b) => a - b), [4, 5, 6, 7, 8, 9]);
  assert.equal(job.status, 'queued');
  assert.equal(sha256(job.input ?? Buffer.alloc(0)), sha256(data));
  assert.deepEqual(progress[0], { loaded: 3 * PART, total: data.length, partsDone: 3, partCount: 9 }, 'starts at what the store has');
  assert.deepEqual(progress.at(-1), { loaded: data.length, total: data.length, partsDone: 9, partCount: 9 });
  assert.deepEqual(await readdir(storeDir), [], 'the entry is gone once completed');
});

test('a part of the wrong size in the store is sent again', async () => {
  const { path, data } = await file('short.mp4', 4 * PART);
  const store = memoryStore();
  const job = await interrupted(path, store, 2);
  job.parts.set(1, (job.parts.get(1) as Buffer).subarray(0, 10));
  const putsBefore = uploads.partPuts(job).length;
  const result = await client.upload(path, { resume: store, retry: FAST_RETRY });
  assert.deepEqual(partsPut(job, putsBefore).sort(), [1, 3, 4]);
  assert.equal(result.bytesSent, 3 * PART);
  assert.equal(sha256(job.input ?? Buffer.alloc(0)), sha256(data));
});

test('a File resumes too, with a localStorage store', async () => {
  const items = new Map<string, string>();
  const storage = { getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => void items.set(k, v), removeItem: (k: string) => void items.delete(k) };
  const data = randomBytes(5 * PART);
  const input = new File([data], 'browser.webm', { type: 'video/webm', lastModified: 1_700_000_000_000 });
  const job = await interrupted(input, localStorageResumeStore('t:', storage), 2);
  assert.deepEqual([...items.keys()].map((k) => k.startsWith('t:tcoder-upload ')), [true]);
  assert.equal(JSON.parse([...items.values()][0] ?? '').jobId, job.jobId);
  const again = new File([data], 'browser.webm', { type: 'video/webm', lastModified: 1_700_000_000_000 });
  const result = await client.upload(again, { resume: localStorageResumeStore('t:', storage), retry: FAST_RETRY });
  assert.equal(result.resumed, true);
  assert.equal(result.bytesSent, 3 * PART);
  assert.equal(sha256(job.input ?? Buffer.alloc(0)), sha256(data));
  assert.equal(items.size, 0);
});

test('when the job already completed, resume sends nothing and returns it', async () => {
  const { path } = await file('done.mp4', 3 * PART);
  const store = memoryStore();
  let failDelete = true;
  const forgetful: ResumeStore = {
    get: store.get,
    set: store.set,
    delete: (key) => {
      if (failDelete) throw new Error('disk full');
      return store.delete(key);
    },
  };
  const first = await client.upload(path, { multipart: true, resume: forgetful });
  assert.equal(store.map.size, 1, 'the entry outlived the complete (as after a crash)');
  failDelete = false;
  const requestsBefore = server.requests.length;
  const progress: UploadProgress[] = [];
  const again = await client.upload(path, { resume: forgetful, onProgress: (p) => progress.push(p) });
  assert.deepEqual(again, { ...first, resumed: true, bytesSent: 0 });
  assert.deepEqual(server.requests.slice(requestsBefore).map((r) => `${r.method} ${r.path}`), [`GET /api/uploads/${first.jobId}`]);
  assert.deepEqual(progress, [{ loaded: 3 * PART, total: 3 * PART }]);
  assert.equal(store.map.size, 0);
});

test("a failed job's stale entry is forgotten and a new upload starts", async () => {
  const { path, data } = await file('failed.mp4', 3 * PART);
  const store = memoryStore();
  const old = await interrupted(path, store, 1);
  old.status = 'failed';
  const result = await client.upload(path, { resume: store, retry: FAST_RETRY });
  assert.notEqual(result.jobId, old.jobId);
  assert.equal(result.resumed, false);
  assert.equal(result.bytesSent, data.length);
  assert.equal(sha256(uploads.only().input ?? Buffer.alloc(0)), sha256(data));
  assert.equal(store.map.size, 0);
});

test('an unknown job (404) starts over too', async () => {
  const { path } = await file('gone.mp4', 2 * PART);
  const store = memoryStore();
  const old = await interrupted(path, store, 1);
  uploads.forget(old.jobId);
  const result = await client.upload(path, { resume: store, retry: FAST_RETRY });
  assert.notEqual(result.jobId, old.jobId);
  assert.equal(result.resumed, false);
});

test('a file changed since (another mtime) is a new upload', async () => {
  const { path } = await file('changed.mp4', 2 * PART);
  const store = memoryStore();
  const old = await interrupted(path, store, 1);
  await utimes(path, new Date(), new Date(Date.now() + 5000));
  const result = await client.upload(path, { resume: store, retry: FAST_RETRY });
  assert.notEqual(result.jobId, old.jobId);
  assert.equal(store.map.size, 1, 'the old entry stays under its own key');
});

test('an outage while looking up the entry is thrown and the entry kept', async () => {
  const { path } = await file('outage.mp4', 2 * PART);
  const store = memoryStore();
  const old = await interrupted(path, store, 1);
  server.on(`GET /api/uploads/${old.jobId}`, (_req, res) => void res.writeHead(503, { 'Content-Type': 'application/json' }).end('{"error":"redis down"}'));
  await assert.rejects(client.upload(path, { resume: store }), /redis down/);
  assert.equal(store.map.size, 1);
});

test('bytes in memory have no identity: the store is not used', async () => {
  const store = memoryStore();
  const result = await client.upload(randomBytes(2 * PART), { filename: 'mem.mp4', multipart: true, resume: store });
  assert.equal(result.uploadMethod, 'multipart');
  assert.deepEqual(store.calls, []);
});

test('fileResumeStore: one JSON file per key, named by its SHA-256, no temp files left', async () => {
  const storeDir = newStoreDir();
  const store = fileResumeStore(storeDir);
  assert.equal(await store.get('a key'), null, 'nothing yet, and no directory needed for that');
  await store.set('a key', '{"x":1}');
  await store.set('a key', '{"x":2}');
  await store.set('other', 'v');
  const name = `${createHash('sha256').update('a key').digest('hex')}.json`;
  assert.deepEqual((await readdir(storeDir)).sort(), [name, `${createHash('sha256').update('other').digest('hex')}.json`].sort());
  assert.deepEqual(JSON.parse(await readFile(join(storeDir, name), 'utf8')), { key: 'a key', value: '{"x":2}' });
  assert.equal(await store.get('a key'), '{"x":2}');
  await store.delete('a key');
  await store.delete('a key');
  assert.equal(await store.get('a key'), null);
  await writeFile(join(storeDir, `${createHash('sha256').update('other').digest('hex')}.json`), 'not json');
  assert.equal(await store.get('other'), null, 'a damaged file reads as no entry');
});

test('localStorageResumeStore needs a localStorage', () => {
  assert.throws(() => localStorageResumeStore(), TypeError);
});
