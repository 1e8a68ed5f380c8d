// The System view: the machine pool as cards, the queue, a live event log and
// an hour of queue depth, all kept live from one stream, GET /api/system/events,
// read with fetch so the bearer key is sent (EventSource cannot send it). No
// polling: the snapshot is the starting model and every job, machine and sample
// event is applied to it. The stream is open only while the view is shown;
// `dropped`, a broken connection or 40 s of silence (heartbeats come every 15 s)
// reconnect and start again from the new snapshot. Operator actions (drain,
// start, stop, destroy) are confirmed in #confirm-dialog; the answer, or the
// server's refusal, is shown in #action-result. Server data is written as text.
// Needs app.js first (window.tcoder). No framework.
(function () {
  'use strict';

  const t = window.tcoder;
  const LOG_MAX = 200;
  const LIST_MAX = 100; // jobs listed per queue part; the count says how many there are
  const HOUR_MS = 3600 * 1000;
  const HISTORY_MAX = 1500; // samples kept: an hour at one every 5 s, with room
  const SILENCE_MS = 40000;
  const TERMINAL = ['completed', 'failed', 'cancelled'];
  const PARTS = ['ready', 'delayed', 'running'];
  const SVG = 'http://www.w3.org/2000/svg';
  const ACTIONS = {
    drain: { label: 'Drain', ask: 'It finishes the job it has, takes no more, then stops.', done: 'draining: it finishes its job, then stops' },
    start: { label: 'Start', ask: 'A stopped machine boots again on this control plane.', done: 'starting' },
    stop: { label: 'Stop', ask: 'A running job gets the worker\'s stop grace, then goes back to the queue.', done: 'stopping' },
    destroy: { label: 'Destroy', ask: 'It is removed by force; a job it holds goes back to the queue at once.', done: 'destroyed' },
  };

  const $ = (id) => document.getElementById(id);
  const el = {
    uploadTab: $('upload-tab'), systemTab: $('system-tab'), uploadView: $('upload-view'), systemView: $('system-view'),
    stream: $('system-stream'), summary: $('machines-summary'), result: $('action-result'), machines: $('machine-list'),
    chart: $('depth-chart'), log: $('event-log'),
    dialog: $('confirm-dialog'), dialogTitle: $('confirm-title'), dialogText: $('confirm-text'),
    reason: $('confirm-reason'), cancel: $('confirm-cancel'),
  };
  const lists = { ready: $('queue-ready'), delayed: $('queue-delayed'), running: $('queue-running') };
  const counts = { ready: $('queue-ready-count'), delayed: $('queue-delayed-count'), running: $('queue-running-count') };

  // ---------------------------------------------------------------- model

  /**
   * What the page knows: machines by id, each queue part as an ordered map of
   * jobs (ready in claim order), `extra` jobs its count has beyond the list,
   * and `sampled`, a sample's count newer than the part's last change.
   */
  function emptyModel() {
    const part = () => ({ jobs: new Map(), extra: 0, sampled: null, changedAt: 0 });
    return {
      machines: new Map(), max: null, idleMs: null, history: [],
      parts: { ready: part(), delayed: part(), running: part() },
      names: new Map(), status: new Map(), seenAt: new Map(),
    };
  }
  let model = emptyModel();

  const num = (value, fallback) => (typeof value === 'number' && Number.isFinite(value) ? value : fallback);
  const str = (value) => (typeof value === 'string' && value ? value : null);
  const array = (value) => (Array.isArray(value) ? value : []);
  const millis = (iso) => { const ms = iso ? Date.parse(iso) : NaN; return Number.isNaN(ms) ? null : ms; };

  function count(name) {
    const part = model.parts[name];
    return part.sampled !== null ? part.sampled : part.jobs.size + part.extra;
  }

  function whereIs(jobId) {
    return PARTS.find((name) => model.parts[name].jobs.has(jobId)) || null;
  }

  /** Moves a job to `to` (null: out of the queue), marking the parts it left and joined as changed at `at`. */
  function moveJob(jobId, to, entry, at) {
    const from = whereIs(jobId);
    if (from && from !== to) touch(from, at).jobs.delete(jobId);
    if (to && from !== to) touch(to, at).jobs.set(jobId, entry);
  }

  function touch(name, at) {
    const part = model.parts[name];
    part.changedAt = Math.max(part.changedAt, at);
    part.sampled = null;
    return part;
  }

  function remember(jobId, filename) {
    if (!filename) return;
    model.names.set(jobId, filename);
    if (model.names.size > 2000) model.names.delete(model.names.keys().next().value);
  }

  const jobName = (jobId) => model.names.get(jobId) || jobId;

  // Job events carry no filename: a job first seen in one is looked up once
  // (GET /api/jobs/{id}), a few at a time; until then, and if that fails, its id is shown.
  const lookups = { queue: [], asked: new Set(), active: 0 };

  function lookUpName(jobId) {
    if (model.names.has(jobId) || lookups.asked.has(jobId) || lookups.queue.length >= 200) return;
    lookups.asked.add(jobId);
    lookups.queue.push(jobId);
    pumpLookups();
  }

  function pumpLookups() {
    while (lookups.active < 3 && lookups.queue.length) {
      const jobId = lookups.queue.shift();
      lookups.active++;
      t.api('GET', '/api/jobs/' + encodeURIComponent(jobId))
        .then((job) => { remember(jobId, str(job.filename)); nameKnown(jobId); }, () => {})
        .finally(() => { lookups.active--; pumpLookups(); });
    }
    if (lookups.asked.size > 5000) lookups.asked.clear();
  }

  function nameKnown(jobId) {
    for (const name of PARTS) {
      const job = model.parts[name].jobs.get(jobId);
      if (job && !job.filename) job.filename = model.names.get(jobId) || null;
    }
    schedule('queue', 'machines');
  }

  // ---------------------------------------------------------------- snapshot

  function onSnapshot(data) {
    model = emptyModel();
    const pool = data.machines || {};
    model.max = num(pool.max, null);
    loadPart('ready', data.queue && data.queue.ready, (j, now) => ({ priority: num(j.priority, 0), attempts: j.attempts, since: now - num(j.waitMs, 0) }));
    loadPart('delayed', data.queue && data.queue.delayed, (j) => ({ attempts: j.attempts, dueAt: millis(j.dueAt) }));
    loadPart('running', data.queue && data.queue.running, (j) => ({
      machineId: str(j.machineId), progress: num(j.progress, 0), attempts: j.attempts, seenAt: millis(j.startedAt),
    }));
    for (const raw of array(pool.machines)) {
      if (str(raw.machineId)) model.machines.set(raw.machineId, machineFrom(raw));
    }
    model.history = array(data.history).filter(isSample);
    resetView();
    setStream('live');
    logLine('stream', `snapshot: ${model.machines.size} machines, ${count('ready')} ready, ${count('running')} running`);
  }

  function loadPart(name, source, fields) {
    const part = model.parts[name];
    const now = Date.now();
    for (const j of array(source && source.jobs)) {
      if (!str(j.jobId)) continue;
      const entry = Object.assign({ jobId: j.jobId, filename: str(j.filename) }, fields(j, now));
      part.jobs.set(j.jobId, entry);
      remember(j.jobId, entry.filename);
      model.status.set(j.jobId, name === 'running' ? 'running' : 'pending');
      if (entry.seenAt) model.seenAt.set(j.jobId, entry.seenAt);
    }
    part.extra = Math.max(0, num(source && source.count, 0) - part.jobs.size);
  }

  function machineFrom(raw) {
    const running = raw.progress !== null && raw.progress !== undefined;
    const idleSince = millis(raw.idleSince);
    const stopsAt = millis(raw.stopsAt);
    if (idleSince !== null && stopsAt !== null) model.idleMs = stopsAt - idleSince;
    return {
      id: raw.machineId, state: str(raw.state) || 'unknown', owner: str(raw.owner), provider: str(raw.provider),
      jobId: running ? str(raw.jobId) : null, progress: running ? num(raw.progress, 0) : null,
      draining: raw.draining === true, jobsDone: num(raw.jobsDone, 0), lastError: str(raw.lastError),
      idleSince, stopsAt, at: millis(raw.lastActiveAt) || 0, stopping: false, busy: false,
    };
  }

  function isSample(s) {
    return s && typeof s === 'object' && num(s.at, null) !== null;
  }

  // ---------------------------------------------------------------- job events

  function onJob(e) {
    const jobId = str(e.jobId);
    const at = num(e.at, 0);
    if (!jobId || at < (model.seenAt.get(jobId) || 0)) return; // older than what the snapshot showed
    model.seenAt.set(jobId, at);
    const status = str(e.status) || 'unknown';
    const before = model.status.get(jobId);
    if (!TERMINAL.includes(status)) lookUpName(jobId);
    placeJob(jobId, status, e, at);
    machineOfJob(jobId, status, e);
    if (before !== status) logJob(jobId, status, e);
    if (TERMINAL.includes(status)) forgetJob(jobId);
    else model.status.set(jobId, status);
    schedule('queue', 'machines');
  }

  /** pending: ready (at the end when new); running: running; ended or not queued: out. */
  function placeJob(jobId, status, e, at) {
    const from = whereIs(jobId);
    const old = from ? model.parts[from].jobs.get(jobId) : { jobId, filename: model.names.get(jobId) || null };
    if (status === 'pending') {
      if (from === 'ready' || from === 'delayed') old.attempts = e.attempts;
      else moveJob(jobId, 'ready', { jobId, filename: old.filename, priority: 0, attempts: e.attempts, since: Date.now() }, at);
    } else if (status === 'running') {
      const entry = from === 'running' ? old : { jobId, filename: old.filename };
      Object.assign(entry, { machineId: str(e.machineId) || entry.machineId || null, progress: num(e.progress, 0), attempts: e.attempts });
      moveJob(jobId, 'running', entry, at);
    } else {
      moveJob(jobId, null, null, at);
    }
  }

  /** The machine running the job follows its progress; one that ran it counts the ending. */
  function machineOfJob(jobId, status, e) {
    const runner = status === 'running' ? str(e.machineId) : null;
    for (const m of model.machines.values()) {
      if (m.id === runner) {
        m.jobId = jobId;
        m.progress = num(e.progress, 0);
      } else if (m.jobId === jobId) {
        m.jobId = null;
        m.progress = null;
        if (status === 'completed') m.jobsDone++;
        else if (status !== 'cancelled' && str(e.error)) m.lastError = e.error;
      }
    }
  }

  function forgetJob(jobId) {
    model.status.delete(jobId);
    model.seenAt.delete(jobId);
  }

  function logJob(jobId, status, e) {
    const parts = [`job ${jobName(jobId)}: ${status}`];
    if (status === 'running' && str(e.machineId)) parts.push(`on ${e.machineId}`);
    if (num(e.attempts, 0) > 1) parts.push(`(attempt ${e.attempts})`);
    let text = parts.join(' ');
    if (str(e.error) && status !== 'completed' && status !== 'running') text += ` — ${e.error}`; // a running retry still carries the last reason
    logLine('job', text, { jobId, status, machineId: str(e.machineId) || '' }, num(e.at, Date.now()));
  }

  // ---------------------------------------------------------------- machine events

  function onMachine(e) {
    const id = str(e.machineId);
    const at = num(e.at, 0);
    let m = id ? model.machines.get(id) : null;
    if (!id || (m && at < m.at)) return;
    if (e.state === 'gone') return machineGone(id, at);
    const before = m ? shownState(m) + '|' + m.jobId : null;
    if (!m) model.machines.set(id, (m = newMachine(id)));
    applyMachineEvent(m, e, at);
    const after = shownState(m) + '|' + m.jobId;
    if (after !== before) logMachine(m, at);
    schedule('machines');
  }

  function newMachine(id) {
    return {
      id, state: 'unknown', owner: null, provider: null, jobId: null, progress: null, draining: false, jobsDone: 0,
      lastError: null, idleSince: null, stopsAt: null, at: 0, stopping: false, busy: false,
    };
  }

  function applyMachineEvent(m, e, at) {
    const state = str(e.state) || 'unknown';
    const jobId = str(e.jobId);
    if (state === 'idle' && m.state !== 'idle') {
      m.idleSince = at;
      m.stopsAt = model.idleMs !== null && e.draining !== true ? at + model.idleMs : null;
    } else if (state !== 'idle') {
      m.idleSince = m.stopsAt = null;
    }
    if (jobId !== m.jobId) m.progress = jobId ? progressOf(jobId) : null;
    Object.assign(m, { state, jobId, draining: e.draining === true, at });
    if (state === 'stopped' || state === 'starting') m.stopping = false;
  }

  function progressOf(jobId) {
    const job = model.parts.running.jobs.get(jobId);
    return job ? job.progress : 0;
  }

  function machineGone(id, at) {
    if (!model.machines.delete(id)) return;
    logLine('machine', `machine ${id}: left the pool`, { machineId: id, state: 'gone' }, at);
    schedule('machines');
  }

  function logMachine(m, at) {
    const state = shownState(m);
    let text = `machine ${m.id}: ${state}`;
    if (m.jobId) text += ` with ${jobName(m.jobId)}`;
    if (m.draining && state !== 'draining') text += ' (draining)';
    logLine('machine', text, { machineId: m.id, state }, at);
  }

  /** The badge: the server's `running` is busy with a job and idle without one; a drain or stop shows until it stops. */
  function shownState(m) {
    if (m.state === 'stopped') return 'stopped';
    if (m.stopping) return 'stopping';
    if (m.draining) return 'draining';
    if (m.state === 'running') return m.jobId ? 'busy' : 'idle';
    return m.state;
  }

  // ---------------------------------------------------------------- samples

  function onSample(s) {
    if (!isSample(s)) return;
    model.history.push(s);
    const oldest = s.at - HOUR_MS;
    while (model.history.length && (model.history[0].at < oldest || model.history.length > HISTORY_MAX)) model.history.shift();
    for (const name of PARTS) {
      const part = model.parts[name];
      if (typeof s[name] !== 'number' || s.at < part.changedAt) continue;
      part.extra = Math.max(0, s[name] - part.jobs.size);
      part.sampled = s[name];
    }
    schedule('chart', 'queue');
  }

  // ---------------------------------------------------------------- the stream

  let session = null; // the open view's AbortController
  let ticker = 0;

  function openStream() {
    if (session) return;
    session = new AbortController();
    ticker = setInterval(() => schedule('machines', 'queue'), 1000); // relative times only; nothing is fetched
    follow(session.signal);
  }

  function closeStream() {
    if (session) session.abort();
    session = null;
    clearInterval(ticker);
    setStream('closed');
  }

  /** Reads the stream until the view closes, reconnecting (1 s, doubling to 15 s; at once after `dropped`). */
  async function follow(signal) {
    let delay = 1000;
    while (!signal.aborted) {
      setStream(model.machines.size || el.log.children.length ? 'reconnecting' : 'connecting');
      let outcome;
      try {
        outcome = await readStream(signal, () => { delay = 1000; });
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof t.ApiError && error.status === 401) return stopForKey(error);
        outcome = error && error.message ? error.message : String(error);
      }
      if (signal.aborted) return;
      logLine('stream', `stream ${outcome}; reconnecting`);
      setStream('reconnecting');
      await t.sleep(outcome === 'dropped events' ? 0 : delay, signal).catch(() => {});
      delay = Math.min(delay * 2, 15000);
    }
  }

  function stopForKey(error) {
    session = null;
    clearInterval(ticker);
    setStream('closed');
    t.report(error, 'System events');
  }

  /** One connection: resolves with why it ended, rejects on an HTTP or network error. */
  async function readStream(signal, onSnapshotSeen) {
    const conn = new AbortController();
    const abort = () => conn.abort();
    signal.addEventListener('abort', abort, { once: true });
    let silence = 0;
    const arm = () => { clearTimeout(silence); silence = setTimeout(() => conn.abort(new Error('was silent for 40 s')), SILENCE_MS); };
    try {
      arm();
      const response = await fetch(location.origin + '/api/system/events', {
        headers: { Authorization: 'Bearer ' + t.apiKey(), Accept: 'text/event-stream' }, signal: conn.signal, cache: 'no-store',
      });
      if (response.status === 401) throw new t.ApiError(401, 'unauthorized');
      const type = response.headers.get('Content-Type') || '';
      if (!response.ok || !response.body || !type.startsWith('text/event-stream')) throw new Error(`answered HTTP ${response.status}`);
      return await readEvents(response.body.getReader(), arm, onSnapshotSeen);
    } catch (error) {
      if (conn.signal.aborted && !signal.aborted && conn.signal.reason instanceof Error) throw conn.signal.reason;
      throw error;
    } finally {
      clearTimeout(silence);
      signal.removeEventListener('abort', abort);
    }
  }

  async function readEvents(reader, arm, onSnapshotSeen) {
    const parser = new t.SseParser();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        arm();
        for (const event of done ? parser.end() : parser.push(value)) {
          const kind = dispatch(event);
          if (kind === 'snapshot') onSnapshotSeen();
          if (kind === 'dropped') return 'dropped events';
        }
        if (done) return 'ended';
      }
    } finally {
      reader.cancel().catch(() => {});
    }
  }

  /** Applies one event; returns its name when it was understood. */
  function dispatch(event) {
    let data;
    try { data = JSON.parse(event.data); } catch (_) { return null; }
    if (!data || typeof data !== 'object') return null;
    const name = isMachineMessage(event.event, data) ? 'machine' : event.event;
    const handlers = { snapshot: onSnapshot, job: onJob, machine: onMachine, sample: onSample, dropped: onDropped };
    const handler = Object.prototype.hasOwnProperty.call(handlers, name) ? handlers[name] : null;
    if (!handler) return null;
    handler(data);
    return name;
  }

  /**
   * A machine transition is {machineId, state, jobId, draining, at}; a job's has `status`. Earlier
   * control planes named machine transitions `event: job` (a machine's message has a jobId too),
   * so a message is also told apart by its shape.
   */
  function isMachineMessage(name, data) {
    return name === 'machine' || (name === 'job' && typeof data.state === 'string' && typeof data.status !== 'string');
  }

  function onDropped(data) {
    logLine('stream', `the server dropped ${num(data.count, 0)} events for this page: starting again`);
  }

  function setStream(status) {
    const text = { live: 'live', connecting: 'connecting…', reconnecting: 'reconnecting…', closed: 'offline' };
    el.stream.dataset.status = status;
    el.stream.textContent = text[status] || status;
    el.stream.className = 'badge stream-' + status;
  }

  // ---------------------------------------------------------------- rendering

  const dirty = new Set();
  let renderTimer = 0;

  /** Batches renders: progress steps come many a second, the DOM changes at most every 50 ms. */
  function schedule(...parts) {
    parts.forEach((part) => dirty.add(part));
    if (!renderTimer) renderTimer = setTimeout(render, 50);
  }

  function render() {
    renderTimer = 0;
    if (dirty.has('machines')) renderMachines();
    if (dirty.has('queue')) renderQueue();
    if (dirty.has('chart')) renderChart();
    dirty.clear();
  }

  /** A new snapshot: the cards are made again and everything drawn at once. */
  function resetView() {
    cards.forEach((card) => card.root.remove());
    cards.clear();
    clearTimeout(renderTimer);
    ['machines', 'queue', 'chart'].forEach((part) => dirty.add(part));
    render();
  }

  const cards = new Map(); // machine id -> its card's elements, made once and updated in place

  function renderMachines() {
    for (const [id, card] of cards) {
      if (!model.machines.has(id)) { card.root.remove(); cards.delete(id); }
    }
    const wanted = [];
    for (const m of model.machines.values()) {
      const card = cards.get(m.id) || makeCard(m.id);
      updateCard(card, m);
      wanted.push(card.root);
    }
    const shown = Array.from(el.machines.querySelectorAll('.machine-card'));
    if (wanted.some((root, i) => shown[i] !== root)) el.machines.append(...wanted); // moving a card would drop its focus
    el.machines.classList.toggle('is-empty', wanted.length === 0);
    renderSummary();
  }

  function renderSummary() {
    const all = Array.from(model.machines.values()).map(shownState);
    const busy = all.filter((s) => s === 'busy').length;
    const max = model.max !== null ? ` of ${model.max}` : '';
    el.summary.textContent = `${all.length}${max} · ${busy} busy`;
  }

  function makeCard(id) {
    const root = node('article', 'machine-card');
    root.dataset.machineId = id;
    const head = node('header', 'machine-head');
    const title = node('h3', 'machine-id', id);
    const badge = node('span', 'badge machine-state');
    head.append(title, badge);
    const job = node('div', 'machine-job');
    const jobLabel = node('span', 'machine-job-name');
    const jobText = node('span', 'machine-job-progress muted');
    const progress = Object.assign(document.createElement('progress'), { max: 100, value: 0 });
    progress.setAttribute('aria-label', 'Job progress on ' + id);
    job.append(jobLabel, jobText, progress);
    const meta = node('dl', 'meta machine-meta');
    const actions = node('div', 'machine-actions');
    for (const [action, spec] of Object.entries(ACTIONS)) actions.append(actionButton(id, action, spec));
    root.append(head, job, meta, actions);
    const card = { root, badge, jobLabel, jobText, progress, meta, actions };
    cards.set(id, card);
    return card;
  }

  function actionButton(id, action, spec) {
    const button = node('button', 'button ghost small machine-action' + (action === 'destroy' ? ' danger' : ''), spec.label);
    button.type = 'button';
    button.dataset.action = action;
    button.addEventListener('click', () => runAction(id, action));
    return button;
  }

  function updateCard(card, m) {
    const state = shownState(m);
    card.root.dataset.state = state;
    card.root.dataset.serverState = m.state;
    card.root.dataset.draining = String(m.draining);
    card.badge.textContent = state;
    card.badge.className = 'badge machine-state state-' + state.replace(/[^a-z]/g, '');
    card.jobLabel.textContent = m.jobId ? jobName(m.jobId) : 'No job';
    card.jobLabel.classList.toggle('muted', !m.jobId);
    card.jobText.textContent = m.jobId ? Math.round(num(m.progress, 0)) + ' %' : '';
    card.progress.hidden = !m.jobId;
    card.progress.value = num(m.progress, 0);
    card.meta.replaceChildren(...metaRows(m));
    card.actions.querySelectorAll('button').forEach((b) => { b.disabled = m.busy; });
  }

  function metaRows(m) {
    const rows = [['Jobs done', String(m.jobsDone)]];
    if (m.idleSince) rows.push(['Idle since', `${clock(m.idleSince)} (${since(m.idleSince)})`]);
    if (m.stopsAt) rows.push(['Stops at', clock(m.stopsAt)]);
    if (m.owner) rows.push(['Owner', m.owner]);
    rows.push(['Last error', m.lastError || '—']);
    return rows.flatMap(([name, value]) => [node('dt', '', name), node('dd', '', value)]);
  }

  function renderQueue() {
    for (const name of PARTS) {
      counts[name].textContent = String(count(name));
      const jobs = Array.from(model.parts[name].jobs.values());
      if (name === 'delayed') jobs.sort((a, b) => (a.dueAt || 0) - (b.dueAt || 0));
      lists[name].replaceChildren(...jobs.slice(0, LIST_MAX).map((job) => queueItem(name, job)));
      const more = count(name) - Math.min(jobs.length, LIST_MAX);
      if (more > 0) lists[name].dataset.more = String(more); else delete lists[name].dataset.more;
    }
  }

  function queueItem(part, job) {
    const item = node('li', 'queue-job');
    item.dataset.jobId = job.jobId;
    const name = node('span', 'queue-name', job.filename || job.jobId);
    name.title = job.jobId;
    item.append(name, node('span', 'queue-sub muted', queueDetail(part, job)));
    if (part === 'running') item.append(Object.assign(document.createElement('progress'), { max: 100, value: num(job.progress, 0) }));
    return item;
  }

  function queueDetail(part, job) {
    if (part === 'ready') return `priority ${job.priority} · waiting ${since(job.since)}`;
    if (part === 'delayed') return job.dueAt ? `due ${clock(job.dueAt)} (${until(job.dueAt)})` : 'due soon';
    return `${job.machineId || 'no machine'} · ${Math.round(num(job.progress, 0))} %`;
  }

  // ---------------------------------------------------------------- chart

  const CHART = { width: 600, height: 180, left: 34, right: 10, top: 12, bottom: 24 };

  /** Ready jobs and busy machines (the samples' `busy`) over the hour before the newest sample. */
  function renderChart() {
    const samples = model.history;
    const end = samples.length ? samples[samples.length - 1].at : Date.now();
    const top = niceMax(Math.max(1, ...samples.map((s) => Math.max(num(s.ready, 0), num(s.busy, 0)))));
    const x = (at) => CHART.left + ((at - (end - HOUR_MS)) / HOUR_MS) * (CHART.width - CHART.left - CHART.right);
    const y = (v) => CHART.top + (1 - v / top) * (CHART.height - CHART.top - CHART.bottom);
    const shapes = [...gridLines(top, y), ...timeLabels()];
    for (const [series, cls] of [['ready', 'line-ready'], ['busy', 'line-busy']]) {
      const points = samples.map((s) => `${x(s.at).toFixed(1)},${y(num(s[series], 0)).toFixed(1)}`);
      if (samples.length > 1) shapes.push(svg('polyline', { class: cls, points: points.join(' ') }));
      if (samples.length) shapes.push(svg('circle', { class: cls + ' dot', cx: x(end), cy: y(num(samples[samples.length - 1][series], 0)), r: 3 }));
    }
    if (!samples.length) shapes.push(svg('text', { x: CHART.width / 2, y: CHART.height / 2, class: 'chart-empty', 'text-anchor': 'middle' }, 'No samples yet'));
    el.chart.replaceChildren(...shapes);
    el.chart.dataset.samples = String(samples.length);
  }

  function niceMax(value) {
    const step = Math.pow(10, Math.floor(Math.log10(value)));
    return [1, 2, 5, 10].map((m) => m * step).find((v) => v >= value);
  }

  function gridLines(top, y) {
    return [0, top / 2, top].flatMap((v) => [
      svg('line', { class: 'grid', x1: CHART.left, x2: CHART.width - CHART.right, y1: y(v), y2: y(v) }),
      svg('text', { class: 'axis', x: CHART.left - 6, y: y(v) + 4, 'text-anchor': 'end' }, Number.isInteger(v) ? String(v) : v.toFixed(1)),
    ]);
  }

  function timeLabels() {
    const span = CHART.width - CHART.left - CHART.right;
    return [['−60 min', 0, 'start'], ['−30 min', 0.5, 'middle'], ['now', 1, 'end']].map(([text, at, anchor]) =>
      svg('text', { class: 'axis', x: CHART.left + at * span, y: CHART.height - 6, 'text-anchor': anchor }, text));
  }

  function svg(name, attrs, text) {
    const shape = document.createElementNS(SVG, name);
    for (const [key, value] of Object.entries(attrs)) shape.setAttribute(key, String(value));
    if (text !== undefined) shape.textContent = text;
    return shape;
  }

  // ---------------------------------------------------------------- event log

  function logLine(kind, text, data, at) {
    const item = node('li', 'log-' + kind);
    item.dataset.kind = kind;
    Object.entries(data || {}).forEach(([key, value]) => { if (value) item.dataset[key] = value; });
    const time = node('time', 'muted', clock(at || Date.now()));
    item.append(time, node('span', 'log-text', text));
    el.log.prepend(item);
    while (el.log.children.length > LOG_MAX) el.log.lastElementChild.remove();
  }

  // ---------------------------------------------------------------- actions

  async function runAction(id, action) {
    const spec = ACTIONS[action];
    const reason = await confirmAction(`${spec.label} ${id}?`, spec.ask);
    if (reason === null) return;
    setMachineBusy(id, true);
    try {
      const path = `/api/machines/${encodeURIComponent(id)}/${action}`;
      const reply = await t.api('POST', path, reason ? { reason } : undefined);
      applyReply(id, action, reply);
      showResult('ok', `${spec.label} ${id}: ${spec.done}` + (str(reply.was) ? ` (it was ${reply.was})` : ''));
    } catch (error) {
      if (error instanceof t.ApiError && error.status === 401) return t.report(error, spec.label + ' failed');
      const code = error instanceof t.ApiError ? ` (${error.status})` : '';
      showResult('refused', `${spec.label} ${id} refused${code}: ${error && error.message ? error.message : error}`);
    } finally {
      setMachineBusy(id, false);
    }
  }

  /** The answer says what changed at once; the stream brings the rest (the state, `gone`). */
  function applyReply(id, action, reply) {
    const m = model.machines.get(id);
    if (!m) return;
    if (typeof reply.draining === 'boolean') m.draining = reply.draining;
    if (action === 'stop') m.stopping = true;
    if (action === 'destroy') model.machines.delete(id);
    schedule('machines');
  }

  function setMachineBusy(id, busy) {
    const m = model.machines.get(id);
    if (m) m.busy = busy;
    const card = cards.get(id);
    if (card) card.actions.querySelectorAll('button').forEach((b) => { b.disabled = busy; });
  }

  function showResult(outcome, text) {
    el.result.dataset.outcome = outcome;
    el.result.textContent = text;
    el.result.hidden = false;
    logLine('operator', text, { outcome });
  }

  /** Resolves with the reason typed (maybe empty) on Confirm, null on Cancel or Escape. */
  function confirmAction(title, text) {
    if (el.dialog.open) return Promise.resolve(null);
    el.dialogTitle.textContent = title;
    el.dialogText.textContent = text;
    el.reason.value = '';
    el.dialog.returnValue = '';
    return new Promise((resolve) => {
      el.dialog.addEventListener('close', () => resolve(el.dialog.returnValue === 'ok' ? el.reason.value.trim() : null), { once: true });
      el.dialog.showModal();
    });
  }

  el.cancel.addEventListener('click', () => el.dialog.close('cancel'));

  // ---------------------------------------------------------------- helpers

  function node(tag, className, text) {
    const item = document.createElement(tag);
    if (className) item.className = className;
    if (text !== undefined) item.textContent = text;
    return item;
  }

  const clock = (ms) => new Date(ms).toLocaleTimeString();
  const since = (ms) => t.formatDuration(Math.max(0, Date.now() - ms) / 1000);
  const until = (ms) => (ms > Date.now() ? 'in ' + t.formatDuration((ms - Date.now()) / 1000) : 'now');

  // ---------------------------------------------------------------- views

  function showView(name) {
    const system = name === 'system';
    el.systemView.hidden = !system;
    el.uploadView.hidden = system;
    el.systemTab.setAttribute('aria-selected', String(system));
    el.uploadTab.setAttribute('aria-selected', String(!system));
    if (system) {
      const player = document.getElementById('player');
      if (player && !player.paused) player.pause();
      openStream();
    } else {
      closeStream();
    }
  }

  el.systemTab.addEventListener('click', () => showView('system'));
  el.uploadTab.addEventListener('click', () => showView('upload'));
  window.addEventListener('tcoder:key', () => { if (!el.systemView.hidden) { closeStream(); openStream(); } });
  setStream('closed');
  renderChart();
})();
