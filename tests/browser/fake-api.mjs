// A fake tcoder control plane for checking the web page without the stack:
// serves web/ (and hls.js at /hls.min.js), the /api routes the page uses, a
// presigned-PUT target, and HLS media from a folder. Jobs advance on a timer.
// The machine pool, the system event stream and the machine actions are
// fake-pool.mjs's (`pool` on the returned object).

import { randomBytes } from 'node:crypto';
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

/** Starts the fake on 127.0.0.1; `mediaDir` holds master.m3u8 and poster.jpg for completed jobs. */
export async function startFakeApi({ apiKey, mediaDir, stepMs = 300, pool: poolOptions = {} }) {
  const jobs = new Map();
  const pool = createFakePool(poolOptions);
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
    if (req.method === 'PUT' && url.pathname.startsWith('/s3/')) return receiveUpload(req, res, url);
    if (url.pathname.startsWith('/media/')) return sendFile(res, mediaDir, url.pathname.slice('/media/'.length));
    if (url.pathname === '/hls.min.js') return sendFile(res, join(WEB, 'node_modules/hls.js/dist'), 'hls.min.js');
    return sendFile(res, WEB, url.pathname === '/' ? 'index.html' : url.pathname.slice(1));
  }

  async function api(req, res, url) {
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent); // api, jobs, id, events
    if (await pool.handle(req, res, url)) return;
    if (req.method === 'POST' && url.pathname === '/api/upload') return createJob(req, res);
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
    sendJson(res, 200, { jobId, uploadUrl: `${base()}/s3/tcoder-input/${jobId}?X-Amz-Signature=fake`, expiresAt: now, inputKey: `uploads/${jobId}` });
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
    close: () => new Promise((done) => { pool.close(); server.closeAllConnections(); server.close(done); }),
  };
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
