#!/usr/bin/env node
// A stand-in for Cloudflare Queues' HTTP API for tests (https://developers.cloudflare.com/queues/
// configuration/pull-consumers/): publish one message or a batch, pull with a visibility timeout,
// and ack or retry by lease id, under /client/v4/accounts/{account}/queues/{queue}/messages. It
// uses bearer auth, Cloudflare's envelope ({success, errors, messages, result}), the documented
// bounds, max_retries and the per-queue rate limit. Test levers that are not Cloudflare's, without
// auth: /__faults, /__messages and /__log (README.md beside it).
// Single-threaded: every state change runs on node's event loop. Time is read when a request
// arrives (a lease that has run out is swept then), so there are no timers to race.

import { randomBytes } from 'node:crypto';
import http from 'node:http';

const USAGE = 'usage: node fake-queues.mjs --port 0 --account ACCOUNT_ID --queue QUEUE_ID (--token TOKEN | --token-env VAR)\n' +
  '  [--max-retries 3] [--retry-delay-seconds 0] [--delivery-delay-seconds 0] [--visibility-timeout-ms 30000]\n' +
  '  [--json-bodies base64|text|value] [--strict-leases] [--dead-letter-queue NAME] [--rate-limit 5000] [--no-rate-limits]';
const MAX_VISIBILITY_MS = 12 * 3600 * 1000; // "visibility_timeout (defaults to 30 second; max 12 hours)"
const MAX_DELAY_S = 24 * 3600;              // limits page: delaySeconds (when sending or retrying) 24 hours
const MAX_BATCH_SIZE = 100;                 // "batch_size (defaults to 5; max 100)"
const DEFAULT_BATCH_SIZE = 5;
const MAX_MESSAGE_BYTES = 128_000;          // 128 KB, "1 KB is measured as 1000 bytes"
const MAX_BATCH_BYTES = 256_000;
const MAX_BATCH_COUNT = 100;
const JWE_HEADER = Buffer.from('{"alg":"dir","enc":"A256CBC-HS512"}').toString('base64url'); // as in the docs' lease ids
const opts = parseArgs(process.argv.slice(2));

const messages = [];        // every message ever, in publish order
const leases = new Map();   // lease id -> { message, delivery }
const requests = [];        // the /__log of API requests
const buckets = new Map();  // "consume" | "publish" -> token bucket
const warned = new Set();
let faults = [];
let published = 0;
let shuttingDown = false;

// ------------------------------------------------------------------ command line

function parseArgs(argv) {
  const o = { port: 0, account: '', queue: '', token: '', maxRetries: 3, retryDelayS: 0, deliveryDelayS: 0,
    visibilityMs: 30_000, jsonBodies: 'base64', strictLeases: false, deadLetterQueue: '', rateLimit: 5000,
    rateLimits: true };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s);
    const value = () => inline ?? (++i < argv.length ? argv[i] : usage(`${flag} needs a value`));
    if (flag === '--port') o.port = Number(value());
    else if (flag === '--account') o.account = value();
    else if (flag === '--queue') o.queue = value();
    else if (flag === '--token') o.token = value();
    else if (flag === '--token-env') o.token = process.env[value()] ?? usage(`--token-env: no such variable`);
    else if (flag === '--max-retries') o.maxRetries = Number(value());
    else if (flag === '--retry-delay-seconds') o.retryDelayS = Number(value());
    else if (flag === '--delivery-delay-seconds') o.deliveryDelayS = Number(value());
    else if (flag === '--visibility-timeout-ms') o.visibilityMs = Number(value());
    else if (flag === '--json-bodies') o.jsonBodies = value();
    else if (flag === '--strict-leases') o.strictLeases = true;
    else if (flag === '--dead-letter-queue') o.deadLetterQueue = value();
    else if (flag === '--rate-limit') o.rateLimit = Number(value());
    else if (flag === '--no-rate-limits') o.rateLimits = false;
    else usage(`unknown flag ${flag}`);
  }
  if (!o.account || !o.queue || !o.token) usage('--account, --queue and --token (or --token-env) are required');
  const whole = (n, max) => Number.isInteger(n) && n >= 0 && n <= max;
  if (!whole(o.port, 65535) || !whole(o.maxRetries, 100) || !whole(o.retryDelayS, MAX_DELAY_S) ||
    !whole(o.deliveryDelayS, MAX_DELAY_S) || !whole(o.visibilityMs, MAX_VISIBILITY_MS) || o.visibilityMs < 1 ||
    !(o.rateLimit > 0)) usage('a number is out of range');
  if (!['base64', 'text', 'value'].includes(o.jsonBodies)) usage('--json-bodies takes base64, text or value');
  return o;
}

function usage(message) {
  process.stderr.write(`fake-queues: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function log(line) {
  process.stderr.write(`fake-queues: ${line}\n`);
}

function warnOnce(key, line) {
  if (warned.has(key)) return;
  warned.add(key);
  log(`warning: ${line}`);
}

// ------------------------------------------------------------------ answers in Cloudflare's envelope

const ok = (result) => ({ status: 200, body: { success: true, errors: [], messages: [], result } });
const failure = (status, errors, headers = {}) =>
  ({ status, headers, body: { success: false, errors, messages: [], result: null } });
const fail = (status, code, message) => failure(status, [{ code, message }]);
const invalid = (message) => fail(400, 10207, `Request JSON body does not match expected schema: ${message}`);
const overloaded = () => failure(429, [{ code: 10250, message: 'Queue is overloaded' }], { 'retry-after': '1' });

function checkAuth(header) {
  if (header === undefined) return fail(400, 9106, 'Missing X-Auth-Key, X-Auth-Email or Authorization headers');
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!bearer) {
    return failure(400, [{ code: 6003, message: 'Invalid request headers',
      error_chain: [{ code: 6111, message: 'Invalid format for Authorization header' }] }]);
  }
  return bearer[1] === opts.token ? null : fail(403, 10000, 'Authentication error');
}

// ------------------------------------------------------------------ messages and leases

const iso = (ms = Date.now()) => new Date(ms).toISOString();
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const validDelay = (s) => typeof s === 'number' && Number.isFinite(s) && s >= 0 && s <= MAX_DELAY_S;
const leaseId = () => `${JWE_HEADER}..${randomBytes(16).toString('base64url')}.` +
  `${randomBytes(32).toString('base64url')}.${randomBytes(32).toString('base64url')}`;

/** Adds parsed messages ({contentType, body, sizeBytes, delayS, source}) to the queue; returns them. */
function enqueue(list) {
  const now = Date.now();
  return list.map((p) => {
    const m = { id: randomBytes(16).toString('hex'), seq: ++published, contentType: p.contentType, body: p.body,
      sizeBytes: p.sizeBytes, source: p.source, timestampMs: now, state: 'queued', visibleAt: now + p.delayS * 1000,
      attempts: 0, lease: null, deliveries: [], ackedAt: null, deadAt: null, deadReason: null };
    messages.push(m);
    return m;
  });
}

/** Leases that have run out put their message back (after the consumer's retry delay), or kill it. */
function sweep(now = Date.now()) {
  for (const m of messages) {
    if (m.state !== 'leased' || m.lease.expiresAt > now) continue;
    m.deliveries.at(-1).outcome = 'expired';
    requeue(m, m.lease.expiresAt + opts.retryDelayS * 1000, 'visibility timeout');
  }
}

/** max_retries counts redeliveries (Miniflare: max attempts = max_retries + 1), so delivery N+1 is the last. */
function requeue(m, visibleAt, why) {
  m.lease = null;
  if (m.attempts <= opts.maxRetries) {
    m.state = 'queued';
    m.visibleAt = visibleAt;
    return;
  }
  m.state = 'dead';
  m.deadAt = iso();
  m.deadReason = `${why} after ${m.attempts} deliveries (max_retries ${opts.maxRetries})`;
  const where = opts.deadLetterQueue ? `moved to dead-letter queue ${opts.deadLetterQueue}` : 'deleted (no dead-letter queue)';
  log(`message ${m.id} ${where}: ${m.deadReason}`);
}

function deliver(m, now, visibilityMs) {
  const delivery = { lease_id: leaseId(), at: iso(now), visibility_timeout_ms: visibilityMs,
    expires_at: iso(now + visibilityMs), outcome: 'pending' };
  m.attempts++;
  m.state = 'leased';
  m.lease = { id: delivery.lease_id, expiresAt: now + visibilityMs };
  m.deliveries.push(delivery);
  leases.set(delivery.lease_id, { message: m, delivery });
  return { body: wireBody(m), id: m.id, timestamp_ms: m.timestampMs, attempts: m.attempts,
    metadata: { 'CF-sourceMessageSource': m.source, 'CF-Content-Type': m.contentType }, lease_id: delivery.lease_id };
}

/** The docs: json and bytes bodies are base64 (RFC 4648), text is plain UTF-8; v8 is opaque (base64 here). */
function wireBody(m) {
  if (m.contentType === 'text') return m.body;
  if (m.contentType !== 'json') return m.body.toString('base64');
  if (opts.jsonBodies === 'value') return m.body;
  const text = JSON.stringify(m.body);
  return opts.jsonBodies === 'text' ? text : Buffer.from(text).toString('base64');
}

/** Ack by any lease the message was ever given ("Queues aims to be permissive"), unless --strict-leases. */
function ack(id, now) {
  const entry = leases.get(id);
  if (!entry) return 'unknown lease id';
  const m = entry.message;
  if (m.state === 'acked') return 'message already acknowledged';
  if (m.state === 'dead') return 'message reached max_retries and was removed';
  const current = m.state === 'leased' && m.lease.id === id;
  if (!current && opts.strictLeases) return 'lease expired';
  if (m.state === 'leased' && !current) m.deliveries.at(-1).outcome = 'preempted';
  entry.delivery.outcome = current ? 'acked' : 'acked_late';
  m.state = 'acked';
  m.lease = null;
  m.ackedAt = iso(now);
  return null;
}

/** Retry only by the newest lease: an older one would take the message from the consumer now holding it. */
function retry(id, delayS, now) {
  const entry = leases.get(id);
  if (!entry) return 'unknown lease id';
  const m = entry.message;
  if (m.state === 'acked') return 'message already acknowledged';
  if (m.state === 'dead') return 'message reached max_retries and was removed';
  if (m.deliveries.at(-1) !== entry.delivery) return 'lease superseded by a later delivery';
  if (m.state !== 'leased' && opts.strictLeases) return 'lease expired';
  entry.delivery.outcome = m.state === 'leased' ? 'retried' : 'expired_then_retried';
  requeue(m, now + (delayS ?? opts.retryDelayS) * 1000, 'retry');
  return null;
}

function metrics() {
  const backlog = messages.filter((m) => m.state === 'queued' || m.state === 'leased');
  return { backlog_count: backlog.length, backlog_bytes: backlog.reduce((sum, m) => sum + m.sizeBytes, 0),
    oldest_message_timestamp_ms: backlog.length ? Math.min(...backlog.map((m) => m.timestampMs)) : 0 };
}

// ------------------------------------------------------------------ rate limits and faults

/** 5,000 messages per second per queue: pulled plus acked/retried ("consume"), and published. */
function allow(kind, cost) {
  if (!opts.rateLimits) return true;
  const now = Date.now() / 1000;
  const bucket = buckets.get(kind) ?? { tokens: opts.rateLimit, at: now };
  bucket.tokens = Math.min(opts.rateLimit, bucket.tokens + (now - bucket.at) * opts.rateLimit);
  bucket.at = now;
  buckets.set(kind, bucket);
  const need = Math.min(Math.max(1, cost), opts.rateLimit);
  if (bucket.tokens < need) return false;
  bucket.tokens -= need;
  return true;
}

const FAULT_ACTIONS = ['pull', 'ack', 'publish'];
const FAULT_ERRORS = {
  400: [10207, 'Request JSON body does not match expected schema'], 401: [10000, 'Authentication error'],
  403: [10000, 'Authentication error'], 404: [10104, 'Queue does not exist'], 413: [10204, 'Message size out of bounds'],
  429: [10250, 'Queue is overloaded'], 500: [15000, 'Unknown error'], 502: [15000, 'Bad gateway'],
  503: [15000, 'Service unavailable'], 504: [15000, 'Gateway timeout'],
};

/** Checks and stores POSTed faults. Returns an error string or null. */
function addFaults(input) {
  const list = Array.isArray(input) ? input : [input];
  for (const f of list) {
    if (!isObject(f) || !FAULT_ACTIONS.includes(f.action)) return `action must be one of ${FAULT_ACTIONS}`;
    const s = f.status;
    if (s !== undefined && !(s === 200 || (Number.isInteger(s) && s >= 400 && s <= 599))) return 'status is 200 or 400-599';
    if (f.count !== undefined && !(Number.isInteger(f.count) && f.count > 0)) return 'count must be a positive integer';
    if (f.delay_ms !== undefined && !(Number.isInteger(f.delay_ms) && f.delay_ms >= 0)) return 'bad delay_ms';
  }
  for (const f of list) faults.push({ ...f, count: f.count ?? 1 });
  return null;
}

function takeFault(action) {
  const f = faults.find((x) => x.action === action);
  if (f && --f.count <= 0) faults = faults.filter((x) => x !== f);
  return f ?? null;
}

function faultAnswer(f) {
  const status = f.status ?? 500;
  const headers = f.retry_after !== undefined ? { 'retry-after': String(f.retry_after) } : {};
  if (f.html) {
    const title = `${status} ${http.STATUS_CODES[status] ?? 'Error'}`;
    return { status, headers: { ...headers, 'Content-Type': 'text/html' },
      text: `<html>\n<head><title>${title}</title></head>\n<body>\n<center><h1>${title}</h1></center>\n` +
        '<hr><center>cloudflare</center>\n</body>\n</html>\n' };
  }
  const [code, message] = FAULT_ERRORS[status] ?? [status >= 500 ? 15000 : 10207, `injected fault ${status}`];
  return failure(status, [{ code: f.code ?? code, message: f.error ?? message }], headers);
}

// ------------------------------------------------------------------ the API

const ROUTES = [ // [method, path after the queue id, fault action, handler]
  ['POST', 'messages', 'publish', publishRoute], ['POST', 'messages/batch', 'publish', batchRoute],
  ['POST', 'messages/pull', 'pull', pullRoute], ['POST', 'messages/ack', 'ack', ackRoute],
];

async function api(req, res, url, body, bodyError) {
  res.setHeader('cf-ray', `${randomBytes(8).toString('hex')}-IAD`);
  const denied = checkAuth(req.headers.authorization);
  if (denied) return reply(res, denied);
  const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent); // client v4 accounts A queues Q ...
  if (parts[0] !== 'client' || parts[1] !== 'v4' || parts[2] !== 'accounts' || parts.length < 4) {
    return reply(res, fail(404, 7000, 'No route for that URI'));
  }
  if (parts[3] !== opts.account) {
    return reply(res, failure(404, [{ code: 7003, message: `Could not route to ${url.pathname}, perhaps your ` +
      'object identifier is invalid?' }, { code: 7000, message: 'No route for that URI' }]));
  }
  if (parts[4] === 'queues' && parts[5] !== undefined && parts[5] !== opts.queue) {
    return reply(res, fail(404, 10104, 'Queue does not exist'));
  }
  const rest = parts.slice(6).join('/');
  const route = ROUTES.find(([method, path]) => method === req.method && path === rest);
  if (parts[4] !== 'queues' || parts.length < 7 || !route) {
    return reply(res, fail(501, 7000, `fake-queues does not model ${req.method} ${url.pathname}`));
  }
  if (bodyError) return reply(res, fail(400, 10208, `Request body is not valid JSON: ${bodyError}`));
  const [, , action, handler] = route;
  sweep();
  const fault = takeFault(action);
  if (!fault) return reply(res, handler(body));
  const answer = fault.apply || fault.status === 200 ? handler(body) : null;
  if (fault.delay_ms) await new Promise((resolve) => setTimeout(resolve, fault.delay_ms));
  if (fault.reset) return req.socket.destroy();
  reply(res, fault.status === 200 ? answer : faultAnswer(fault));
}

function publishRoute(body) {
  const parsed = parseMessage(body, undefined);
  if (parsed.answer) return parsed.answer;
  if (!allow('publish', 1)) return overloaded();
  enqueue([parsed]);
  return ok({ metadata: { metrics: metrics() } });
}

function batchRoute(body) {
  if (!isObject(body)) return invalid('the body must be a JSON object');
  const list = body.messages ?? [];
  if (!Array.isArray(list)) return invalid('messages must be an array');
  if (list.length > MAX_BATCH_COUNT) return fail(413, 10206, `Batch count out of bounds: ${list.length} > 100 messages`);
  if (body.delay_seconds !== undefined && !validDelay(body.delay_seconds)) {
    return fail(400, 10203, `Invalid message metadata: delay_seconds must be from 0 to ${MAX_DELAY_S}`);
  }
  const parsed = [];
  for (const [i, raw] of list.entries()) {
    const p = parseMessage(raw, body.delay_seconds, `messages[${i}].`);
    if (p.answer) return p.answer;
    parsed.push(p);
  }
  const bytes = parsed.reduce((sum, p) => sum + p.sizeBytes, 0);
  if (bytes > MAX_BATCH_BYTES) return fail(413, 10205, `Batch size out of bounds: ${bytes} > ${MAX_BATCH_BYTES} bytes`);
  if (!allow('publish', parsed.length)) return overloaded();
  enqueue(parsed);
  return ok({ metadata: { metrics: metrics() } });
}

/** One message to publish: {body, content_type?: "json" (default) | "text", delay_seconds?}. */
function parseMessage(raw, batchDelay, where = '') {
  if (!isObject(raw)) return { answer: invalid(`${where || 'the body'} must be a JSON object`) };
  const contentType = raw.content_type ?? 'json';
  if (contentType !== 'json' && contentType !== 'text') {
    return { answer: fail(400, 10203, `Invalid message metadata: ${where}content_type "${contentType}" is not ` +
      'accepted over HTTP; use "json" or "text"') };
  }
  if (!('body' in raw)) return { answer: invalid(`${where}body is required`) };
  if (contentType === 'text' && typeof raw.body !== 'string') {
    return { answer: invalid(`${where}body must be a string for content_type "text"`) };
  }
  const delayS = raw.delay_seconds ?? batchDelay ?? opts.deliveryDelayS;
  if (!validDelay(delayS)) {
    return { answer: fail(400, 10203, `Invalid message metadata: ${where}delay_seconds must be from 0 to ${MAX_DELAY_S}`) };
  }
  const sizeBytes = Buffer.byteLength(contentType === 'text' ? raw.body : JSON.stringify(raw.body));
  if (sizeBytes > MAX_MESSAGE_BYTES) {
    return { answer: fail(413, 10204, `Message size out of bounds: ${where}body is ${sizeBytes} > ${MAX_MESSAGE_BYTES} bytes`) };
  }
  return { contentType, body: raw.body, sizeBytes, delayS, source: 'api' };
}

function pullRoute(body) {
  const p = pullParams(body);
  if (p.error) return invalid(p.error);
  const now = Date.now();
  const ready = messages.filter((m) => m.state === 'queued' && m.visibleAt <= now)
    .sort((a, b) => a.visibleAt - b.visibleAt || a.seq - b.seq).slice(0, p.batchSize);
  if (!allow('consume', ready.length)) return overloaded();
  const out = ready.map((m) => deliver(m, now, p.visibilityMs));
  const meter = metrics();
  return ok({ message_backlog_count: meter.backlog_count, messages: out, metadata: { metrics: meter } });
}

/** {batch_size?: 1..100 (5), visibility_timeout_ms?: 1..43200000 (--visibility-timeout-ms, 30000)}. */
function pullParams(body) {
  if (body === undefined) {
    warnOnce('empty pull', 'a pull came without a body; the docs send {} (or fields) as JSON; taken as {} here');
    body = {};
  }
  if (!isObject(body)) return { error: 'the body must be a JSON object' };
  if (body.visibility_timeout !== undefined) {
    warnOnce('visibility_timeout', `a pull sent "visibility_timeout" (${body.visibility_timeout}); the API field is ` +
      '"visibility_timeout_ms" (OpenAPI and SDKs), so it is ignored here');
  }
  const batchSize = body.batch_size ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
    return { error: 'batch_size must be a whole number from 1 to 100' };
  }
  const visibilityMs = body.visibility_timeout_ms ?? opts.visibilityMs;
  if (!Number.isInteger(visibilityMs) || visibilityMs < 1 || visibilityMs > MAX_VISIBILITY_MS) {
    return { error: `visibility_timeout_ms must be a whole number of milliseconds from 1 to ${MAX_VISIBILITY_MS}` };
  }
  return { batchSize, visibilityMs };
}

function ackRoute(body) {
  const a = ackParams(body ?? {});
  if (a.answer) return a.answer;
  if (!allow('consume', a.acks.length + a.retries.length)) return overloaded();
  const now = Date.now();
  const warnings = {};
  let ackCount = 0;
  let retryCount = 0;
  for (const id of a.acks) {
    const warning = ack(id, now);
    if (warning) warnings[id] = warning;
    else ackCount++;
  }
  for (const r of a.retries) {
    const warning = retry(r.lease_id, r.delay_seconds, now);
    if (warning) warnings[r.lease_id] = warning;
    else retryCount++;
  }
  return ok({ ackCount, retryCount, warnings });
}

/** {acks?: [{lease_id}], retries?: [{lease_id, delay_seconds?}]}. */
function ackParams(body) {
  if (!isObject(body)) return { answer: invalid('the body must be a JSON object') };
  const { acks = [], retries = [] } = body;
  if (!Array.isArray(acks) || !Array.isArray(retries)) return { answer: invalid('acks and retries must be arrays') };
  for (const [name, list] of [['acks', acks], ['retries', retries]]) {
    const bad = list.findIndex((x) => !isObject(x) || typeof x.lease_id !== 'string' || !x.lease_id);
    if (bad >= 0) return { answer: invalid(`${name}[${bad}].lease_id must be a non-empty string`) };
  }
  const badDelay = retries.findIndex((r) => r.delay_seconds !== undefined && !validDelay(r.delay_seconds));
  if (badDelay >= 0) {
    return { answer: fail(400, 10203, `Invalid message metadata: retries[${badDelay}].delay_seconds must be from 0 to ${MAX_DELAY_S}`) };
  }
  return { acks: acks.map((x) => x.lease_id), retries };
}

// ------------------------------------------------------------------ test control and plumbing

/** POST /__messages: any content type, bytes and v8 bodies given as base64; no auth, limits or faults. */
function injectMessages(input) {
  const list = Array.isArray(input) ? input : isObject(input) && Array.isArray(input.messages) ? input.messages : [input];
  const parsed = [];
  for (const [i, raw] of list.entries()) {
    if (!isObject(raw) || !('body' in raw)) return `messages[${i}] needs a body`;
    const contentType = raw.content_type ?? 'json';
    if (!['json', 'text', 'bytes', 'v8'].includes(contentType)) return `messages[${i}].content_type: json, text, bytes or v8`;
    const binary = contentType === 'bytes' || contentType === 'v8';
    if ((binary || contentType === 'text') && typeof raw.body !== 'string') return `messages[${i}].body must be a string`;
    const body = binary ? Buffer.from(raw.body, 'base64') : raw.body;
    const delayS = raw.delay_seconds ?? 0;
    if (!validDelay(delayS)) return `messages[${i}].delay_seconds must be from 0 to ${MAX_DELAY_S}`;
    const sizeBytes = binary ? body.length : Buffer.byteLength(contentType === 'text' ? body : JSON.stringify(body));
    parsed.push({ contentType, body, sizeBytes, delayS, source: raw.source ?? 'api' });
  }
  return enqueue(parsed).map((m) => m.id);
}

function logView(m) {
  const binary = Buffer.isBuffer(m.body);
  return { id: m.id, state: m.state, content_type: m.contentType, source: m.source,
    body: binary ? m.body.toString('base64') : m.body, size_bytes: m.sizeBytes, timestamp_ms: m.timestampMs,
    visible_at: m.state === 'queued' ? iso(m.visibleAt) : null, attempts: m.attempts, deliveries: m.deliveries,
    acked_at: m.ackedAt, dead_at: m.deadAt, dead_reason: m.deadReason,
    dead_letter_queue: m.state === 'dead' ? opts.deadLetterQueue || null : null };
}

function control(req, res, url, body, bodyError) {
  const route = `${req.method} ${url.pathname}`;
  const count = (state) => messages.filter((m) => m.state === state).length;
  if (bodyError) return send(res, 400, { error: `the body is not valid JSON: ${bodyError}` });
  if (route === 'GET /__log') {
    sweep();
    return send(res, 200, { requests, messages: messages.map(logView), acked: count('acked'), dead: count('dead'),
      backlog: count('queued') + count('leased') });
  }
  if (route === 'GET /__faults') return send(res, 200, { faults });
  if (route === 'DELETE /__faults') {
    faults = [];
    return send(res, 200, { faults });
  }
  if (route === 'POST /__messages') {
    const ids = injectMessages(body);
    return typeof ids === 'string' ? send(res, 400, { error: ids }) : send(res, 200, { ids });
  }
  if (route !== 'POST /__faults') return send(res, 404, { error: 'not found' });
  const problem = addFaults(body);
  if (problem) return send(res, 400, { error: problem });
  send(res, 200, { faults });
}

async function handle(req, res) {
  const started = Date.now();
  const url = new URL(req.url, 'http://127.0.0.1');
  const entry = { method: req.method, path: url.pathname + url.search, status: null, at: iso(started) };
  res.on('close', () => {
    if (!res.writableFinished) entry.status = 0; // reset by a fault, or the client went away
    log(`${req.method} ${url.pathname}${url.search} ${res.writableFinished ? res.statusCode : 'RESET'} ${Date.now() - started}ms`);
  });
  const isControl = url.pathname.startsWith('/__');
  if (!isControl) requests.push(entry);
  let body;
  let bodyError = null;
  try {
    body = await readJson(req);
  } catch (error) {
    bodyError = error.message;
  }
  if (body !== undefined) entry.body = body;
  res.on('finish', () => { entry.status = res.statusCode; });
  return isControl ? control(req, res, url, body, bodyError) : api(req, res, url, body, bodyError);
}

async function readJson(req) {
  let text = '';
  for await (const chunk of req) {
    text += chunk;
    if (text.length > 1 << 20) throw new Error('body larger than 1 MiB');
  }
  return text.trim() ? JSON.parse(text) : undefined;
}

function reply(res, answer) {
  if (res.destroyed) return;
  if (answer.text !== undefined) {
    res.writeHead(answer.status, answer.headers);
    return res.end(answer.text);
  }
  send(res, answer.status, answer.body, answer.headers);
}

function send(res, status, body, headers = {}) {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

function shutdown(signal) {
  if (shuttingDown) return;
  shuttingDown = true;
  log(`${signal}: exiting`);
  server.close();
  server.closeAllConnections();
  process.exit(0);
}

const server = http.createServer((req, res) => {
  handle(req, res).catch((error) => {
    log(`error: ${error.stack ?? error}`);
    if (!res.headersSent) reply(res, fail(500, 15000, `Unknown error: ${error.message}`));
  });
});

process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
server.listen(opts.port, '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
