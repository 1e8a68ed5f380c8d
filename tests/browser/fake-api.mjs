// A fake tcoder control plane for checking the web page without the stack:
// serves web/ (and hls.js at /hls.min.js), the /api routes the page uses, a
// presigned-PUT target, and HLS media from a folder. Jobs advance on a timer.
// Multipart uploads as docs/api.md has them, with small parts (`multipart`
// options): the /api/uploads routes, and part PUTs whose bytes are kept, with
// faults to inject (a part failing once, parts held unanswered). The machine
// pool, the system event stream and the machine actions are fake-pool.mjs's
// (`pool` on the returned object).

import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

import { createFakePool } from './fake-pool.mjs';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const WEB = join(ROOT, 'web');
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css',
  '.m3u8': 'application/vnd.apple.mpegurl', '.ts': 'video/mp2t', '.m4s': 'video/iso.segment',
  '.mp4': 'video/mp4', '.jpg': 'image/jpeg', '.png': 'image/png',
};

/**
 * Starts the fake on 127.0.0.1; `mediaDir` holds master.m3u8 and poster.jpg for completed jobs.
 * `multipart`: `threshold` (a larger `size` is a multipart upload), `partSize`, and `firstParts`
 * (how many part URLs POST /api/upload hands out; the API's is 1000).
 */
export async function startFakeApi({ apiKey, mediaDir, stepMs = 300, pool: poolOptions = {}, multipart: multipartOptions = {} }) {
  const jobs = new Map();
  const pool = createFakePool(poolOptions);
  const multipart = createMultipartStore({ threshold: 1 << 20, partSize: 256 << 10, firstParts: 1000, ...multipartOptions });
  const watchers = new Map();
  const server = http.createServer((req, res) => {
    handle(req, res).catch((error) => {
      if (!res.headersSent) sendJson(res, 500, { error: String(error) });
    });
  });

  async function handle(req, res) {
    const url = new URL(req.url, base());
    if (url.pathname.startsWith('/api/')) {
      if (req.headers.authorization !== `Bearer ${apiKey}`) return sendJson(res, 401, { error: 'invalid API key' });
      return api(req, res, url);
    }
    if (req.method === 'PUT' && url.pathname.startsWith('/s3/')) {
      return url.searchParams.has('partNumber') ? multipart.receivePart(req, res, url) : receiveUpload(req, res, url);
    }
    if (url.pathname.startsWith('/media/')) return sendFile(res, mediaDir, url.pathname.slice('/media/'.length));
    if (url.pathname === '/hls.min.js') return sendFile(res, join(WEB, 'node_modules/hls.js/dist'), 'hls.min.js');
    return sendFile(res, WEB, url.pathname === '/' ? 'index.html' : url.pathname.slice(1));
  }

  async function api(req, res, url) {
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent); // api, jobs, id, events
    if (await pool.handle(req, res, url)) return;
    if (req.method === 'POST' && url.pathname === '/api/upload') return createJob(req, res);
    if (parts[1] === 'uploads') return uploadsApi(req, res, parts);
    if (req.method === 'GET' && url.pathname === '/api/jobs') {
      const list = [...jobs.values()].reverse().slice(0, Number(url.searchParams.get('limit') || 20));
      return sendJson(res, 200, { jobs: list, nextCursor: null });
    }
    const job = parts[1] === 'jobs' ? jobs.get(parts[2]) : undefined;
    if (!job) return sendJson(res, 404, { error: 'job not found' });
    if (req.method === 'GET' && parts.length === 3) return sendJson(res, 200, job);
    if (req.method === 'GET' && parts[3] === 'events') return streamEvents(req, res, job);
    if (req.method === 'DELETE' && parts.length === 3) {
      update(job, { status: 'cancelled', error: 'cancelled by the user' });
      multipart.abort(job.jobId);
      return sendJson(res, 200, job);
    }
    return sendJson(res, 404, { error: 'no such route' });
  }

  async function createJob(req, res) {
    const body = JSON.parse(await readBody(req));
    if (typeof body.filename !== 'string' || !body.filename) return sendJson(res, 400, { error: 'filename is required' });
    const jobId = 'j_' + randomBytes(8).toString('hex');
    const now = new Date().toISOString();
    jobs.set(jobId, {
      jobId, status: 'uploading', progress: 0, machineId: null, attempts: 0, outputs: [], playlistUrl: null,
      posterUrl: null, error: null, timestamps: { createdAt: now }, filename: body.filename, preset: body.preset || 'hls-adaptive',
      uploadedBytes: 0, expectedBytes: body.size,
    });
    const ticket = { jobId, expiresAt: now, inputKey: `uploads/${jobId}/${body.filename}` };
    if (multipart.wanted(body)) return sendJson(res, 200, { ...ticket, uploadMethod: 'multipart', multipart: multipart.create(jobId, body.size, base()) });
    sendJson(res, 200, { ...ticket, uploadMethod: 'PUT', uploadUrl: `${base()}/s3/tcoder-input/${jobId}?X-Amz-Signature=fake` });
  }

  /** GET /api/uploads/{id}, POST …/parts and …/complete. */
  async function uploadsApi(req, res, parts) {
    const job = jobs.get(parts[2]);
    if (!job) return sendJson(res, 404, { error: 'job not found' });
    if (!multipart.uploads.has(job.jobId)) return sendJson(res, 409, { error: 'the job was uploaded with a single PUT' });
    if (req.method === 'GET' && parts.length === 3) return sendJson(res, 200, multipart.state(job));
    const body = req.method === 'POST' ? JSON.parse((await readBody(req)) || '{}') : null;
    if (req.method === 'POST' && parts[3] === 'parts') return sendJson(res, ...multipart.urls(job, body, base()));
    if (req.method === 'POST' && parts[3] === 'complete') {
      const [status, answer] = multipart.complete(job);
      sendJson(res, status, answer);
      if (status === 200 && job.status === 'uploading') completed(job);
      return;
    }
    return sendJson(res, 404, { error: 'no such route' });
  }

  /** The upload is complete: the input is there, the job goes on as after a single PUT. */
  function completed(job) {
    job.uploadedBytes = multipart.uploads.get(job.jobId).input.length;
    update(job, { status: 'queued' });
    advance(job);
  }

  async function receiveUpload(req, res, url) {
    const job = jobs.get(url.pathname.split('/').pop());
    if (!job) {
      res.writeHead(403, { 'Content-Type': 'application/xml' });
      return res.end('<Error><Code>AccessDenied</Code><Message>bad signature</Message></Error>');
    }
    let bytes = 0;
    for await (const chunk of req) bytes += chunk.length;
    job.uploadedBytes = bytes;
    res.writeHead(200, { ETag: '"fake"' });
    res.end();
    advance(job);
  }

  function advance(job) {
    const steps = [
      { status: 'queued' }, { status: 'pending' }, { status: 'running', progress: 0, machineId: 'm_local_1', attempts: 1 },
      { progress: 25 }, { progress: 50 }, { progress: 75 },
      { status: 'completed', progress: 100, playlistUrl: `${base()}/media/master.m3u8`, posterUrl: `${base()}/media/poster.jpg`,
        outputs: [{ quality: '360p', url: `${base()}/media/out_0/index.m3u8`, width: 640, height: 360 },
          { quality: '720p', url: `${base()}/media/out_1/index.m3u8`, width: 1280, height: 720 }] },
    ];
    let i = 0;
    const timer = setInterval(() => {
      if (job.status === 'cancelled' || i >= steps.length) return clearInterval(timer);
      update(job, steps[i++]);
    }, stepMs);
  }

  function update(job, change) {
    Object.assign(job, change);
    job.eventId = (job.eventId || 0) + 1;
    for (const res of watchers.get(job.jobId) || []) writeEvent(res, job);
  }

  function streamEvents(req, res, job) {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
    res.write(': connected\nretry: 500\n\n');
    writeEvent(res, job);
    const set = watchers.get(job.jobId) || new Set();
    set.add(res);
    watchers.set(job.jobId, set);
    req.on('close', () => set.delete(res));
  }

  function writeEvent(res, job) {
    const { status, progress, error } = job;
    const name = ['completed', 'failed', 'cancelled'].includes(status) ? status : 'status';
    // Written in two pieces so lines arrive split across chunks.
    const text = `event: ${name}\nid: ${job.eventId || 0}\ndata: ${JSON.stringify({ jobId: job.jobId, status, progress, error })}\n\n`;
    res.write(text.slice(0, 17));
    res.write(text.slice(17));
    if (name !== 'status') res.end();
  }

  function base() {
    return `http://127.0.0.1:${server.address().port}`;
  }

  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: base(),
    jobs,
    pool,
    multipart,
    close: () => new Promise((done) => { pool.close(); server.closeAllConnections(); server.close(done); }),
  };
}

/**
 * Multipart uploads as the control plane and the store keep them: `uploads` (jobId → {uploadId,
 * size, partSize, partCount, parts: Map partNumber → bytes, input once complete}), `log` (every
 * part PUT: {jobId, partNumber, signature, contentType, bytes, status}; status 0 while the body
 * comes, "held" while held, "gone" when its client left while held), `urlRequests` ({jobId, partNumbers} of each POST …/parts) and
 * `checks` (GET /api/uploads/{id} answered). Faults: `failOnce(partNumber, status)` answers the
 * next PUT of that part (of any upload) with `status` after reading it; `holdAfter(n)` lets n
 * part PUTs through and holds the next ones, read but neither kept nor answered, until
 * `holdAfter(null)`.
 */
function createMultipartStore({ threshold, partSize, firstParts }) {
  const uploads = new Map();
  const log = [];
  const urlRequests = [];
  const faults = new Map();
  let hold = null;
  let signatures = 0;
  const store = { uploads, log, urlRequests, checks: 0 };

  store.wanted = (body) => body.multipart === true || (body.multipart !== false && Number(body.size) > threshold);

  store.create = (jobId, size, base) => {
    const upload = { jobId, uploadId: 'u_' + randomBytes(6).toString('hex'), size, partSize, partCount: Math.ceil(size / partSize), parts: new Map(), input: null };
    uploads.set(jobId, upload);
    const first = Array.from({ length: Math.min(upload.partCount, firstParts) }, (_, i) => i + 1);
    return {
      uploadId: upload.uploadId, size, partSize, partCount: upload.partCount, parts: first.map((n) => partUrl(upload, n, base)),
      partsUrl: `/api/uploads/${jobId}/parts`, completeUrl: `/api/uploads/${jobId}/complete`,
    };
  };

  function partUrl(upload, partNumber, base) {
    const query = `partNumber=${partNumber}&uploadId=${upload.uploadId}&X-Amz-Signature=s${++signatures}`;
    return { partNumber, url: `${base}/s3/tcoder-input/${upload.jobId}?${query}` };
  }

  store.state = (job) => {
    store.checks++;
    const upload = uploads.get(job.jobId);
    if (job.status !== 'uploading') return { jobId: job.jobId, status: job.status };
    const uploadedParts = [...upload.parts].sort(([a], [b]) => a - b).map(([partNumber, bytes]) => ({ partNumber, size: bytes.length, etag: etag(bytes) }));
    const uploadedBytes = uploadedParts.reduce((sum, part) => sum + part.size, 0);
    const { uploadId, size, partCount } = upload;
    return { jobId: job.jobId, status: 'uploading', uploadId, size, partSize: upload.partSize, partCount, uploadedParts, uploadedBytes };
  };

  store.urls = (job, body, base) => {
    const upload = uploads.get(job.jobId);
    const numbers = body && body.partNumbers;
    if (job.status !== 'uploading') return [409, { error: `job ${job.jobId} is ${job.status}` }];
    const valid = Array.isArray(numbers) && numbers.length >= 1 && numbers.length <= 1000 && new Set(numbers).size === numbers.length
      && numbers.every((n) => Number.isInteger(n) && n >= 1 && n <= upload.partCount);
    if (!valid) return [400, { error: 'partNumbers must be 1 to 1000 distinct part numbers' }];
    urlRequests.push({ jobId: job.jobId, partNumbers: numbers });
    return [200, { parts: numbers.map((n) => partUrl(upload, n, base)), expiresAt: new Date(Date.now() + 3600e3).toISOString() }];
  };

  /** POST …/complete: [status, answer]; the upload's `input` is the parts joined. */
  store.complete = (job) => {
    const upload = uploads.get(job.jobId);
    if (job.status === 'failed' || job.status === 'cancelled') return [409, { error: `job ${job.jobId} is ${job.status}` }];
    if (job.status !== 'uploading') return [200, { jobId: job.jobId, status: job.status }];
    const missing = [];
    for (let n = 1; n <= upload.partCount; n++) if (!upload.parts.has(n)) missing.push(n);
    if (missing.length) return [400, { error: `${missing.length} parts missing`, details: { missing: missing.slice(0, 100) } }];
    for (const [n, bytes] of upload.parts) {
      const expected = Math.min(upload.partSize, upload.size - (n - 1) * upload.partSize);
      if (bytes.length !== expected) return [400, { error: `part ${n} has ${bytes.length} bytes, expected ${expected}`, details: { partNumber: n } }];
    }
    upload.input = Buffer.concat([...upload.parts].sort(([a], [b]) => a - b).map(([, bytes]) => bytes));
    return [200, { jobId: job.jobId, status: 'queued' }];
  };

  store.abort = (jobId) => uploads.get(jobId)?.parts.clear();

  store.receivePart = async (req, res, url) => {
    const upload = uploads.get(url.pathname.split('/').pop());
    const partNumber = Number(url.searchParams.get('partNumber'));
    if (!upload || url.searchParams.get('uploadId') !== upload.uploadId || !(partNumber >= 1 && partNumber <= upload.partCount)) {
      return storageError(res, 404, 'NoSuchUpload', 'the upload does not exist');
    }
    const entry = { jobId: upload.jobId, partNumber, signature: url.searchParams.get('X-Amz-Signature'), contentType: req.headers['content-type'] ?? null, bytes: 0, status: 0 };
    log.push(entry);
    const bytes = await readBytes(req); // read first: a socket that is not read never sees its client leave
    entry.bytes = bytes.length;
    if (await held(res, entry)) return;
    entry.status = faults.get(partNumber) || 200;
    faults.delete(partNumber);
    if (entry.status === 403) return storageError(res, 403, 'AccessDenied', 'Request has expired');
    if (entry.status !== 200) return storageError(res, entry.status, 'InternalError', 'fake failure');
    upload.parts.set(partNumber, bytes);
    res.writeHead(200, { ETag: `"${etag(bytes)}"` });
    res.end();
  };

  /** True when the PUT was held and its client went away meanwhile (its status is then "gone"). */
  function held(res, entry) {
    if (!hold) return Promise.resolve(false);
    if (hold.passed < hold.after) { hold.passed++; return Promise.resolve(false); }
    entry.status = 'held';
    return new Promise((resolve) => {
      hold.waiting.push(() => { if (entry.status === 'held') entry.status = 0; resolve(false); });
      res.on('close', () => { if (entry.status === 'held') entry.status = 'gone'; resolve(true); });
    });
  }

  store.failOnce = (partNumber, status) => faults.set(partNumber, status);
  store.holdAfter = (count) => {
    const waiting = hold ? hold.waiting : [];
    hold = count === null ? null : { after: count, passed: 0, waiting: [] };
    waiting.forEach((release) => release());
  };
  store.heldCount = () => log.filter((entry) => entry.status === 'held').length;
  return store;
}

const etag = (bytes) => createHash('md5').update(bytes).digest('hex');

function storageError(res, status, code, message) {
  res.writeHead(status, { 'Content-Type': 'application/xml' });
  res.end(`<Error><Code>${code}</Code><Message>${message}</Message></Error>`);
}

async function sendFile(res, dir, relative) {
  const root = resolve(dir);
  const path = normalize(join(root, relative));
  if (path !== root && !path.startsWith(root + sep)) return sendJson(res, 404, { error: 'not found' });
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new Error('not a file');
    res.writeHead(200, { 'Content-Type': TYPES[extname(path)] || 'application/octet-stream', 'Content-Length': info.size });
    createReadStream(path).pipe(res);
  } catch {
    sendJson(res, 404, { error: 'not found' });
  }
}

function sendJson(res, status, body) {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readBody(req) {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text;
}

async function readBytes(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks);
}
