#!/usr/bin/env node
// A stand-in for the Fly.io Machines API (https://fly.io/docs/machines/api/) for tests: the
// machines resource's list, create, get, start, stop, wait and destroy, with Fly's bearer auth,
// its documented rate limits and its error shape ({"error": "..."}). A machine in state
// `started` is a real local child process in its own process group (the group is the "VM").
// Test levers that are not Fly's, without auth: /__faults and /__log (README.md beside it).
// Single-threaded: every state change runs on node's event loop.

import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, closeSync, mkdirSync, openSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';

const USAGE = 'usage: node fake-machines.mjs --port 0 --app APP --token TOKEN --cmd PATH [--cmd-arg ARG]...\n' +
  '  [--secret KEY=VALUE | --secret KEY]... [--log-dir DIR] [--boot-delay-ms 300] [--stop-delay-ms 100]\n' +
  '  [--no-rate-limits] [--new-instance-id-on-start]';
const opts = parseArgs(process.argv.slice(2));
const SIGNALS = ['SIGABRT', 'SIGALRM', 'SIGFPE', 'SIGHUP', 'SIGILL', 'SIGINT', 'SIGKILL', 'SIGPIPE', 'SIGQUIT',
  'SIGSEGV', 'SIGTERM', 'SIGTRAP', 'SIGUSR1', 'SIGUSR2'];
const WAIT_STATES = ['started', 'stopped', 'suspended', 'destroyed'];
const DESTROYABLE = ['stopped', 'created', 'failed', 'suspended'];
const LIMITS = { get: { rate: 5, burst: 10 }, other: { rate: 1, burst: 3 } }; // per second, working-with-machines-api
const DEFAULT_STOP = { signal: 'SIGINT', timeoutMs: 5000 }; // the stop endpoint's and kill_timeout's documented defaults
const NOT_FOUND = { error: 'not_found: machine not found' };

const machines = new Map(); // id -> machine, destroyed ones included
const requests = [];        // the /__log of /v1 requests
const buckets = new Map();  // "action scope" -> token bucket
let faults = [];
let created = 0;
let shuttingDown = false;

// ------------------------------------------------------------------ command line

function parseArgs(argv) {
  const o = { port: 0, app: '', token: '', cmd: '', cmdArgs: [], secrets: {}, logDir: '', bootDelayMs: 300,
    stopDelayMs: 100, rateLimits: true, newInstanceIdOnStart: false };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s);
    const value = () => inline ?? (++i < argv.length ? argv[i] : usage(`${flag} needs a value`));
    if (flag === '--port') o.port = Number(value());
    else if (flag === '--app') o.app = value();
    else if (flag === '--token') o.token = value();
    else if (flag === '--cmd') o.cmd = value();
    else if (flag === '--cmd-arg') o.cmdArgs.push(value());
    else if (flag === '--secret') addSecret(o.secrets, value());
    else if (flag === '--log-dir') o.logDir = value();
    else if (flag === '--boot-delay-ms') o.bootDelayMs = Number(value());
    else if (flag === '--stop-delay-ms') o.stopDelayMs = Number(value());
    else if (flag === '--no-rate-limits') o.rateLimits = false;
    else if (flag === '--new-instance-id-on-start') o.newInstanceIdOnStart = true;
    else usage(`unknown flag ${flag}`);
  }
  if (!o.app || !o.token || !o.cmd) usage('--app, --token and --cmd are required');
  if (![o.port, o.bootDelayMs, o.stopDelayMs].every((n) => Number.isInteger(n) && n >= 0)) usage('bad number');
  return o;
}

/** KEY=VALUE, or KEY alone for the value of KEY in this process's environment (kept out of `ps`). */
function addSecret(secrets, pair) {
  const eq = pair.indexOf('=');
  if (eq === 0 || !pair) usage('--secret takes KEY=VALUE or KEY');
  if (eq > 0) return void (secrets[pair.slice(0, eq)] = pair.slice(eq + 1));
  if (process.env[pair] === undefined) usage(`--secret ${pair}: no ${pair} in the environment`);
  secrets[pair] = process.env[pair];
}

function usage(message) {
  process.stderr.write(`fake-machines: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function log(line) {
  process.stderr.write(`fake-machines: ${line}\n`);
}

// ------------------------------------------------------------------ ids and shapes

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A ULID: 10 characters of millisecond time and 16 random ones, Crockford base32. */
function ulid() {
  let time = Date.now();
  let out = '';
  for (let i = 0; i < 10; i++, time = Math.floor(time / 32)) out = CROCKFORD[time % 32] + out;
  for (const byte of randomBytes(16)) out += CROCKFORD[byte % 32];
  return out;
}

function randomName() {
  const adjectives = ['aged', 'bold', 'calm', 'dark', 'damp', 'late', 'lively', 'quiet', 'small', 'young'];
  const nouns = ['thunder', 'river', 'meadow', 'forest', 'cloud', 'shadow', 'sound', 'field', 'dawn', 'wave'];
  const pick = (list) => list[randomBytes(1)[0] % list.length];
  return `${pick(adjectives)}-${pick(nouns)}-${1000 + (randomBytes(2).readUInt16BE() % 9000)}`;
}

function privateIp() {
  const hex = () => randomBytes(2).toString('hex').replace(/^0+(?=.)/, '');
  return `fdaa:0:1:a7b:${hex()}:${hex()}:${hex()}:2`;
}

/** The image_ref object Fly derives from config.image (the digest is made up here). */
function imageRef(image) {
  let [name, digest] = image.split('@');
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  const hasRegistry = first.includes('.') || first.includes(':') || first === 'localhost';
  const registry = hasRegistry ? first : 'registry-1.docker.io';
  let repository = hasRegistry ? name.slice(slash + 1) : name;
  const colon = repository.lastIndexOf(':');
  const tag = colon > repository.lastIndexOf('/') ? repository.slice(colon + 1) : 'latest';
  if (colon > repository.lastIndexOf('/')) repository = repository.slice(0, colon);
  if (!hasRegistry && !repository.includes('/')) repository = `library/${repository}`;
  digest ??= `sha256:${createHash('sha256').update(image).digest('hex')}`;
  return { registry, repository, tag, digest, labels: {} };
}

const shownState = (m) => (m.replacing ? 'replacing' : m.state);

/** The machine object as GET /machines/{id} returns it. */
function view(m) {
  return { id: m.id, name: m.name, state: shownState(m), region: m.region, instance_id: m.instance_id,
    private_ip: m.private_ip, config: m.config, image_ref: m.image_ref, created_at: m.created_at,
    updated_at: m.updated_at, events: m.events };
}

/** What /__log says of a machine: the view's essentials plus the fake's counters. */
function logView(m) {
  return { id: m.id, name: m.name, state: shownState(m), region: m.region, instance_id: m.instance_id,
    config: m.config, metadata: m.config.metadata ?? {}, order: m.order, starts: m.starts, restarts: m.restarts,
    pid: m.child?.pid ?? null, pids: m.pids, exits: m.exits, created_at: m.created_at, destroyed_at: m.destroyedAt };
}

// ------------------------------------------------------------------ rate limits and faults

/** A token bucket per action and scope (machine id, or the app for create and list). */
function allow(action, scope) {
  if (!opts.rateLimits) return true;
  const { rate, burst } = LIMITS[action] ?? LIMITS.other;
  const key = `${action} ${scope}`;
  const now = Date.now() / 1000;
  const bucket = buckets.get(key) ?? { tokens: burst, at: now };
  bucket.tokens = Math.min(burst, bucket.tokens + (now - bucket.at) * rate);
  bucket.at = now;
  buckets.set(key, bucket);
  if (bucket.tokens < 1) return false;
  bucket.tokens -= 1;
  return true;
}

const FAULT_ACTIONS = ['create', 'start', 'stop', 'wait', 'destroy', 'list', 'get', 'boot', 'replace'];
const FAULT_MESSAGES = {
  400: 'invalid_argument: injected fault', 401: 'unauthorized', 404: NOT_FOUND.error,
  408: 'deadline_exceeded: injected fault', 409: 'already_exists: injected fault',
  412: 'failed_precondition: injected fault', 422: 'invalid_argument: injected fault', 429: 'rate limit exceeded',
  500: 'internal: injected fault', 502: 'bad gateway', 503: 'service unavailable', 504: 'gateway timeout',
};
const CAPACITY = 'could not reserve resource for machine: insufficient memory available to fulfill request';

/** Checks and stores POSTed faults; `replace` acts at once. Returns an error string or null. */
function addFaults(input) {
  const list = Array.isArray(input) ? input : [input];
  for (const f of list) {
    if (!f || typeof f !== 'object' || !FAULT_ACTIONS.includes(f.action)) return `action must be one of ${FAULT_ACTIONS}`;
    if (f.status !== undefined && !(Number.isInteger(f.status) && f.status >= 400 && f.status <= 599)) return 'bad status';
    if (f.action === 'replace' && !machines.get(f.machine)) return 'replace needs the id of a machine';
  }
  for (const f of list) {
    if (f.action === 'replace') replaceMachine(machines.get(f.machine), f.duration_ms ?? 2000);
    else faults.push({ ...f, count: f.count ?? 1 });
  }
  return null;
}

/** Consumes the first fault matching this action (and region and machine, when the fault names them). */
function takeFault(action, { region, machine }) {
  const f = faults.find((x) => x.action === action && (!x.region || x.region === region) &&
    (!x.machine || x.machine === machine));
  if (f && --f.count <= 0) faults = faults.filter((x) => x !== f);
  return f ?? null;
}

function sendFault(res, f, action) {
  const status = f.status ?? (action === 'create' ? 503 : action === 'wait' ? 408 : 500);
  const capacity = action === 'create' && status === 503;
  const body = { error: f.error ?? (capacity ? CAPACITY : FAULT_MESSAGES[status] ?? `injected fault ${status}`) };
  if (f.code ?? capacity) body.status = f.code ?? 'insufficient_capacity';
  const headers = f.retry_after !== undefined ? { 'Retry-After': String(f.retry_after) } : {};
  send(res, status, body, headers);
}

// ------------------------------------------------------------------ machine lifecycle

function newMachine(body) {
  const now = new Date().toISOString();
  const m = { id: randomBytes(7).toString('hex'), name: body.name || randomName(), state: 'created',
    region: body.region || 'iad', instance_id: ulid(), private_ip: privateIp(), config: structuredClone(body.config),
    image_ref: imageRef(body.config.image), created_at: now, updated_at: now, events: [],
    order: ++created, starts: 0, restarts: 0, pids: [], exits: [], destroyedAt: null, child: null, timer: null,
    killTimer: null, replacing: false, replaceTimer: null, stuck: false, restartTimes: [], waiters: new Set() };
  machines.set(m.id, m);
  addEvent(m, 'launch', 'user');
  return m;
}

function addEvent(m, type, source = 'flyd') {
  m.events.unshift({ id: ulid(), type, status: m.state, source, timestamp: Date.now() });
  m.events.length = Math.min(m.events.length, 20);
}

function setState(m, state, type, source) {
  m.state = state;
  m.updated_at = new Date().toISOString();
  if (type) addEvent(m, type, source);
  for (const waiter of [...m.waiters]) waiter();
}

/** Boots after the boot delay: on create the machine stays `created` meanwhile, on start it is `starting`. */
function boot(m, requested) {
  m.restartTimes = [];
  const fault = takeFault('boot', { region: m.region, machine: m.id });
  if (requested) setState(m, 'starting', 'start', 'user');
  if (fault?.stuck || m.stuck) {
    m.stuck = true;
    return log(`machine ${m.id} is stuck in ${m.state} (injected)`);
  }
  m.timer = setTimeout(() => {
    m.timer = null;
    if (m.state === 'created') setState(m, 'starting', 'start', 'user');
    if (fault?.fail) return setState(m, 'failed', 'exit');
    spawnChild(m);
  }, opts.bootDelayMs);
}

function spawnChild(m) {
  if (opts.newInstanceIdOnStart && m.starts > 0) m.instance_id = ulid();
  const out = openLog(m);
  let child;
  try {
    child = spawn(opts.cmd, opts.cmdArgs, { env: machineEnv(m), stdio: ['ignore', out, out], detached: true });
  } finally {
    if (typeof out === 'number') closeSync(out);
  }
  m.child = child;
  m.starts++;
  child.on('spawn', () => {
    m.pids.push(child.pid);
    log(`machine ${m.id} started pid ${child.pid}`);
    if (m.state === 'starting') setState(m, 'started', 'start');
  });
  child.on('error', (error) => {
    if (child.pid !== undefined || m.child !== child) return; // a failed kill(); the exit event follows
    m.child = null;
    log(`machine ${m.id} could not start ${opts.cmd}: ${error.code ?? error.message}`);
    if (m.state === 'starting') setState(m, 'failed', 'exit');
  });
  child.on('exit', (code, signal) => onExit(m, child, code, signal));
}

function openLog(m) {
  if (!opts.logDir) return 'ignore';
  const path = join(opts.logDir, `${m.id}.log`);
  appendFileSync(path, `--- fake-machines: ${new Date().toISOString()} start ${m.instance_id}\n`);
  return openSync(path, 'a');
}

/** The child's environment: PATH and HOME, config.env, app secrets (which win, as on Fly), then Fly's own. */
function machineEnv(m) {
  const env = {};
  for (const key of ['PATH', 'HOME']) if (process.env[key] !== undefined) env[key] = process.env[key];
  for (const [key, value] of Object.entries(m.config.env ?? {})) env[key] = String(value);
  Object.assign(env, opts.secrets, {
    FLY_APP_NAME: opts.app, FLY_MACHINE_ID: m.id, FLY_ALLOC_ID: m.id, FLY_REGION: m.region,
    FLY_IMAGE_REF: m.config.image, FLY_MACHINE_VERSION: m.instance_id, FLY_PRIVATE_IP: m.private_ip,
    FLY_VM_MEMORY_MB: String(m.config.guest?.memory_mb ?? 256),
  });
  if (m.config.metadata?.fly_process_group) env.FLY_PROCESS_GROUP = m.config.metadata.fly_process_group;
  return env;
}

function onExit(m, child, code, signal) {
  if (m.child !== child) return;
  m.child = null;
  clearTimeout(m.killTimer);
  killGroup(child, 'SIGKILL'); // the VM goes with its main process
  m.exits.push({ code, signal, at: new Date().toISOString() });
  log(`machine ${m.id} pid ${child.pid} exited ${signal ? `on ${signal}` : `with code ${code}`}`);
  if (shuttingDown) return exitWhenAllGone();
  if (m.state === 'destroying') return later(() => finishDestroy(m));
  if (m.state !== 'stopping' && shouldRestart(m, code)) return restart(m);
  if (m.state !== 'stopping') setState(m, 'stopping', 'exit');
  later(() => finishStop(m));
}

/** The restart policy (on-failure when none is set): max_retries, default 10, within 5 minutes. */
function shouldRestart(m, code) {
  const policy = m.config.restart?.policy ?? 'on-failure';
  if (policy === 'always') return true;
  if (policy !== 'on-failure' || code === 0) return false;
  const now = Date.now();
  m.restartTimes = m.restartTimes.filter((t) => now - t < 300_000);
  return m.restartTimes.length < (m.config.restart?.max_retries ?? 10);
}

function restart(m) {
  m.restarts++;
  m.restartTimes.push(Date.now());
  setState(m, 'starting', 'restart');
  m.timer = setTimeout(() => { m.timer = null; spawnChild(m); }, opts.bootDelayMs);
}

function stopMachine(m, signal, timeoutMs) {
  if (m.state !== 'started' && m.state !== 'starting') return; // nothing runs: a no-op, as for `stopping`
  clearTimeout(m.timer);
  m.timer = null;
  setState(m, 'stopping', 'stop', 'user');
  if (!m.child) return later(() => finishStop(m));
  try { m.child.kill(signal); } catch { /* already gone: the exit event follows */ }
  const child = m.child;
  m.killTimer = setTimeout(() => killGroup(child, 'SIGKILL'), timeoutMs);
}

function finishStop(m) {
  if (m.state !== 'stopping') return;
  setState(m, 'stopped', 'stop');
  if (m.config.auto_destroy) destroyMachine(m, 'flyd');
}

function destroyMachine(m, source) {
  clearTimeout(m.timer);
  m.timer = null;
  endReplacing(m, false);
  setState(m, 'destroying', 'destroy', source);
  if (m.child) return killGroup(m.child, 'SIGKILL'); // onExit finishes the destroy
  later(() => finishDestroy(m));
}

function finishDestroy(m) {
  m.destroyedAt = new Date().toISOString();
  setState(m, 'destroyed', 'destroy');
}

/** `replacing` for a while (an update in progress), then a new version: a new instance_id. */
function replaceMachine(m, ms) {
  if (m.state === 'destroyed') return;
  clearTimeout(m.replaceTimer);
  m.replacing = true;
  setState(m, m.state, 'update', 'user');
  m.replaceTimer = setTimeout(() => endReplacing(m, true), ms);
}

function endReplacing(m, newVersion) {
  if (!m.replacing) return;
  clearTimeout(m.replaceTimer);
  m.replacing = false;
  if (newVersion) m.instance_id = ulid();
  setState(m, m.state, 'update');
}

function killGroup(child, signal) {
  try { process.kill(-child.pid, signal); } catch { /* the group is empty */ }
}

const later = (fn) => setTimeout(fn, opts.stopDelayMs);

// ------------------------------------------------------------------ the API

const ROUTES = [ // [method, path segments, verb, action, handler]; the action names rate limits and faults
  ['GET', 4, null, 'list', listRoute], ['POST', 4, null, 'create', createRoute],
  ['GET', 5, null, 'get', getRoute], ['DELETE', 5, null, 'destroy', destroyRoute],
  ['POST', 6, 'start', 'start', startRoute], ['POST', 6, 'stop', 'stop', stopRoute],
  ['GET', 6, 'wait', 'wait', waitRoute],
];

async function api(req, res, url, body) {
  res.setHeader('fly-request-id', randomBytes(10).toString('hex'));
  if (req.headers.authorization !== `Bearer ${opts.token}`) return send(res, 401, { error: 'unauthorized' });
  const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent); // v1 apps APP machines ID VERB
  if (parts[0] !== 'v1' || parts[1] !== 'apps' || parts.length < 3) return send(res, 404, { error: 'not found' });
  if (parts[2] !== opts.app) return send(res, 404, { error: 'app not found' });
  const route = ROUTES.find(([method, length, verb]) => method === req.method && length === parts.length &&
    (verb ?? undefined) === parts[5]);
  if (parts[3] !== 'machines' || !route) {
    return send(res, 501, { error: `fake-machines does not model ${req.method} ${url.pathname}` });
  }
  const [, , , action, handler] = route;
  const id = parts[4];
  const m = id ? machines.get(id) : undefined;
  const region = action === 'create' ? body?.region || 'iad' : action === 'list' ? url.searchParams.get('region') : m?.region;
  const fault = takeFault(action, { region, machine: id });
  if (fault) return sendFault(res, fault, action);
  if (!allow(action, id ?? opts.app)) return send(res, 429, { error: 'rate limit exceeded' });
  return handler({ res, url, body, m });
}

const live = (m) => m && m.state !== 'destroyed';

function listRoute({ res, url }) {
  const q = url.searchParams;
  const states = q.get('state')?.split(',').filter(Boolean);
  const metadata = [...q].filter(([key]) => key.startsWith('metadata.')).map(([key, value]) => [key.slice(9), value]);
  const list = [...machines.values()].filter((m) => (q.get('include_deleted') === 'true' || live(m)) &&
    (!q.get('region') || m.region === q.get('region')) && (!states || states.includes(shownState(m))) &&
    metadata.every(([key, value]) => m.config.metadata?.[key] === value));
  send(res, 200, list.map(view));
}

function createRoute({ res, body }) {
  const problem = createProblem(body);
  if (problem) return send(res, 400, { error: `invalid_argument: ${problem}` });
  const name = body.name || undefined;
  if (name && [...machines.values()].some((m) => live(m) && m.name === name)) {
    return send(res, 409, { error: `already_exists: a machine named "${name}" already exists` });
  }
  const m = newMachine(body);
  log(`machine ${m.id} created (${m.name}, ${m.region})`);
  send(res, 200, view(m));
  if (!body.skip_launch) boot(m, false);
}

function createProblem(body) {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return 'the body must be a JSON object';
  if (!body.config || typeof body.config !== 'object') return 'config is required';
  if (typeof body.config.image !== 'string' || !body.config.image) return 'config.image is required';
  const policy = body.config.restart?.policy;
  if (policy !== undefined && !['no', 'always', 'on-failure'].includes(policy)) {
    return 'config.restart.policy must be one of "no", "always", "on-failure"';
  }
  if (body.config.env !== undefined && (typeof body.config.env !== 'object' || Array.isArray(body.config.env))) {
    return 'config.env must be an object of strings';
  }
  return null;
}

function getRoute({ res, m }) {
  if (!live(m)) return send(res, 404, NOT_FOUND);
  send(res, 200, view(m));
}

function startRoute({ res, m }) {
  if (!live(m)) return send(res, 404, NOT_FOUND);
  const previous = shownState(m);
  if (m.replacing) return send(res, 412, { error: 'failed_precondition: machine is being replaced' });
  if (m.state === 'stopping' || m.state === 'destroying') {
    return send(res, 412, { error: `failed_precondition: unable to start machine from state '${m.state}'` });
  }
  if (['created', 'stopped', 'failed', 'suspended'].includes(m.state) && !m.timer && !(m.stuck && m.state === 'created')) {
    boot(m, true);
  }
  send(res, 200, { previous_state: previous, migrated: false, new_host: '' });
}

function stopRoute({ res, body, m }) {
  if (!live(m)) return send(res, 404, NOT_FOUND);
  if (m.replacing) return send(res, 412, { error: 'failed_precondition: machine is being replaced' });
  const stop = stopParams(body ?? {}, m.config.stop_config ?? {});
  if (stop.error) return send(res, 400, { error: `invalid_argument: ${stop.error}` });
  stopMachine(m, stop.signal, stop.timeoutMs);
  send(res, 200, { ok: true });
}

/** The signal and grace of a stop: the body's, else config.stop_config's, else SIGINT and 5 s. */
function stopParams(body, config) {
  const signal = body.signal || config.signal || DEFAULT_STOP.signal;
  if (!SIGNALS.includes(signal)) return { error: `unknown signal "${signal}"` };
  if (typeof body.timeout === 'number') {
    log(`warning: stop timeout ${body.timeout} sent as a JSON number; taken as seconds here, but Fly's ` +
      'fly.Duration reads a bare number as nanoseconds: send a string such as "30s"');
  }
  const fromBody = body.timeout === undefined || body.timeout === '' ? undefined : durationMs(body.timeout, 1000);
  const fromConfig = config.timeout === undefined ? undefined : durationMs(config.timeout, 1e-6);
  if (Number.isNaN(fromBody)) return { error: `timeout "${body.timeout}" is not a duration such as "30s"` };
  return { signal, timeoutMs: fromBody ?? (Number.isNaN(fromConfig) ? undefined : fromConfig) ?? DEFAULT_STOP.timeoutMs };
}

/** A Go duration string ("1m30s", "500ms") in ms; a number or digits times `unitMs`; NaN otherwise. */
function durationMs(value, unitMs) {
  if (typeof value === 'number') return value >= 0 ? value * unitMs : NaN;
  if (typeof value !== 'string') return NaN;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * unitMs;
  const units = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const parts = [...value.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g)];
  if (!parts.length || parts.map((p) => p[0]).join('') !== value) return NaN;
  return parts.reduce((sum, [, n, unit]) => sum + Number(n) * units[unit], 0);
}

function waitRoute({ res, url, m }) {
  const q = url.searchParams;
  const states = q.getAll('state').flatMap((s) => s.split(',')).filter(Boolean);
  if (!states.length) states.push('started');
  const instanceId = q.get('instance_id') || q.get('version') || '';
  const timeout = q.get('timeout') ?? '60';
  const bad = states.find((s) => !WAIT_STATES.includes(s));
  if (bad) return send(res, 400, { error: `invalid_argument: state must be one of ${WAIT_STATES.join(', ')}` });
  if (!/^\d+$/.test(timeout) || Number(timeout) < 1 || Number(timeout) > 60) {
    return send(res, 400, { error: 'invalid_argument: timeout must be a whole number of seconds from 1 to 60' });
  }
  if (states.includes('stopped') && !instanceId) {
    return send(res, 400, { error: 'invalid_argument: instance_id is required when waiting for the stopped state' });
  }
  if (!m) return send(res, 404, NOT_FOUND);
  waitFor(res, m, states, instanceId, Number(timeout));
}

/** Answers once the machine (that instance, when given) is in one of `states`; 408 at the deadline. */
function waitFor(res, m, states, instanceId, timeoutS) {
  const reached = () => states.includes(shownState(m)) && (!instanceId || instanceId === m.instance_id);
  const gone = () => m.state === 'destroyed' && !states.includes('destroyed');
  let timer = null;
  const done = (status, body) => {
    clearTimeout(timer);
    m.waiters.delete(check);
    if (!res.writableEnded) send(res, status, body);
  };
  const check = () => {
    if (reached()) done(200, { ok: true });
    else if (gone()) done(404, NOT_FOUND);
    else return false;
    return true;
  };
  if (check()) return;
  m.waiters.add(check);
  timer = setTimeout(() => done(408, {
    error: `deadline_exceeded: machine ${m.id} did not reach state ${states.join('|')} within ${timeoutS}s`,
  }), timeoutS * 1000);
  res.on('close', () => { clearTimeout(timer); m.waiters.delete(check); });
}

function destroyRoute({ res, url, m }) {
  if (!live(m)) return send(res, 404, NOT_FOUND);
  const force = ['force', 'kill'].some((key) => /^(1|t|true)$/i.test(url.searchParams.get(key) ?? ''));
  if (m.state === 'destroying') return send(res, 200, { ok: true });
  if (!force && (m.replacing || !DESTROYABLE.includes(m.state))) {
    return send(res, 412, { error: 'failed_precondition: unable to destroy machine, not currently stopped or suspended' });
  }
  destroyMachine(m, 'user');
  send(res, 200, { ok: true });
}

// ------------------------------------------------------------------ test control and plumbing

function control(req, res, url, body) {
  const route = `${req.method} ${url.pathname}`;
  if (route === 'GET /__log') return send(res, 200, { requests, machines: [...machines.values()].map(logView) });
  if (route === 'GET /__faults') return send(res, 200, { faults });
  if (route === 'DELETE /__faults') {
    faults = [];
    return send(res, 200, { ok: true });
  }
  if (route !== 'POST /__faults') return send(res, 404, { error: 'not found' });
  const problem = addFaults(body);
  if (problem) return send(res, 400, { error: problem });
  send(res, 200, { faults });
}

async function handle(req, res) {
  const started = Date.now();
  const url = new URL(req.url, 'http://127.0.0.1');
  const entry = { method: req.method, path: url.pathname + url.search, status: null, at: new Date().toISOString() };
  res.on('finish', () => {
    entry.status = res.statusCode;
    log(`${req.method} ${url.pathname}${url.search} ${res.statusCode} ${Date.now() - started}ms`);
  });
  const isControl = url.pathname.startsWith('/__');
  if (!isControl) requests.push(entry);
  let body;
  try {
    body = await readJson(req);
  } catch {
    return send(res, 400, { error: 'invalid_argument: the request body is not valid JSON' });
  }
  if (body !== undefined) entry.body = body;
  return isControl ? control(req, res, url, body) : api(req, res, url, body);
}

async function readJson(req) {
  let text = '';
  for await (const chunk of req) {
    text += chunk;
    if (text.length > 1 << 20) throw new Error('body too large');
  }
  return text.trim() ? JSON.parse(text) : undefined;
}

function send(res, status, body, headers = {}) {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

/** SIGTERM to every machine's main process, SIGKILL to its group after 5 s, then exit 0. */
function shutdown(signal) {
  if (shuttingDown) return;
  shuttingDown = true;
  log(`${signal}: stopping every machine`);
  server.close();
  server.closeAllConnections();
  for (const m of machines.values()) [m.timer, m.killTimer, m.replaceTimer].forEach(clearTimeout);
  for (const m of machines.values()) if (m.child) try { m.child.kill('SIGTERM'); } catch { /* exiting */ }
  setTimeout(() => machines.forEach((m) => m.child && killGroup(m.child, 'SIGKILL')), 5000).unref();
  exitWhenAllGone();
}

function exitWhenAllGone() {
  if ([...machines.values()].every((m) => !m.child)) process.exit(0);
}

const server = http.createServer((req, res) => {
  handle(req, res).catch((error) => {
    log(`error: ${error.stack ?? error}`);
    if (!res.headersSent) send(res, 500, { error: `internal: ${error.message}` });
  });
});

if (opts.logDir) mkdirSync(opts.logDir, { recursive: true });
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('exit', () => machines.forEach((m) => m.child && killGroup(m.child, 'SIGKILL')));
server.listen(opts.port, '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
