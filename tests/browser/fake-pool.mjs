// A fake machine pool for fake-api.mjs: machines working through a queue on a
// timer, GET /api/system/events and POST /api/machines/{id}/{action} in the
// control plane's own formats (docs/api.md; src/control/operator_view.cc and
// src/state/lua/*.lua for the events; refusals as machine_action.lua words
// them, in the {"error", "details"} body of src/control/api_error.cc). Like the
// real pool it starts with one idle machine and adds one (up to `max`) when
// jobs wait; a drained machine finishes its job, then stops and stays stopped.
// Test levers: burst(), hold()/release() (a running machine's job stays where
// it is until released, so an action lands while it works), dropEvents(),
// breakStreams(), nameMachineEvents(); counters in `stats`.

import { randomBytes } from 'node:crypto';

const iso = (ms) => (ms ? new Date(ms).toISOString() : null);
const newId = (prefix, bytes) => prefix + randomBytes(bytes).toString('base64url');

/** `failOnce`: the index of the burst job whose first attempt fails (and is retried after `retryMs`). */
export function createFakePool({ max = 2, stepMs = 200, sampleMs = 1000, heartbeatMs = 2000, idleMs = 300_000, retryMs = 600, failOnce = 3 } = {}) {
  const machines = new Map();
  const jobs = new Map(); // jobId -> { jobId, filename, priority, attempts, status, progress, machineId, queuedAt, dueAt, startedAt }
  const ready = []; // job ids in claim order
  const watchers = new Set();
  const history = syntheticHour();
  const stats = { snapshots: 0, actions: [], polls: 0 };
  let burstIndex = 0;
  let machineEvent = 'machine';

  addMachine('idle');
  const ticker = setInterval(tick, stepMs);
  const sampler = setInterval(() => { if (watchers.size) publish('sample', sample()); }, sampleMs);
  const beat = setInterval(() => watchers.forEach((res) => res.write(': heartbeat\n\n')), heartbeatMs);

  // ---------------------------------------------------------------- pool

  function addMachine(state) {
    const now = Date.now();
    const m = { machineId: newId('m_', 9), state, owner: 'fake-control', createdAt: now - (state === 'idle' ? 60_000 : 0),
      lastActiveAt: now - (state === 'idle' ? 30_000 : 0), jobId: '', draining: false, jobsDone: 0, lastError: null, boot: 2, stopAsked: false };
    machines.set(m.machineId, m);
    publishMachine(m);
    return m;
  }

  function setState(m, state) {
    m.state = state;
    m.lastActiveAt = Date.now();
    publishMachine(m);
  }

  function tick() {
    promoteDue();
    admit();
    for (const m of machines.values()) step(m);
  }

  /** Like admit.lua: more ready jobs than idle or starting machines: restart a stopped one, else add one. */
  function admit() {
    const supply = [...machines.values()].filter((m) => !m.draining && (m.state === 'idle' || m.state === 'starting')).length;
    if (ready.length <= supply) return;
    const stopped = [...machines.values()].find((m) => m.state === 'stopped' && !m.draining);
    if (stopped) { stopped.boot = 2; setState(stopped, 'starting'); } else if (machines.size < max) addMachine('starting');
  }

  function step(m) {
    if (m.held) return;
    if (m.state === 'starting') { if (--m.boot <= 0) setState(m, 'running'); return; }
    if (m.state === 'stopped') return;
    if (m.stopAsked) return stopMachine(m);
    const job = m.jobId && jobs.get(m.jobId);
    if (job && job.status === 'running') return work(m, job);
    claim(m);
  }

  function work(m, job) {
    job.progress = Math.min(100, job.progress + 25);
    if (job.index === failOnce && job.attempts === 1 && job.progress >= 50) return retryLater(m, job, 'ffmpeg exited with status 1 (fake failure)');
    if (job.progress < 100) return publishJob(job);
    job.status = 'completed';
    job.machineId = null;
    m.jobsDone++;
    publishJob(job); // the machine keeps the job's id until its next claim, as in Redis
  }

  /** Like retry_or_fail: back to pending with the reason, in the delayed set for a while. */
  function retryLater(m, job, reason) {
    Object.assign(job, { status: 'pending', progress: 0, machineId: null, error: reason, dueAt: Date.now() + retryMs });
    m.lastError = reason;
    publishJob(job);
  }

  /** Like claim_next: a draining machine stops, otherwise it takes the first ready job or goes idle. */
  function claim(m) {
    if (m.draining) {
      if (m.jobId) { m.jobId = ''; publishMachine(m); }
      return stopMachine(m);
    }
    const jobId = ready.shift();
    if (!jobId) {
      if (m.state !== 'idle') { m.jobId = ''; setState(m, 'idle'); }
      return;
    }
    const job = jobs.get(jobId);
    Object.assign(job, { status: 'running', progress: 0, machineId: m.machineId, attempts: job.attempts + 1, startedAt: Date.now() });
    publishJob(job);
    m.jobId = jobId;
    setState(m, 'running');
  }

  /** SIGTERM: a running job goes back to the queue untouched; the worker marks its machine stopped. */
  function stopMachine(m) {
    const job = m.jobId && jobs.get(m.jobId);
    if (job && job.status === 'running') requeue(job, null);
    m.stopAsked = false;
    m.jobId = '';
    setState(m, 'stopped');
  }

  function requeue(job, reason) {
    Object.assign(job, { status: 'pending', progress: 0, machineId: null, queuedAt: Date.now() });
    if (reason) job.error = reason;
    ready.push(job.jobId);
    publishJob(job);
  }

  function promoteDue() {
    const now = Date.now();
    for (const job of jobs.values()) {
      if (job.status === 'pending' && job.dueAt && job.dueAt <= now) { job.dueAt = null; job.queuedAt = now; ready.push(job.jobId); }
    }
  }

  /** Adds `count` ready jobs at once (their upload done); returns their ids. */
  function burst(count, prefix = 'burst') {
    const ids = [];
    for (let i = 0; i < count; i++) {
      const job = { jobId: newId('j_', 16), filename: `${prefix}-${i + 1}.mp4`, priority: 0, attempts: 0, status: 'pending',
        progress: 0, machineId: null, queuedAt: Date.now(), dueAt: null, startedAt: null, index: burstIndex++ };
      jobs.set(job.jobId, job);
      ready.push(job.jobId);
      publishJob(job);
      ids.push(job.jobId);
    }
    return ids;
  }

  // ---------------------------------------------------------------- formats

  function machineJson(m) {
    const job = m.jobId && jobs.get(m.jobId);
    const running = job && job.status === 'running' && job.machineId === m.machineId ? job : null;
    const idle = m.state === 'idle';
    return {
      machineId: m.machineId, state: m.state, provider: 'local', owner: m.owner, createdAt: iso(m.createdAt),
      lastActiveAt: iso(m.lastActiveAt), idleSince: idle ? iso(m.lastActiveAt) : null,
      stopsAt: idle && !m.draining ? iso(m.lastActiveAt + idleMs) : null, jobId: m.jobId || null,
      progress: running ? running.progress : null, leaseUntil: running ? iso(running.startedAt + 60_000) : null,
      draining: m.draining, jobsDone: m.jobsDone, lastError: m.lastError,
    };
  }

  function queueJson() {
    const now = Date.now();
    const all = [...jobs.values()];
    const delayed = all.filter((j) => j.status === 'pending' && j.dueAt).sort((a, b) => a.dueAt - b.dueAt);
    const running = all.filter((j) => j.status === 'running');
    return {
      ready: { count: ready.length, jobs: ready.map((id) => jobs.get(id)).map((j) => ({
        jobId: j.jobId, filename: j.filename, priority: j.priority, attempts: j.attempts, queuedAt: iso(j.queuedAt), waitMs: now - j.queuedAt })) },
      delayed: { count: delayed.length, jobs: delayed.map((j) => ({ jobId: j.jobId, filename: j.filename, attempts: j.attempts, dueAt: iso(j.dueAt) })) },
      running: { count: running.length, jobs: running.map((j) => ({ jobId: j.jobId, filename: j.filename, machineId: j.machineId,
        progress: j.progress, attempts: j.attempts, startedAt: iso(j.startedAt), leaseUntil: iso(j.startedAt + 60_000) })) },
    };
  }

  function sample() {
    const q = queueJson();
    const s = { at: Date.now(), ready: q.ready.count, delayed: q.delayed.count, running: q.running.count, busy: q.running.count, machines: machines.size };
    history.push(s);
    return s;
  }

  /** A sample a minute over the hour before now, as a control plane that ran for a while keeps. */
  function syntheticHour() {
    const now = Date.now();
    return Array.from({ length: 60 }, (_, i) => {
      const ready = Math.max(0, Math.round(3 + 3 * Math.sin(i / 5)));
      return { at: now - (60 - i) * 60_000, ready, delayed: 0, running: Math.min(2, ready), busy: Math.min(2, ready), machines: 1 };
    });
  }

  // ---------------------------------------------------------------- events

  /** Like publish() in _lib.lua: the status and progress, machineId while running, error when set. */
  function publishJob(job) {
    const msg = { jobId: job.jobId, status: job.status, progress: job.progress, attempts: job.attempts, at: Date.now() };
    if (job.error) msg.error = job.error;
    if (job.status === 'running' && job.machineId) msg.machineId = job.machineId;
    publish('job', msg);
  }

  function publishMachine(m, gone = false) {
    publish(machineEvent, { machineId: m.machineId, state: gone ? 'gone' : m.state, jobId: gone ? '' : m.jobId, draining: !gone && m.draining, at: Date.now() });
  }

  function publish(name, data) {
    for (const res of watchers) writeEvent(res, name, data);
  }

  /** Written in two pieces at a random place, so that lines arrive split across chunks. */
  function writeEvent(res, name, data) {
    const text = `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
    const cut = 1 + Math.floor(Math.random() * (text.length - 1));
    res.write(text.slice(0, cut));
    res.write(text.slice(cut));
  }

  function streamSystem(req, res) {
    stats.snapshots++;
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' });
    const snapshot = { machines: { machines: [...machines.values()].map(machineJson), max }, queue: queueJson(), history: history.slice(-720) };
    writeEvent(res, 'snapshot', snapshot);
    watchers.add(res);
    req.on('close', () => watchers.delete(res));
  }

  // ---------------------------------------------------------------- actions

  async function act(req, res, id, action) {
    stats.actions.push({ id, action });
    const body = await readBody(req);
    let reason = `${action} by an operator`;
    if (body) {
      let parsed;
      try { parsed = JSON.parse(body); } catch { parsed = null; }
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return sendError(res, 400, 'body must be a JSON object');
      if ('reason' in parsed) {
        if (typeof parsed.reason !== 'string' || !parsed.reason || parsed.reason.length > 500) return sendError(res, 400, 'reason must be a string of 1-500 bytes', { field: 'reason' });
        reason = parsed.reason;
      }
    }
    const m = machines.get(id);
    if (!m) return sendError(res, 404, 'no such machine', { machineId: id });
    const was = m.state;
    const refusal = ACT[action](m, reason);
    if (refusal) return sendError(res, 409, refusal);
    if (action === 'destroy') return sendJson(res, 200, { machineId: id, action, was, state: 'destroyed', requeuedJob: m.requeued || null });
    sendJson(res, 200, { machineId: id, action, was, state: m.state, draining: m.draining, jobId: m.jobId || null });
  }

  const ACT = {
    drain(m) {
      if (m.state === 'stopped') return `machine ${m.machineId} is stopped: nothing to drain`;
      if (!m.draining) { m.draining = true; publishMachine(m); }
      return null;
    },
    start(m) {
      if (m.state !== 'stopped') return `machine ${m.machineId} is ${m.state}: only a stopped machine can be started`;
      Object.assign(m, { draining: false, boot: 2 });
      setState(m, 'starting');
      return null;
    },
    stop(m) {
      if (m.state === 'stopped') return `machine ${m.machineId} is stopped already`;
      m.stopAsked = true; // no event now: the worker marks the machine stopped when it exits
      return null;
    },
    destroy(m, reason) {
      const job = m.jobId && jobs.get(m.jobId);
      m.requeued = job && job.status === 'running' ? job.jobId : null;
      if (m.requeued) requeue(job, reason);
      machines.delete(m.machineId);
      publishMachine(m, true);
      return null;
    },
  };

  /** Serves the pool's routes; false for any other path. */
  async function handle(req, res, url) {
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (req.method === 'GET' && url.pathname === '/api/system/events') { streamSystem(req, res); return true; }
    if (req.method === 'GET' && (url.pathname === '/api/machines' || url.pathname === '/api/queue')) {
      stats.polls++; // the page must not poll these: the stream keeps it live
      sendJson(res, 200, url.pathname === '/api/queue' ? queueJson() : { machines: [...machines.values()].map(machineJson), max });
      return true;
    }
    const job = req.method === 'GET' && parts[1] === 'jobs' && parts.length === 3 ? jobs.get(parts[2]) : null;
    if (job) {
      sendJson(res, 200, { jobId: job.jobId, filename: job.filename, status: job.status, progress: job.progress, attempts: job.attempts,
        machineId: job.machineId, priority: job.priority, error: job.error || null, outputs: [], posterUrl: null, playlistUrl: null });
      return true;
    }
    if (req.method === 'POST' && parts[1] === 'machines' && parts.length === 4 && parts[3] in ACT) {
      await act(req, res, parts[2], parts[3]);
      return true;
    }
    return false;
  }

  return {
    handle, burst, machines, jobs, stats,
    /** Freezes a machine that is running a job (its job makes no progress) and returns its id; null if none. */
    hold: () => {
      const m = [...machines.values()].find((x) => x.state === 'running' && x.jobId && jobs.get(x.jobId)?.status === 'running');
      if (!m) return null;
      m.held = true;
      return m.machineId;
    },
    release: (id) => { const m = machines.get(id); if (m) m.held = false; },
    watchers: () => watchers.size,
    /** What the control plane sends a reader that fell behind (the stream stays open: the page must reconnect). */
    dropEvents: (count) => publish('dropped', { count }),
    /** The event name of machine transitions: the real control plane sends them as `job` (it names by the jobId field). */
    nameMachineEvents: (name) => { machineEvent = name; },
    /** Cuts every open stream, as a restarting server would. */
    breakStreams: () => { for (const res of watchers) res.destroy(); watchers.clear(); },
    close: () => { clearInterval(ticker); clearInterval(sampler); clearInterval(beat); for (const res of watchers) res.end(); watchers.clear(); },
  };
}

function sendJson(res, status, body) {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

function sendError(res, status, message, details = null) {
  sendJson(res, status, { error: message, details });
}

async function readBody(req) {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text;
}
