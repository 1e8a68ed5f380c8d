// The tcoder web page: API key, upload with progress (one presigned PUT, or a
// multipart upload that resumes after a reload: upload.js, loaded first), live
// job status (SSE over fetch with the bearer key, polling as fallback),
// playback with hls.js and a quality menu, recent jobs with their posters. No
// framework. The System view (system.js) borrows its helpers from
// `window.tcoder`; a saved key is announced with a `tcoder:key` window event.
(function () {
  'use strict';

  const KEY_STORAGE = 'tcoder.apiKey';
  const TERMINAL = ['completed', 'failed', 'cancelled'];
  const POLL_MS = 2000;
  const API = location.origin;

  const $ = (id) => document.getElementById(id);
  const el = {
    changeKey: $('change-key'), keyDialog: $('key-dialog'), keyForm: $('key-form'), apiKey: $('api-key'),
    keyError: $('key-error'), errorBanner: $('error-banner'), errorText: $('error-text'), errorClose: $('error-close'),
    form: $('upload-form'), fileInput: $('file-input'), dropZone: $('drop-zone'), fileInfo: $('file-info'),
    preset: $('preset'), uploadButton: $('upload-button'), uploadBlock: $('upload-block'),
    uploadProgress: $('upload-progress'), uploadText: $('upload-text'), uploadNote: $('upload-note'),
    jobTitle: $('job-title'), jobStatus: $('job-status'), jobProgress: $('job-progress'), jobProgressText: $('job-progress-text'),
    cancelButton: $('cancel-button'), retryButton: $('retry-button'),
    player: $('player'), playerEmpty: $('player-empty'), qualityMenu: $('quality-menu'), levelNow: $('level-now'),
    details: $('job-details'), poster: $('poster'), outputs: $('outputs'), meta: $('job-meta'),
    recent: $('recent-jobs'), refresh: $('refresh-jobs'),
  };

  // `upload`: the upload under way, `{controller, jobId}` (jobId once known), else null.
  const state = { file: null, uploading: false, upload: null, jobId: null, watch: null, hls: null };

  // ---------------------------------------------------------------- API key

  function apiKey() {
    try { return localStorage.getItem(KEY_STORAGE) || ''; } catch (_) { return ''; }
  }

  function storeKey(key) {
    try { localStorage.setItem(KEY_STORAGE, key); } catch (_) { /* private mode: key lives for this page only */ }
    memoryKey = key;
  }

  function forgetKey() {
    try { localStorage.removeItem(KEY_STORAGE); } catch (_) { /* nothing stored */ }
    memoryKey = '';
  }

  let memoryKey = '';
  const currentKey = () => apiKey() || memoryKey;

  /** Takes #key=... from the address (then removes it so it is not bookmarked or shared). */
  function readKeyFromFragment() {
    const params = new URLSearchParams(location.hash.slice(1));
    const key = params.get('key');
    if (!key) return;
    storeKey(key);
    params.delete('key');
    const rest = params.toString();
    history.replaceState(null, '', location.pathname + location.search + (rest ? '#' + rest : ''));
  }

  function askForKey(message) {
    el.keyError.textContent = message || '';
    el.keyError.hidden = !message;
    el.apiKey.value = '';
    if (!el.keyDialog.open) el.keyDialog.showModal();
    el.apiKey.focus();
  }

  el.keyForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const key = el.apiKey.value.trim();
    if (!key) return askForKey('Enter a key.');
    storeKey(key);
    el.keyDialog.close();
    window.dispatchEvent(new Event('tcoder:key'));
    start();
  });
  el.keyDialog.addEventListener('cancel', (event) => { if (!currentKey()) event.preventDefault(); });
  el.changeKey.addEventListener('click', () => askForKey(''));

  // ---------------------------------------------------------------- errors

  function showError(message) {
    el.errorText.textContent = message;
    el.errorBanner.hidden = false;
  }

  function clearError() { el.errorBanner.hidden = true; }
  el.errorClose.addEventListener('click', clearError);

  class ApiError extends Error {
    constructor(status, message, retryAfter, details) {
      super(message);
      this.status = status;
      this.retryAfter = retryAfter;
      this.details = details;
    }
  }

  /** Reports an error: a refused key opens the key dialog, the rest go to the banner. */
  function report(error, what) {
    if (error && error.name === 'AbortError') return;
    if (error instanceof ApiError && error.status === 401) {
      forgetKey();
      return askForKey('That API key was refused. Enter it again.');
    }
    const suffix = error instanceof ApiError && error.status === 429 && error.retryAfter ? ` (retry in ${error.retryAfter} s)` : '';
    showError(`${what}: ${error && error.message ? error.message : error}${suffix}`);
  }

  // ---------------------------------------------------------------- HTTP

  async function api(method, path, body, signal) {
    const headers = { Authorization: 'Bearer ' + currentKey(), Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(API + path, { method, headers, signal, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    let data = null;
    try { data = text ? JSON.parse(text) : {}; } catch (_) { /* not JSON */ }
    if (!response.ok) throw new ApiError(response.status, errorMessage(data, response.status), response.headers.get('Retry-After'), data && data.details);
    if (data === null) throw new ApiError(response.status, 'the server answered with something that is not JSON');
    return data;
  }

  /** The message of an error body: `{"error": "..."}` as the control plane sends it, or `{"error": {"message"}}`. */
  function errorMessage(data, status) {
    const error = data && data.error;
    if (typeof error === 'string' && error) return error;
    if (error && typeof error.message === 'string' && error.message) return error.message;
    return `HTTP ${status}`;
  }

  const jobPath = (id) => '/api/jobs/' + encodeURIComponent(id);

  // ---------------------------------------------------------------- file choice

  function formatBytes(n) {
    if (!Number.isFinite(n)) return '—';
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i === 0 ? n : n.toFixed(n < 10 ? 2 : 1)) + ' ' + units[i];
  }

  function formatDuration(seconds) {
    if (!Number.isFinite(seconds) || seconds < 0) return '—';
    const s = Math.round(seconds);
    if (s < 60) return s + ' s';
    if (s < 3600) return Math.floor(s / 60) + ' min ' + (s % 60) + ' s';
    return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min';
  }

  function chooseFile(file) {
    state.file = file || null;
    el.fileInfo.textContent = file ? `${file.name} · ${formatBytes(file.size)}` : 'MP4, MOV, MKV, WebM… up to 10 GiB';
    el.dropZone.classList.toggle('has-file', !!file);
    updateUploadButton();
    // The file of an interrupted multipart upload: go on at once (its job has its options already).
    if (file && !state.uploading && uploads.saved(file)) runUpload(file, true);
  }

  function updateUploadButton() {
    el.uploadButton.disabled = !state.file || state.uploading || selectedQualities().length === 0;
  }

  el.fileInput.addEventListener('change', () => {
    chooseFile(el.fileInput.files[0]);
    el.fileInput.value = ''; // so that choosing the same file again (to resume it) is a change too
  });
  ['dragenter', 'dragover'].forEach((type) => el.dropZone.addEventListener(type, (event) => {
    event.preventDefault();
    el.dropZone.classList.add('dragging');
  }));
  ['dragleave', 'dragend'].forEach((type) => el.dropZone.addEventListener(type, () => el.dropZone.classList.remove('dragging')));
  el.dropZone.addEventListener('drop', (event) => {
    event.preventDefault();
    el.dropZone.classList.remove('dragging');
    const file = event.dataTransfer && event.dataTransfer.files[0];
    if (file) chooseFile(file);
  });
  // A file dropped next to the zone must not make the browser navigate away.
  window.addEventListener('dragover', (event) => event.preventDefault());
  window.addEventListener('drop', (event) => event.preventDefault());

  function selectedQualities() {
    return Array.from(document.querySelectorAll('input[name="quality"]:checked')).map((box) => box.value);
  }
  document.querySelectorAll('input[name="quality"]').forEach((box) => box.addEventListener('change', updateUploadButton));

  // ---------------------------------------------------------------- upload

  const uploads = window.tcoderUpload.create({ api, sleep });

  el.form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (state.file && !state.uploading) runUpload(state.file, false);
  });

  function runUpload(file, resumeOnly) {
    upload(file, resumeOnly).catch((error) =>
      report(error, error && error.resumable ? 'Upload interrupted (upload the same file again to resume)' : 'Upload failed'));
  }

  /**
   * Resumes the file's saved multipart upload while its job still waits for it, follows the
   * job when that upload was completed already, else (unless `resumeOnly`) starts a new one.
   */
  async function upload(file, resumeOnly) {
    clearError();
    const controller = new AbortController();
    state.uploading = true;
    state.upload = { controller, jobId: null };
    updateUploadButton();
    try {
      const found = await uploads.findResumable(file, controller.signal);
      if (found && found.status === 'uploading') await resumeUpload(file, found, controller.signal);
      else if (found) followUploaded(file, found);
      else if (!resumeOnly) await newUpload(file, controller.signal);
    } finally {
      state.uploading = false;
      state.upload = null;
      updateUploadButton();
    }
  }

  async function newUpload(file, signal) {
    showUploadBlock(file, '');
    const visibility = document.querySelector('input[name="visibility"]:checked').value;
    // Only the size: the control plane decides between one PUT and a multipart upload.
    const ticket = await api('POST', '/api/upload', {
      filename: file.name, contentType: file.type || 'application/octet-stream', size: file.size,
      preset: el.preset.value, outputQualities: selectedQualities(), visibility,
    }, signal);
    startedUpload(ticket.jobId);
    try {
      await uploads.send(file, ticket, { onProgress: showUploadProgress, signal });
    } catch (error) {
      // A job whose input can never come (a failed single PUT, a multipart upload that cannot
      // be resumed) is cancelled rather than left waiting; a cancel from the page has done it.
      if (!signal.aborted && !uploads.saved(file)) api('DELETE', jobPath(ticket.jobId)).catch(() => {});
      throw error;
    }
    uploadDone(file);
  }

  async function resumeUpload(file, found, signal) {
    showUploadBlock(file, `Resuming: ${found.done} of ${found.partCount} parts already uploaded`);
    startedUpload(found.jobId);
    await uploads.resume(file, found, { onProgress: showUploadProgress, signal });
    uploadDone(file);
  }

  /** The saved upload of this file was completed before the page was reloaded: show its job. */
  function followUploaded(file, found) {
    showUploadBlock(file, 'This file was uploaded already: showing its job.');
    showUploadProgress({ loaded: file.size, total: file.size, sent: 0, elapsed: 0 });
    openJob(found.jobId, { status: found.status });
    uploadDone(file);
  }

  function startedUpload(jobId) {
    state.upload.jobId = jobId;
    openJob(jobId, { status: 'uploading', progress: 0 });
  }

  function uploadDone(file) {
    el.uploadText.textContent = `${formatBytes(file.size)} uploaded`;
    loadRecent();
  }

  function showUploadBlock(file, note) {
    showUploadProgress({ loaded: 0, total: file.size, sent: 0, elapsed: 0 });
    el.uploadNote.textContent = note;
    el.uploadNote.hidden = !note;
    el.uploadBlock.hidden = false;
  }

  /** `loaded` of `total` bytes are in the store; `sent` of them went from this page in `elapsed` s (the rate). */
  function showUploadProgress({ loaded, total, sent, elapsed }) {
    el.uploadProgress.value = total > 0 ? Math.min(100, (100 * loaded) / total) : 0;
    el.uploadProgress.dataset.loaded = String(loaded);
    el.uploadProgress.dataset.total = String(total);
    const rate = elapsed > 0 ? sent / elapsed : 0;
    const eta = rate > 0 ? (total - loaded) / rate : NaN;
    el.uploadText.textContent = `${formatBytes(loaded)} of ${formatBytes(total)} · ${formatBytes(rate)}/s · ${loaded >= total ? 'done' : formatDuration(eta) + ' left'}`;
  }

  // ---------------------------------------------------------------- job status

  /** Shows a job and follows it; `known` is what we already know of it (shown at once). */
  function openJob(jobId, known) {
    if (state.watch) state.watch.abort();
    state.jobId = jobId;
    state.watch = new AbortController();
    resetPlayer();
    el.details.hidden = true;
    el.jobTitle.textContent = 'Job ' + jobId;
    lastShown = { status: (known && known.status) || 'queued', progress: (known && known.progress) || 0 };
    renderStatus(lastShown);
    markRecent();
    watchJob(jobId, state.watch.signal).catch((error) => report(error, 'Following the job failed'));
  }

  function renderStatus(job) {
    const status = String(job.status || 'unknown');
    const progress = Math.max(0, Math.min(100, Number(job.progress) || 0));
    const badge = document.createElement('span');
    badge.className = 'badge badge-' + status.replace(/[^a-z]/g, '');
    badge.textContent = status;
    const text = document.createElement('span');
    text.className = 'job-status-text';
    text.textContent = job.error ? job.error : describeStatus(status);
    el.jobStatus.replaceChildren(badge, text);
    el.jobProgress.value = status === 'completed' ? 100 : progress;
    el.jobProgressText.textContent = (status === 'completed' ? 100 : Math.round(progress)) + ' %';
    el.cancelButton.hidden = TERMINAL.includes(status);
    el.retryButton.hidden = !(status === 'failed' || status === 'cancelled');
    updateRecentItem(status);
  }

  /** Keeps the current job's badge in the recent list in step with the live status. */
  function updateRecentItem(status) {
    const button = Array.from(el.recent.querySelectorAll('.recent-job')).find((b) => b.dataset.jobId === state.jobId);
    const badge = button && button.querySelector('.badge');
    if (!badge || badge.textContent === status) return;
    badge.textContent = status;
    badge.className = 'badge badge-' + status.replace(/[^a-z]/g, '');
  }

  const STATUS_TEXT = {
    uploading: 'Waiting for the upload to finish…', queued: 'Upload received, queued.',
    pending: 'Waiting for a worker…', running: 'Transcoding…', completed: 'Done.',
    failed: 'Failed.', cancelled: 'Cancelled.',
  };

  function describeStatus(status) {
    return Object.prototype.hasOwnProperty.call(STATUS_TEXT, status) ? STATUS_TEXT[status] : status;
  }

  async function watchJob(jobId, signal) {
    let job = null;
    try {
      job = await followEvents(jobId, signal);
    } catch (error) {
      if (signal.aborted || (error instanceof ApiError && error.status === 401)) throw error;
    }
    if (!job) job = await pollJob(jobId, signal);
    if (signal.aborted) return;
    renderJob(job);
    loadRecent();
  }

  /** SSE over fetch (EventSource cannot send the Authorization header). Returns the final job, or null to poll. */
  async function followEvents(jobId, signal) {
    let lastEventId = null;
    for (let attempt = 0; attempt < 3; attempt++) {
      const headers = { Authorization: 'Bearer ' + currentKey(), Accept: 'text/event-stream' };
      if (lastEventId !== null) headers['Last-Event-ID'] = lastEventId;
      const response = await fetch(API + jobPath(jobId) + '/events', { headers, signal });
      if (response.status === 401) throw new ApiError(401, 'unauthorized');
      const type = response.headers.get('Content-Type') || '';
      if (!response.ok || !response.body || !type.startsWith('text/event-stream')) return null;
      const parser = new SseParser();
      let ended = false;
      const reader = response.body.getReader();
      let received = 0;
      try {
        for (;;) {
          const { done, value } = await reader.read();
          const events = done ? parser.end() : parser.push(value);
          for (const event of events) {
            received++;
            if (event.id !== null) lastEventId = event.id;
            if (applyEvent(event)) ended = true;
          }
          if (done || ended) break;
        }
      } finally {
        reader.cancel().catch(() => {});
      }
      const job = await api('GET', jobPath(jobId), undefined, signal);
      renderStatus(job);
      if (ended || TERMINAL.includes(job.status)) return job;
      if (received > 0) attempt = -1; // the stream was alive: reconnect without counting it
      await sleep(parser.retry || 1000, signal);
    }
    return null;
  }

  /** Shows one event; true when it says the job ended. */
  function applyEvent(event) {
    let data;
    try { data = JSON.parse(event.data); } catch (_) { return false; }
    if (!data || typeof data !== 'object') return false;
    const status = typeof data.status === 'string' ? data.status : (TERMINAL.includes(event.event) ? event.event : lastShown.status);
    const progress = typeof data.progress === 'number' ? data.progress : lastShown.progress;
    lastShown = { status, progress, error: data.error };
    renderStatus(lastShown);
    return TERMINAL.includes(status);
  }
  let lastShown = { status: 'uploading', progress: 0 };

  async function pollJob(jobId, signal) {
    for (;;) {
      const job = await api('GET', jobPath(jobId), undefined, signal);
      renderStatus(job);
      if (TERMINAL.includes(job.status)) return job;
      await sleep(POLL_MS, signal);
    }
  }

  function sleep(ms, signal) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(resolve, ms);
      signal.addEventListener('abort', () => { clearTimeout(timer); reject(new DOMException('aborted', 'AbortError')); }, { once: true });
    });
  }

  /** The WHATWG event-stream rules: lines split anywhere, CR/LF/CRLF, comments, id, retry. */
  class SseParser {
    constructor() { this.decoder = new TextDecoder(); this.buffer = ''; this.reset(); this.id = null; this.retry = 0; this.first = true; }
    reset() { this.type = ''; this.data = []; }
    push(bytes) { return this.lines(this.decoder.decode(bytes, { stream: true }), false); }
    end() { return this.lines(this.decoder.decode(), true); }
    lines(text, final) {
      if (this.first && text) { this.first = false; if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); }
      this.buffer += text;
      const events = [];
      const parts = this.buffer.split(/\r\n|\r(?!$)|\n/);
      // A trailing CR may be the first half of a CRLF: keep it until the next chunk.
      this.buffer = final ? '' : parts.pop();
      for (const line of parts) {
        const event = this.line(line.replace(/\r$/, ''));
        if (event) events.push(event);
      }
      return events;
    }
    line(line) {
      if (line === '') {
        const event = this.data.length ? { event: this.type || 'message', data: this.data.join('\n'), id: this.id } : null;
        this.reset();
        return event;
      }
      if (line[0] === ':') return null;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value[0] === ' ') value = value.slice(1);
      if (field === 'event') this.type = value;
      else if (field === 'data') this.data.push(value);
      else if (field === 'id' && !value.includes('\0')) this.id = value;
      else if (field === 'retry' && /^\d+$/.test(value)) this.retry = Math.min(Number(value), 60000);
      return null;
    }
  }

  el.cancelButton.addEventListener('click', () => {
    if (!state.jobId) return;
    if (state.upload && state.upload.jobId === state.jobId) state.upload.controller.abort();
    api('DELETE', jobPath(state.jobId)).then(() => openJob(state.jobId, lastShown)).catch((error) => report(error, 'Cancel failed'));
  });
  el.retryButton.addEventListener('click', () => {
    if (!state.jobId) return;
    api('POST', jobPath(state.jobId) + '/retry').then(() => openJob(state.jobId, { status: 'pending', progress: 0 })).catch((error) => report(error, 'Retry failed'));
  });

  // ---------------------------------------------------------------- result

  function renderJob(job) {
    renderStatus(job);
    lastShown = { status: job.status, progress: job.progress, error: job.error };
    renderOutputs(job);
    if (job.status === 'completed') play(job);
  }

  function renderOutputs(job) {
    const outputs = Array.isArray(job.outputs) ? job.outputs : [];
    el.outputs.replaceChildren(...outputs.map((output) => {
      const item = document.createElement('li');
      const link = document.createElement('a');
      link.href = safeUrl(output.url);
      link.textContent = output.quality || output.url;
      link.target = '_blank';
      link.rel = 'noopener';
      item.append(link);
      const extra = [output.width && output.height ? `${output.width}×${output.height}` : '', output.size ? formatBytes(output.size) : '']
        .filter(Boolean).join(' · ');
      if (extra) item.append(' ', Object.assign(document.createElement('span'), { className: 'muted', textContent: extra }));
      return item;
    }));
    el.poster.hidden = !job.posterUrl;
    if (job.posterUrl) el.poster.src = safeUrl(job.posterUrl);
    renderMeta(job);
    el.details.hidden = outputs.length === 0 && !job.posterUrl && !job.filename;
  }

  function renderMeta(job) {
    const ts = job.timestamps || {};
    const rows = [
      ['File', job.filename], ['Preset', job.preset], ['Attempts', job.attempts], ['Machine', job.machineId],
      ['Created', formatTime(ts.createdAt)], ['Completed', formatTime(ts.completedAt)],
      ['Playlist', job.playlistUrl], ['DASH', job.dashUrl],
    ].filter(([, value]) => value !== undefined && value !== null && value !== '');
    el.meta.replaceChildren(...rows.flatMap(([name, value]) => [
      Object.assign(document.createElement('dt'), { textContent: name }),
      Object.assign(document.createElement('dd'), { textContent: String(value) }),
    ]));
  }

  function formatTime(value) {
    if (!value) return '';
    const date = new Date(typeof value === 'number' ? value * (value < 1e12 ? 1000 : 1) : value);
    return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleString();
  }

  /** Only http(s) URLs go into href/src: a job record must not be able to inject javascript: URLs. */
  function safeUrl(url) {
    try {
      const parsed = new URL(String(url), location.href);
      return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : 'about:blank';
    } catch (_) {
      return 'about:blank';
    }
  }

  function resetPlayer() {
    if (state.hls) { state.hls.destroy(); state.hls = null; }
    el.player.removeAttribute('src');
    el.player.removeAttribute('poster');
    el.player.load();
    el.player.classList.remove('ready');
    el.playerEmpty.hidden = false;
    setQualityOptions([], false);
    el.levelNow.textContent = '';
  }

  function play(job) {
    if (job.posterUrl) el.player.poster = safeUrl(job.posterUrl);
    el.player.classList.add('ready');
    el.playerEmpty.hidden = true;
    if (job.playlistUrl) playHls(safeUrl(job.playlistUrl));
    else playMp4(Array.isArray(job.outputs) ? job.outputs : []);
  }

  function playHls(url) {
    const Hls = window.Hls;
    if (Hls && Hls.isSupported()) {
      const hls = new Hls({ capLevelToPlayerSize: true });
      state.hls = hls;
      hls.on(Hls.Events.MANIFEST_PARSED, (_e, data) => setQualityOptions(
        data.levels.map((level, index) => ({ value: String(index), label: levelLabel(level) })), true));
      hls.on(Hls.Events.LEVEL_SWITCHED, () => showLevel(hls));
      hls.on(Hls.Events.ERROR, (_e, data) => { if (data.fatal) showError('Playback failed: ' + (data.details || data.type) + premiumHint()); });
      hls.loadSource(url);
      hls.attachMedia(el.player);
    } else if (el.player.canPlayType('application/vnd.apple.mpegurl')) {
      el.player.src = url; // Safari plays HLS natively; it picks the quality itself
    } else {
      showError('This browser cannot play HLS (hls.js did not load).');
    }
  }

  function showLevel(hls) {
    const level = hls.levels[hls.currentLevel];
    el.levelNow.textContent = level ? (hls.autoLevelEnabled ? 'Auto picked ' : 'Playing ') + levelLabel(level) : '';
  }

  function levelLabel(level) {
    const name = level.height ? level.height + 'p' : (level.name || '?');
    return level.bitrate ? `${name} · ${Math.round(level.bitrate / 1000)} kbps` : name;
  }

  function playMp4(outputs) {
    const playable = outputs.filter((output) => output && output.url && (output.kind === 'video' || output.kind === 'audio'));
    if (playable.length === 0) return showError('The job completed without playable outputs.');
    setQualityOptions(playable.map((output, index) => ({ value: String(index), label: output.quality || 'output ' + (index + 1) })), false);
    el.qualityMenu.value = '0';
    el.player.src = safeUrl(playable[0].url);
    el.player.onerror = () => showError('Playback failed.' + premiumHint());
    el.qualityMenu.onchange = () => {
      const time = el.player.currentTime;
      const paused = el.player.paused;
      el.player.src = safeUrl(playable[Number(el.qualityMenu.value)].url);
      el.player.addEventListener('loadedmetadata', () => { el.player.currentTime = time; if (!paused) el.player.play().catch(() => {}); }, { once: true });
    };
  }

  function premiumHint() {
    return document.querySelector('input[name="visibility"][value="premium"]').checked ? ' Premium outputs need a token.' : '';
  }

  /** Fills the quality menu; with `auto`, the first entry lets hls.js choose. */
  function setQualityOptions(options, auto) {
    const entries = (auto ? [{ value: '-1', label: 'Auto' }] : []).concat(options);
    el.qualityMenu.replaceChildren(...entries.map(({ value, label }) => Object.assign(document.createElement('option'), { value, textContent: label })));
    if (entries.length === 0) el.qualityMenu.append(Object.assign(document.createElement('option'), { value: '-1', textContent: 'Auto' }));
    el.qualityMenu.disabled = entries.length < 2;
    if (auto) {
      el.qualityMenu.value = '-1';
      el.qualityMenu.onchange = () => {
        if (!state.hls) return;
        // At the next segment, without flushing what is buffered: an immediate switch
        // (currentLevel) made before the first segment was appended could stall the start.
        state.hls.nextLevel = Number(el.qualityMenu.value);
        showLevel(state.hls);
      };
    }
  }

  // ---------------------------------------------------------------- recent jobs

  async function loadRecent() {
    let list;
    try {
      list = await api('GET', '/api/jobs?limit=20');
    } catch (error) {
      report(error, 'Loading recent jobs failed');
      return false;
    }
    const jobs = Array.isArray(list) ? list : Array.isArray(list.jobs) ? list.jobs : [];
    if (jobs.length === 0) {
      el.recent.replaceChildren(Object.assign(document.createElement('li'), { className: 'empty muted', textContent: 'No jobs yet.' }));
      return true;
    }
    el.recent.replaceChildren(...jobs.map(recentItem));
    markRecent();
    return true;
  }

  function recentItem(job) {
    const item = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'recent-job';
    button.dataset.jobId = job.jobId;
    const name = Object.assign(document.createElement('span'), { className: 'recent-name', textContent: job.filename || job.jobId });
    const badge = Object.assign(document.createElement('span'), { className: 'badge badge-' + String(job.status).replace(/[^a-z]/g, ''), textContent: job.status });
    const created = job.timestamps && job.timestamps.createdAt;
    const sub = Object.assign(document.createElement('span'), {
      className: 'recent-sub muted',
      textContent: [job.preset, job.status === 'running' ? Math.round(job.progress || 0) + ' %' : '', formatTime(created)].filter(Boolean).join(' · '),
    });
    if (job.posterUrl) button.append(recentPoster(job.posterUrl));
    button.classList.toggle('has-poster', !!job.posterUrl);
    button.append(name, badge, sub);
    button.addEventListener('click', () => openJob(job.jobId, job));
    item.append(button);
    return item;
  }

  /** A small poster thumbnail, loaded only when it scrolls into view; decorative (the name is beside it). */
  function recentPoster(url) {
    const img = Object.assign(document.createElement('img'), { className: 'recent-poster', alt: '', loading: 'lazy', decoding: 'async', width: 64, height: 36 });
    img.src = safeUrl(url);
    img.addEventListener('error', () => { img.parentElement?.classList.remove('has-poster'); img.remove(); }, { once: true });
    return img;
  }

  function markRecent() {
    el.recent.querySelectorAll('.recent-job').forEach((button) => {
      const current = button.dataset.jobId === state.jobId;
      button.classList.toggle('current', current);
      if (current) button.setAttribute('aria-current', 'true'); else button.removeAttribute('aria-current');
    });
  }

  el.refresh.addEventListener('click', loadRecent);

  // ---------------------------------------------------------------- start

  async function start() {
    if (!currentKey()) return askForKey('');
    clearError();
    await loadRecent();
  }

  // Helpers for system.js (loaded after this file); the rest stays private.
  window.tcoder = Object.freeze({ api, apiKey: currentKey, report, formatDuration, sleep, SseParser, ApiError });

  readKeyFromFragment();
  start();
})();
