import assert from 'node:assert/strict';
import type http from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, test } from 'node:test';

import { AuthError, JobFailedError, TcoderClient, TimeoutError } from '../src/index.js';
import type { JobProgress } from '../src/index.js';
import { FakeServer, job, json } from './fake-server.js';

let server: FakeServer;
let client: TcoderClient;

before(async () => {
  server = await FakeServer.start();
  client = new TcoderClient({ baseUrl: server.baseUrl, apiKey: 'k2' });
});
after(() => server.close());

/** Writes `text` in pieces of `size` bytes with a pause between, so lines arrive split. */
async function writeSplit(res: http.ServerResponse, text: string, size = 5): Promise<void> {
  for (let i = 0; i < text.length; i += size) {
    res.write(text.slice(i, i + size));
    await delay(1);
  }
}

function startStream(res: http.ServerResponse): void {
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
  res.flushHeaders();
}

const event = (name: string, id: number, data: unknown): string => `event: ${name}\nid: ${id}\ndata: ${JSON.stringify(data)}\n\n`;

test('follows SSE split across chunks, reports progress and resolves with the final job', async () => {
  server.on('GET /api/jobs/s1/events', async (_req, res) => {
    startStream(res);
    await writeSplit(res, ': hello\n\n' + event('status', 1, { status: 'running', progress: 0 }));
    await writeSplit(res, event('progress', 2, { progress: 37.5 }) + event('progress', 3, { progress: 80 }));
    await writeSplit(res, event('status', 4, { status: 'completed', progress: 100 }));
    res.end();
  });
  const final = job('s1', 'completed', 100, { playlistUrl: 'http://edge/public/s1/master.m3u8' });
  server.on('GET /api/jobs/s1', (_req, res) => json(res, 200, final));
  const seen: JobProgress[] = [];
  const result = await client.waitForCompletion('s1', { onProgress: (p) => seen.push(p) });
  assert.deepEqual(result, final);
  assert.deepEqual(
    seen.map((p) => [p.status, p.progress]),
    [
      ['running', 0],
      ['running', 37.5],
      ['running', 80],
      ['completed', 100],
    ],
  );
  const [req] = server.seen('GET /api/jobs/s1/events');
  assert.equal(req?.headers.authorization, 'Bearer k2');
  assert.equal(req?.headers.accept, 'text/event-stream');
});

test('failed and cancelled reject with JobFailedError carrying the job error', async () => {
  for (const status of ['failed', 'cancelled']) {
    const id = `f_${status}`;
    server.on(`GET /api/jobs/${id}/events`, (_req, res) => {
      startStream(res);
      res.end(event('status', 9, { status, progress: 12 }));
    });
    server.on(`GET /api/jobs/${id}`, (_req, res) => json(res, 200, job(id, status, 12, { error: 'input is not a video' })));
    await assert.rejects(
      client.waitForCompletion(id),
      (e: unknown) => e instanceof JobFailedError && e.jobStatus === status && e.error === 'input is not a video' && e.job.jobId === id,
    );
  }
});

test('reconnects after the stream drops, sending Last-Event-ID', async () => {
  let connection = 0;
  server.on('GET /api/jobs/r1/events', async (_req, res) => {
    connection++;
    startStream(res);
    if (connection === 1) {
      await writeSplit(res, 'retry: 20\n' + event('status', 41, { status: 'running', progress: 10 }) + event('progress', 42, { progress: 20 }));
      res.destroy(); // the connection drops mid-job
      return;
    }
    res.end(event('status', 43, { status: 'completed', progress: 100 }));
  });
  server.on('GET /api/jobs/r1', (_req, res) => {
    const done = connection >= 2;
    json(res, 200, job('r1', done ? 'completed' : 'running', done ? 100 : 20));
  });
  const result = await client.waitForCompletion('r1', { timeoutMs: 5000 });
  assert.equal(result.status, 'completed');
  const requests = server.seen('GET /api/jobs/r1/events');
  assert.equal(requests.length, 2);
  assert.equal(requests[0]?.headers['last-event-id'], undefined);
  assert.equal(requests[1]?.headers['last-event-id'], '42');
});

test('falls back to polling when the event stream is unavailable', async () => {
  for (const [id, respond] of [
    ['p404', (res: http.ServerResponse) => json(res, 404, { error: 'no events here' })],
    ['p500', (res: http.ServerResponse) => json(res, 500, { error: 'boom' })],
    ['phtml', (res: http.ServerResponse) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html></html>')],
  ] as const) {
    let polls = 0;
    server.on(`GET /api/jobs/${id}/events`, (_req, res) => void respond(res));
    server.on(`GET /api/jobs/${id}`, (_req, res) => {
      polls++;
      json(res, 200, job(id, polls < 3 ? 'running' : 'completed', polls < 3 ? polls * 30 : 100));
    });
    const seen: number[] = [];
    const result = await client.waitForCompletion(id, { pollIntervalMs: 5, onProgress: (p) => seen.push(p.progress) });
    assert.equal(result.status, 'completed', id);
    assert.equal(polls, 3, id);
    assert.deepEqual(seen, [30, 60, 100], id);
  }
});

test('polling rides out a transient 503', async () => {
  let polls = 0;
  server.on('GET /api/jobs/t1', (_req, res) => {
    polls++;
    if (polls === 1) return json(res, 503, { error: 'redis unavailable' }, { 'Retry-After': '0' });
    json(res, 200, job('t1', 'completed', 100));
  });
  const result = await client.waitForCompletion('t1', { sse: false, pollIntervalMs: 5 });
  assert.equal(result.status, 'completed');
  assert.equal(polls, 2);
  assert.equal(server.seen('GET /api/jobs/t1/events').length, 0, 'sse: false never opens the stream');
});

test('a bad key on the event stream is an AuthError, not a fallback', async () => {
  server.on('GET /api/jobs/a1/events', (_req, res) => json(res, 401, { error: 'bad api key' }));
  await assert.rejects(client.waitForCompletion('a1'), (e: unknown) => e instanceof AuthError && e.message === 'bad api key');
  assert.equal(server.seen('GET /api/jobs/a1').length, 0);
});

test('timeoutMs rejects with TimeoutError and an abort signal with its reason', async () => {
  server.on('GET /api/jobs/w1/events', (_req, res) => {
    startStream(res);
    res.write(event('status', 1, { status: 'running', progress: 5 })); // and never ends
  });
  await assert.rejects(client.waitForCompletion('w1', { timeoutMs: 100 }), TimeoutError);
  const controller = new AbortController();
  const waiting = client.waitForCompletion('w1', { signal: controller.signal });
  setTimeout(() => controller.abort(new Error('user gave up')), 50);
  await assert.rejects(waiting, /user gave up/);
});
