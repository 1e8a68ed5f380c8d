// The built SDK (dist/, imported by its package name) against a running stack:
// uploads from memory and from a path with progress, a multipart upload that is
// interrupted and resumed, waitForCompletion over the live event stream,
// getStatus, listJobs, cancel, and the typed errors.
//   TCODER_URL=http://127.0.0.1:8787 TCODER_API_KEY=... npm run test:live
// Not part of `npm test` (which needs no stack).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import {
  AuthError,
  ConflictError,
  ConnectionError,
  JobFailedError,
  NotFoundError,
  TcoderClient,
  ValidationError,
  fileResumeStore,
} from 'tcoder-client';
import type { Job, JobProgress, UploadOptions, UploadProgress } from 'tcoder-client';

const BASE_URL = process.env.TCODER_URL ?? '';
const API_KEY = process.env.TCODER_API_KEY ?? '';
const JOB_TIMEOUT_MS = Number(process.env.TCODER_JOB_TIMEOUT_MS ?? 180_000);

let client: TcoderClient;
let dir: string;
const jobIds: string[] = [];

/** An H.264/AAC MP4 made with ffmpeg's test sources. */
function makeClip(name: string, size: string, seconds: number): string {
  const path = join(dir, name);
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=s=${size}:d=${seconds}:r=25`, '-f', 'lavfi',
    '-i', `sine=d=${seconds}`, '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-shortest', path]);
  return path;
}

/** A clip padded to exactly `bytes` with a trailing MP4 `free` box, which demuxers skip. */
function makePaddedClip(name: string, bytes: number): string {
  const path = makeClip(name, '320x240', 2);
  const pad = bytes - statSync(path).size;
  const header = Buffer.alloc(8);
  header.writeUInt32BE(pad, 0);
  header.write('free', 4, 'latin1');
  appendFileSync(path, Buffer.concat([header, Buffer.alloc(pad - 8)]));
  return path;
}

function checkUploadProgress(progress: UploadProgress[], size: number): void {
  assert.ok(progress.length > 0, 'the progress callback was called');
  assert.ok(progress.every((p, i) => p.total === size && (i === 0 || p.loaded >= progress[i - 1]!.loaded)), JSON.stringify(progress));
  assert.deepEqual(progress.at(-1), { loaded: size, total: size });
}

/** Follows the job to its end, checking what onProgress reported on the way. */
async function completes(jobId: string): Promise<Job> {
  const seen: JobProgress[] = [];
  const job = await client.waitForCompletion(jobId, { onProgress: (p) => seen.push(p), timeoutMs: JOB_TIMEOUT_MS });
  assert.equal(job.status, 'completed');
  assert.equal(job.jobId, jobId);
  assert.ok(seen.length > 0, 'onProgress was called');
  assert.ok(seen.every((p) => p.jobId === jobId));
  assert.deepEqual([seen.at(-1)?.status, seen.at(-1)?.progress], ['completed', 100]);
  return job;
}

async function playlistPlays(job: Job): Promise<void> {
  assert.ok(job.playlistUrl, JSON.stringify(job));
  const response = await fetch(job.playlistUrl);
  assert.equal(response.status, 200);
  assert.match(await response.text(), /^#EXTM3U/);
}

before(() => {
  assert.ok(BASE_URL && API_KEY, 'set TCODER_URL and TCODER_API_KEY to the running stack');
  client = new TcoderClient({ baseUrl: BASE_URL, apiKey: API_KEY });
  dir = mkdtempSync(join(tmpdir(), 'tcoder-sdk-live-'));
});

after(() => rmSync(dir, { recursive: true, force: true }));

test('upload of a Buffer with progress, then waitForCompletion over the event stream', async () => {
  const data = readFileSync(makeClip('buffer.mp4', '320x240', 2));
  const progress: UploadProgress[] = [];
  const { jobId, inputKey } = await client.upload(data, {
    filename: 'sdk-buffer.mp4',
    preset: 'hls',
    outputQualities: ['240p'],
    onProgress: (p) => progress.push(p),
  });
  jobIds.push(jobId);
  assert.match(inputKey, /sdk-buffer\.mp4$/);
  checkUploadProgress(progress, data.length);
  const job = await completes(jobId);
  assert.equal(job.filename, 'sdk-buffer.mp4');
  assert.equal(job.preset, 'hls');
  await playlistPlays(job);
  // The live stream itself: an ended job's stream answers and closes.
  const events = await client.openEvents(jobId, undefined);
  assert.equal(events.status, 200);
  assert.match(events.headers.get('content-type') ?? '', /^text\/event-stream/);
  assert.match(await events.text(), /completed/);
});

test('upload of a path with progress; getStatus and listJobs show the job', async () => {
  const path = makeClip('sdk-path.mp4', '320x240', 2);
  const progress: UploadProgress[] = [];
  const { jobId } = await client.upload(path, { onProgress: (p) => progress.push(p) });
  jobIds.push(jobId);
  checkUploadProgress(progress, statSync(path).size);
  const early = await client.getStatus(jobId);
  assert.equal(early.jobId, jobId);
  assert.equal(early.filename, 'sdk-path.mp4');
  await playlistPlays(await completes(jobId));
  assert.equal((await client.getStatus(jobId)).status, 'completed');

  const listed = await client.listJobs({ limit: 100 });
  for (const id of jobIds) assert.ok(listed.jobs.some((j) => j.jobId === id), `${id} is listed`);
  const completed = await client.listJobs({ status: 'completed', limit: 100 });
  assert.ok(completed.jobs.some((j) => j.jobId === jobId));
  assert.ok(completed.jobs.every((j) => j.status === 'completed'));
});

test('cancel: the job ends cancelled and waitForCompletion rejects with JobFailedError', async () => {
  const { jobId } = await client.upload(makeClip('cancel.mp4', '1280x720', 8));
  await client.cancel(jobId);
  await assert.rejects(client.waitForCompletion(jobId, { timeoutMs: JOB_TIMEOUT_MS }),
    (e: unknown) => e instanceof JobFailedError && e.jobStatus === 'cancelled' && e.jobId === jobId);
  assert.equal((await client.getStatus(jobId)).status, 'cancelled');
});

test('a file that is not a video: the job fails with its reason', async () => {
  const { jobId } = await client.upload(Buffer.from('not a video at all\n'), { filename: 'notes.mp4' });
  await assert.rejects(client.waitForCompletion(jobId, { timeoutMs: JOB_TIMEOUT_MS }),
    (e: unknown) => e instanceof JobFailedError && e.jobStatus === 'failed' && /not a video/.test(e.error ?? ''));
});

test('typed errors from the live API', async () => {
  const wrongKey = new TcoderClient({ baseUrl: BASE_URL, apiKey: 'not-the-key-not-the-key' });
  await assert.rejects(wrongKey.listJobs(), (e: unknown) => e instanceof AuthError && e.status === 401);
  await assert.rejects(wrongKey.getStatus(jobIds[0] ?? 'j_x'), AuthError);
  await assert.rejects(client.getStatus('j_doesnotexist0000000000'), (e: unknown) => e instanceof NotFoundError && e.status === 404);
  await assert.rejects(client.cancel('j_doesnotexist0000000000'), NotFoundError);
  await assert.rejects(client.upload(Buffer.from('x'), { filename: 'a.mp4', preset: 'no-such-preset' as 'hls' }),
    (e: unknown) => e instanceof ValidationError && e.status === 400 && /preset/.test(e.message));
  if (jobIds[0]) await assert.rejects(client.retry(jobIds[0]), (e: unknown) => e instanceof ConflictError && e.status === 409);
  const nowhere = new TcoderClient({ baseUrl: 'http://127.0.0.1:1', apiKey: API_KEY });
  await assert.rejects(nowhere.stats(), (e: unknown) => e instanceof ConnectionError && e.status === 0);
});

test('a multipart upload interrupted after its first part resumes from a fileResumeStore and completes', async () => {
  // 40 MiB: three parts at the default part size of 16 MiB.
  const size = 40 * 1024 * 1024 + 12_345;
  const path = makePaddedClip('sdk-multipart.mp4', size);
  const storeDir = join(dir, 'resume');
  const controller = new AbortController();
  const reason = new Error('interrupted on purpose');
  const first: UploadProgress[] = [];
  const interrupt = (p: UploadProgress): void => {
    first.push(p);
    if ((p.partsDone ?? 0) >= 1) controller.abort(reason);
  };
  const options: UploadOptions = { multipart: true, preset: 'hls', outputQualities: ['240p'] };
  await assert.rejects(
    client.upload(path, { ...options, concurrency: 1, resume: fileResumeStore(storeDir), signal: controller.signal, onProgress: interrupt }),
    (e: unknown) => e === reason,
  );
  const partCount = first.at(-1)?.partCount ?? 0;
  assert.ok(partCount >= 2, `a multipart upload of ${partCount} parts`);
  assert.equal(readdirSync(storeDir).length, 1, 'the interrupted upload is remembered');

  const progress: UploadProgress[] = [];
  const result = await client.upload(path, { ...options, resume: fileResumeStore(storeDir), onProgress: (p) => progress.push(p) });
  jobIds.push(result.jobId);
  assert.equal(result.uploadMethod, 'multipart');
  assert.equal(result.resumed, true);
  assert.ok(result.bytesSent > 0 && result.bytesSent < size, `sent ${result.bytesSent} of ${size} bytes again`);
  assert.ok((progress[0]?.loaded ?? 0) > 0, 'progress starts at the parts already stored');
  assert.deepEqual(progress.at(-1), { loaded: size, total: size, partsDone: partCount, partCount });
  assert.deepEqual(readdirSync(storeDir), [], 'the entry is dropped once the upload is complete');
  const job = await completes(result.jobId);
  assert.equal(job.filename, 'sdk-multipart.mp4');
  await playlistPlays(job);
});
