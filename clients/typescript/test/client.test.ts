import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  AuthError,
  ConflictError,
  ConnectionError,
  NotFoundError,
  RateLimitError,
  ServerError,
  TcoderClient,
  TcoderError,
  ValidationError,
} from '../src/index.js';
import { FakeServer, job, json } from './fake-server.js';

let server: FakeServer;
let client: TcoderClient;

before(async () => {
  server = await FakeServer.start();
  client = new TcoderClient({ baseUrl: `${server.baseUrl}/`, apiKey: 'secret-key' });
});
after(() => server.close());

describe('requests', () => {
  test('getStatus sends the bearer key and returns the job', async () => {
    server.on('GET /api/jobs/j_1', (_req, res) => json(res, 200, job('j_1', 'running', 40)));
    const result = await client.getStatus('j_1');
    assert.equal(result.status, 'running');
    assert.equal(result.progress, 40);
    const [req] = server.seen('GET /api/jobs/j_1');
    assert.equal(req?.headers.authorization, 'Bearer secret-key');
  });

  test('job ids are escaped in the path', async () => {
    server.on('GET /api/jobs/a%2F..%2Fb', (_req, res) => json(res, 200, job('a/../b', 'queued', 0)));
    const result = await client.getStatus('a/../b');
    assert.equal(result.jobId, 'a/../b');
  });

  test('cancel sends DELETE /api/jobs/{id}', async () => {
    server.on('DELETE /api/jobs/j_2', (_req, res) => json(res, 200, { jobId: 'j_2', status: 'cancelled' }));
    const result = await client.cancel('j_2');
    assert.equal(result.status, 'cancelled');
    const [req] = server.seen('DELETE /api/jobs/j_2');
    assert.equal(req?.headers.authorization, 'Bearer secret-key');
  });

  test('retry sends POST /api/jobs/{id}/retry', async () => {
    server.on('POST /api/jobs/j_3/retry', (_req, res) => json(res, 200, { jobId: 'j_3', status: 'pending' }));
    assert.equal((await client.retry('j_3')).status, 'pending');
    assert.equal(server.seen('POST /api/jobs/j_3/retry').length, 1);
  });

  test('listJobs passes status, limit and cursor as query parameters', async () => {
    server.on('GET /api/jobs', (_req, res) => json(res, 200, { jobs: [job('j_4', 'failed', 10)], nextCursor: 'c2' }));
    const list = await client.listJobs({ status: 'failed', limit: 5, cursor: 'c1' });
    assert.equal(list.jobs[0]?.jobId, 'j_4');
    assert.equal(list.nextCursor, 'c2');
    const req = server.seen('GET /api/jobs').at(-1);
    assert.equal(req?.url.searchParams.get('status'), 'failed');
    assert.equal(req?.url.searchParams.get('limit'), '5');
    assert.equal(req?.url.searchParams.get('cursor'), 'c1');
  });

  test('stats returns the machine pool', async () => {
    const body = { machines: { running: 1, idle: 2, starting: 0, stopped: 3, max: 10, capacityAvailable: 7 }, pendingJobs: 4, activeJobs: 1, activeJobIds: ['j_5'] };
    server.on('GET /api/stats', (_req, res) => json(res, 200, body));
    assert.deepEqual(await client.stats(), body);
  });

  test('createJob posts the options as JSON', async () => {
    server.on('POST /api/jobs', (_req, res) => json(res, 201, { jobId: 'j_6', status: 'pending', queuedAt: '2026-01-01T00:00:00Z' }));
    const created = await client.createJob({ inputKey: 'uploads/x.mp4', preset: 'hls', outputQualities: ['360p'] });
    assert.equal(created.jobId, 'j_6');
    const req = server.seen('POST /api/jobs').at(-1);
    assert.equal(req?.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(req?.body.toString() ?? ''), { inputKey: 'uploads/x.mp4', preset: 'hls', outputQualities: ['360p'] });
  });

  test('createJob needs exactly one of inputKey and inputUrl', async () => {
    await assert.rejects(client.createJob({}), TypeError);
    await assert.rejects(client.createJob({ inputKey: 'a', inputUrl: 'http://x/y' }), TypeError);
  });

  test('the constructor refuses a missing key or a non-http base URL', () => {
    assert.throws(() => new TcoderClient({ baseUrl: 'ftp://x', apiKey: 'k' }), TypeError);
    assert.throws(() => new TcoderClient({ baseUrl: 'http://x', apiKey: '' }), TypeError);
  });

  test('a custom fetch is used for API calls', async () => {
    const urls: string[] = [];
    const custom: typeof fetch = async (input, init) => {
      urls.push(String(input));
      return fetch(input, init);
    };
    const viaCustom = new TcoderClient({ baseUrl: server.baseUrl, apiKey: 'k', fetch: custom });
    await viaCustom.getStatus('j_1');
    assert.deepEqual(urls, [`${server.baseUrl}/api/jobs/j_1`]);
  });
});

describe('typed errors', () => {
  const cases: Array<[number, new (...args: never[]) => TcoderError]> = [
    [400, ValidationError],
    [401, AuthError],
    [404, NotFoundError],
    [409, ConflictError],
    [413, ValidationError],
    [429, RateLimitError],
    [500, ServerError],
    [503, ServerError],
  ];
  for (const [status, type] of cases) {
    test(`${status} becomes ${type.name} with the body's error and details`, async () => {
      server.on('GET /api/jobs/err', (_req, res) => json(res, status, { error: `boom ${status}`, details: { field: 'preset' } }));
      const error = await client.getStatus('err').then(
        () => assert.fail('expected a rejection'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof type, `got ${String(error)}`);
      assert.ok(error instanceof TcoderError);
      assert.equal(error.status, status);
      assert.equal(error.message, `boom ${status}`);
      assert.deepEqual(error.details, { field: 'preset' });
    });
  }

  test('429 carries Retry-After in seconds', async () => {
    server.on('GET /api/stats', (_req, res) => json(res, 429, { error: 'slow down' }, { 'Retry-After': '7' }));
    await assert.rejects(client.stats(), (e: unknown) => e instanceof RateLimitError && e.retryAfter === 7);
  });

  test('an error body that is not JSON still gives a typed error', async () => {
    server.on('GET /api/stats', (_req, res) => {
      res.writeHead(502, { 'Content-Type': 'text/html' });
      res.end('<h1>Bad Gateway</h1>');
    });
    await assert.rejects(client.stats(), (e: unknown) => e instanceof ServerError && e.status === 502 && e.message.includes('Bad Gateway'));
  });

  test('a 200 with a body that is not JSON is an error, not a crash', async () => {
    server.on('GET /api/stats', (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('not json');
    });
    await assert.rejects(client.stats(), (e: unknown) => e instanceof TcoderError && e.status === 200);
  });

  test('an unreachable server gives ConnectionError', async () => {
    const other = await FakeServer.start();
    const deadUrl = other.baseUrl;
    await other.close();
    const dead = new TcoderClient({ baseUrl: deadUrl, apiKey: 'k' });
    await assert.rejects(dead.stats(), (e: unknown) => e instanceof ConnectionError && e.status === 0);
  });
});
