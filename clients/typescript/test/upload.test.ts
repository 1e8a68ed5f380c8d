import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { TcoderClient, UploadError, ValidationError } from '../src/index.js';
import type { UploadProgress } from '../src/index.js';
import { FakeServer, json } from './fake-server.js';

let server: FakeServer;
let client: TcoderClient;
let dir: string;

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

before(async () => {
  server = await FakeServer.start();
  client = new TcoderClient({ baseUrl: server.baseUrl, apiKey: 'k1' });
  dir = await mkdtemp(join(tmpdir(), 'tcoder-client-'));
  let next = 1;
  server.on('POST /api/upload', (req, res) => {
    const { filename, size } = JSON.parse(req.body.toString()) as { filename: string; size: number };
    if (size > 1e9) return json(res, 413, { error: 'upload too large', details: { max: 1e9 } });
    const jobId = `j_${next++}`;
    const uploadUrl = `${server.baseUrl}/s3/put?job=${jobId}&name=${encodeURIComponent(filename)}&X-Amz-Signature=abc`;
    json(res, 200, { jobId, uploadUrl, expiresAt: '2026-01-01T01:00:00Z', inputKey: `uploads/${jobId}/${filename}` });
  });
  server.on('PUT /s3/put', (req, res) => {
    if (req.url.searchParams.get('name')?.startsWith('refuse')) {
      res.writeHead(403, { 'Content-Type': 'application/xml' });
      return void res.end('<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>');
    }
    res.writeHead(200, { ETag: '"x"' });
    res.end();
  });
  for (const id of ['j_3', 'j_4']) server.on(`DELETE /api/jobs/${id}`, (_req, res) => json(res, 200, { jobId: id, status: 'cancelled' }));
});
after(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

test('upload of a path: creates the job, streams the exact bytes, progress reaches total', async () => {
  const data = randomBytes(3 * 1024 * 1024 + 123);
  const path = join(dir, 'clip.mp4');
  await writeFile(path, data);
  const progress: UploadProgress[] = [];
  const result = await client.upload(path, {
    preset: 'hls-adaptive',
    outputQualities: ['360p', '720p'],
    visibility: 'premium',
    priority: 5,
    webhookUrl: 'https://example.invalid/hook',
    metadata: { title: 't' },
    onProgress: (p) => progress.push(p),
  });
  assert.deepEqual(result, { jobId: 'j_1', inputKey: 'uploads/j_1/clip.mp4', uploadMethod: 'PUT', resumed: false, bytesSent: data.length });

  const [create] = server.seen('POST /api/upload');
  assert.equal(create?.headers.authorization, 'Bearer k1');
  assert.deepEqual(JSON.parse(create?.body.toString() ?? ''), {
    filename: 'clip.mp4',
    contentType: 'video/mp4',
    size: data.length,
    preset: 'hls-adaptive',
    outputQualities: ['360p', '720p'],
    visibility: 'premium',
    priority: 5,
    webhookUrl: 'https://example.invalid/hook',
    metadata: { title: 't' },
  });

  const [put] = server.seen('PUT /s3/put');
  assert.ok(put, 'the bytes went to the presigned URL');
  assert.equal(put.url.searchParams.get('X-Amz-Signature'), 'abc');
  assert.equal(put.headers['content-length'], String(data.length));
  assert.equal(put.headers['content-type'], 'video/mp4');
  assert.equal(put.headers.authorization, undefined, 'the API key never goes to storage');
  assert.equal(sha256(put.body), sha256(data));

  assert.ok(progress.length >= 4, `read in chunks of at most 1 MiB, got ${progress.length} steps`);
  for (let i = 1; i < progress.length; i++) assert.ok(progress[i]!.loaded >= progress[i - 1]!.loaded);
  assert.ok(progress.every((p) => p.total === data.length && p.loaded <= data.length));
  assert.deepEqual(progress.at(-1), { loaded: data.length, total: data.length });
});

test('upload of a Blob in Node: name, type and bytes', async () => {
  const data = randomBytes(200_000);
  const file = new File([data], 'movie.webm', { type: 'video/webm' });
  const progress: UploadProgress[] = [];
  const result = await client.upload(file, { onProgress: (p) => progress.push(p) });
  assert.equal(result.jobId, 'j_2');
  const create = server.seen('POST /api/upload').at(-1);
  assert.deepEqual(JSON.parse(create?.body.toString() ?? ''), { filename: 'movie.webm', contentType: 'video/webm', size: data.length });
  const put = server.seen('PUT /s3/put').at(-1);
  assert.equal(put?.url.searchParams.get('job'), 'j_2');
  assert.equal(sha256(put?.body ?? Buffer.alloc(0)), sha256(data));
  assert.deepEqual(progress.at(-1), { loaded: data.length, total: data.length });
});

test('storage refusing the PUT gives UploadError with its S3 code, and the job is cancelled', async () => {
  const path = join(dir, 'refuse.mov');
  await writeFile(path, randomBytes(1000));
  await assert.rejects(
    client.upload(path),
    (e: unknown) => e instanceof UploadError && e.status === 403 && e.message.includes('AccessDenied') && e.message.includes('expired'),
  );
  assert.equal(server.seen('DELETE /api/jobs/j_3').length, 1);
});

test('a refused job creation (413) sends no bytes', async () => {
  const puts = server.seen('PUT /s3/put').length;
  const huge = { size: 2e9, type: '', stream: () => assert.fail('must not read') } as unknown as Blob;
  await assert.rejects(client.upload(huge, { filename: 'big.mkv' }), (e: unknown) => e instanceof ValidationError && e.status === 413);
  assert.equal(server.seen('PUT /s3/put').length, puts);
});

test('a directory or a missing path is refused before any request', async () => {
  const before = server.requests.length;
  await assert.rejects(client.upload(dir), TypeError);
  await assert.rejects(client.upload(join(dir, 'missing.mp4')), /ENOENT/);
  assert.equal(server.requests.length, before);
});

test('aborting an upload stops the PUT, rejects with the reason and cancels the job', async () => {
  const path = join(dir, 'abort.mp4');
  await writeFile(path, randomBytes(8 * 1024 * 1024));
  const controller = new AbortController();
  const reason = new Error('user aborted');
  await assert.rejects(
    client.upload(path, { signal: controller.signal, onProgress: () => controller.abort(reason) }),
    (e: unknown) => e === reason,
  );
  assert.equal(server.seen('DELETE /api/jobs/j_4').length, 1, 'the job is cancelled');
});

test('upload of a Buffer: its bytes, the given name, progress reaching total', async () => {
  const data = randomBytes(300_000);
  const progress: UploadProgress[] = [];
  const result = await client.upload(data, { filename: 'clip.mkv', onProgress: (p) => progress.push(p) });
  const create = server.seen('POST /api/upload').at(-1);
  assert.deepEqual(JSON.parse(create?.body.toString() ?? ''), { filename: 'clip.mkv', contentType: 'video/x-matroska', size: data.length });
  const put = server.seen('PUT /s3/put').at(-1);
  assert.equal(put?.url.searchParams.get('job'), result.jobId);
  assert.equal(sha256(put?.body ?? Buffer.alloc(0)), sha256(data));
  assert.deepEqual(progress.at(-1), { loaded: data.length, total: data.length });
});
