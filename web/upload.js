// Uploads of the web page, one concept: a chosen file goes to storage with one
// presigned PUT, or as a multipart upload when POST /api/upload answers
// `uploadMethod: "multipart"` (docs/api.md, "Multipart, resumable uploads"):
// parts sent 4 at once with XMLHttpRequest (the browser API that reports upload
// progress), each retried alone, then completed. A multipart upload is
// remembered in localStorage under the file's name, size and lastModified, so
// the same file chosen after a reload sends only the parts the store lacks.
// Progress counts every part's bytes, a failed attempt's taken back out.
// Loaded before app.js, which hands it the page's API helpers:
//   const uploads = window.tcoderUpload.create({ api, sleep });
// Single-threaded like the page; each upload keeps its state in its own context.
(function () {
  'use strict';

  const PARALLEL = 4; // parts in flight at once
  const ATTEMPTS = 5; // per part and per API call, for network errors, 5xx and 429
  const URL_BATCH = 1000; // part URLs asked for at once, the API's maximum
  const REPAIR_ROUNDS = 2; // times the parts that complete says are missing are sent again
  const ENTRY_PREFIX = 'tcoder.upload:';

  // ---------------------------------------------------------------- resume entries

  /** A file has no identity stabler than its name, size and lastModified. */
  const entryKey = (file) => ENTRY_PREFIX + JSON.stringify([file.name, file.size, file.lastModified]);

  /** The saved multipart upload of this file, `{jobId, uploadId, size, partSize, name, lastModified}`, or null. */
  function saved(file) {
    try {
      const entry = JSON.parse(localStorage.getItem(entryKey(file)) || 'null');
      return entry && typeof entry.jobId === 'string' && entry.size === file.size ? entry : null;
    } catch (_) {
      return null;
    }
  }

  function remember(file, plan) {
    const entry = { jobId: plan.jobId, uploadId: plan.uploadId, size: plan.size, partSize: plan.partSize, name: file.name, lastModified: file.lastModified };
    try { localStorage.setItem(entryKey(file), JSON.stringify(entry)); } catch (_) { /* private mode or full: no resume after a reload */ }
  }

  function forget(file) {
    try { localStorage.removeItem(entryKey(file)); } catch (_) { /* nothing stored */ }
  }

  // ---------------------------------------------------------------- one PUT

  /**
   * One PUT of `body`. Resolves with the answer whatever its status, `{status, retryAfter,
   * message}`, status 0 for a network or CORS error; rejects only with an AbortError when
   * `signal` aborts. `onSent(bytes)` follows the body going out.
   */
  function put(url, body, { contentType, onSent, signal }) {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(abortError());
      const xhr = new XMLHttpRequest();
      const abort = () => xhr.abort();
      const settle = (answer) => {
        signal.removeEventListener('abort', abort);
        if (answer) resolve(answer); else reject(abortError());
      };
      signal.addEventListener('abort', abort, { once: true });
      xhr.open('PUT', url);
      if (contentType) xhr.setRequestHeader('Content-Type', contentType);
      xhr.upload.onprogress = (event) => onSent(event.loaded);
      xhr.onload = () => settle({ status: xhr.status, retryAfter: exposedRetryAfter(xhr), message: storageMessage(xhr) });
      xhr.onerror = () => settle({ status: 0, message: 'storage could not be reached (network or CORS error)' });
      xhr.onabort = () => settle(null);
      xhr.send(body);
    });
  }

  function storageMessage(xhr) {
    const code = /<Code>([^<]*)<\/Code>/.exec(xhr.responseText || '');
    const message = /<Message>([^<]*)<\/Message>/.exec(xhr.responseText || '');
    return `storage answered ${xhr.status}` + (code ? `: ${code[1]}` : '') + (message ? ` (${message[1]})` : '');
  }

  const abortError = () => new DOMException('aborted', 'AbortError');
  const succeeded = (status) => status >= 200 && status < 300;
  const transientStatus = (status) => status === 0 || status === 429 || status >= 500;

  /** A failed fetch (TypeError) or an API answer worth asking again. */
  /**
   * Retry-After of a 429 or 503, when the store's CORS exposes it. Read from
   * getAllResponseHeaders, which leaves out what is not exposed, where
   * getResponseHeader would log a console error for each answer.
   */
  function exposedRetryAfter(xhr) {
    if (xhr.status !== 429 && xhr.status !== 503) return null;
    const line = xhr.getAllResponseHeaders().split('\r\n').find((h) => h.toLowerCase().startsWith('retry-after:'));
    return line ? line.slice(line.indexOf(':') + 1).trim() : null;
  }

  function transientError(error) {
    if (!error || error.name === 'AbortError') return false;
    return typeof error.status === 'number' ? transientStatus(error.status) : error instanceof TypeError;
  }

  /** Retry-After when the answer has one (at most 30 s), else 0.5 s doubling to 8 s, with jitter. */
  function backoff(attempt, retryAfter) {
    const hinted = Number(retryAfter) * 1000;
    if (Number.isFinite(hinted) && hinted > 0) return Math.min(hinted, 30000);
    return Math.min(8000, 500 * 2 ** (attempt - 1)) + Math.random() * 250;
  }

  /** The whole file with one presigned PUT (no retry: the caller cancels the job). */
  async function sendWhole(file, url, onProgress, signal) {
    const progress = tracker(file.size, 0, onProgress);
    const answer = await put(url, file, {
      contentType: file.type || 'application/octet-stream', onSent: (bytes) => progress.sending(1, bytes), signal,
    });
    if (!succeeded(answer.status)) throw new Error(answer.message);
    progress.sent(1, file.size);
  }

  // ---------------------------------------------------------------- progress

  /**
   * Bytes the store has (`already` to start with) and bytes in flight per part; after every
   * change `report({loaded, total, sent, elapsed})`, `sent` being what this page sent since it
   * began (for the rate) and `elapsed` in seconds.
   */
  function tracker(total, already, report) {
    const started = performance.now();
    const flying = new Map();
    let done = already;
    let sentDone = 0;
    const emit = () => {
      let inFlight = 0;
      flying.forEach((bytes) => { inFlight += bytes; });
      report({ loaded: done + inFlight, total, sent: sentDone + inFlight, elapsed: (performance.now() - started) / 1000 });
    };
    emit();
    return {
      sending(part, bytes) { flying.set(part, bytes); emit(); },
      failed(part) { flying.delete(part); emit(); },
      sent(part, bytes) { flying.delete(part); done += bytes; sentDone += bytes; emit(); },
      lost(bytes) { done -= bytes; emit(); },
    };
  }

  // ---------------------------------------------------------------- multipart plans

  /** Part n (1-based) is the bytes [start, end) of the file. */
  function partRange(plan, n) {
    const start = (n - 1) * plan.partSize;
    return [start, Math.min(start + plan.partSize, plan.size)];
  }

  function partBytes(plan, n) {
    const [start, end] = partRange(plan, n);
    return end - start;
  }

  /** The plan of a new upload, from POST /api/upload's `multipart`. */
  function newPlan(jobId, multipart) {
    const plan = {
      jobId, uploadId: multipart.uploadId, size: multipart.size, partSize: multipart.partSize, partCount: multipart.partCount,
      partsUrl: multipart.partsUrl, completeUrl: multipart.completeUrl, urls: new Map(), done: new Set(),
    };
    for (const part of multipart.parts || []) plan.urls.set(part.partNumber, { url: part.url, batch: 0 });
    return plan;
  }

  /** The plan of an upload to resume, from GET /api/uploads/{jobId}: the parts the store has at their size are done. */
  function resumedPlan(jobId, answer) {
    const base = '/api/uploads/' + encodeURIComponent(jobId);
    const plan = {
      jobId, uploadId: answer.uploadId, size: answer.size, partSize: answer.partSize, partCount: answer.partCount,
      partsUrl: base + '/parts', completeUrl: base + '/complete', urls: new Map(), done: new Set(),
    };
    for (const part of answer.uploadedParts || []) {
      const n = part && part.partNumber;
      if (Number.isInteger(n) && n >= 1 && n <= plan.partCount && part.size === partBytes(plan, n)) plan.done.add(n);
    }
    return plan;
  }

  /** True when the plan cuts exactly this file into its parts. */
  function fits(plan, file) {
    return plan.size === file.size && plan.partSize > 0 && plan.partCount === Math.ceil(plan.size / plan.partSize);
  }

  function doneBytes(plan) {
    let bytes = 0;
    plan.done.forEach((n) => { bytes += partBytes(plan, n); });
    return bytes;
  }

  // ---------------------------------------------------------------- multipart upload

  /** Sends the parts not done yet, then completes; the saved entry goes when the upload is over. */
  async function runMultipart(ctx) {
    try {
      const missing = [];
      for (let n = 1; n <= ctx.plan.partCount; n++) if (!ctx.plan.done.has(n)) missing.push(n);
      await sendParts(ctx, missing);
      const job = await complete(ctx);
      forget(ctx.file);
      return job;
    } catch (error) {
      if (error && error.status === 409) forget(ctx.file); // the job failed or was cancelled: nothing to resume
      if (error && error.name !== 'AbortError') error.resumable = saved(ctx.file) !== null;
      throw error;
    }
  }

  /** Sends `numbers`, PARALLEL at once; the first part that gives up stops the others. */
  async function sendParts(ctx, numbers) {
    if (ctx.signal.aborted) throw abortError();
    ctx.queue = numbers.slice();
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    const lane = async () => {
      while (ctx.queue.length && !stop.signal.aborted) await sendPart(ctx, ctx.queue.shift(), stop.signal);
    };
    try {
      await Promise.all(Array.from({ length: Math.min(PARALLEL, ctx.queue.length) }, lane));
    } catch (error) {
      stop.abort();
      throw ctx.signal.aborted ? abortError() : error;
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
    }
  }

  /** Part n until the store has it: again after a network error, 5xx or 429; with a fresh URL after a 403, once. */
  async function sendPart(ctx, n, signal) {
    const [start, end] = partRange(ctx.plan, n);
    const blob = ctx.file.slice(start, end); // no type: a part PUT has no Content-Type (it is not signed)
    let refreshed = false;
    for (let attempt = 1; ;) {
      const url = await partUrl(ctx, n, signal);
      const answer = await put(url, blob, { onSent: (bytes) => ctx.progress.sending(n, bytes), signal });
      if (succeeded(answer.status)) return ctx.progress.sent(n, end - start);
      ctx.progress.failed(n);
      if (answer.status === 403 && !refreshed) {
        refreshed = true;
        expireBatch(ctx.plan.urls, n, url);
        continue;
      }
      if (!transientStatus(answer.status) || attempt >= ATTEMPTS) {
        throw new Error(`part ${n} of ${ctx.plan.partCount}: ${answer.message}` + (attempt > 1 ? ` (after ${attempt} attempts)` : ''));
      }
      await ctx.sleep(backoff(attempt++, answer.retryAfter), signal);
    }
  }

  /** URLs handed out together expire together: a 403 on one forgets its whole batch (unless refreshed already). */
  function expireBatch(urls, n, used) {
    const entry = urls.get(n);
    if (!entry || entry.url !== used) return;
    urls.forEach((other, part) => { if (other.batch === entry.batch) urls.delete(part); });
  }

  /** The URL of part n; when it has none, asks partsUrl for it and for the queued parts without one. */
  async function partUrl(ctx, n, signal) {
    for (let asked = 0; !ctx.plan.urls.has(n); asked++) {
      if (asked === 3) throw new Error(`the control plane sent no URL for part ${n}`);
      if (!ctx.fetching) {
        const wanted = [n].concat(ctx.queue.filter((p) => !ctx.plan.urls.has(p))).slice(0, URL_BATCH);
        ctx.fetching = fetchUrls(ctx, wanted, signal).finally(() => { ctx.fetching = null; });
      }
      await ctx.fetching;
    }
    return ctx.plan.urls.get(n).url;
  }

  async function fetchUrls(ctx, partNumbers, signal) {
    const answer = await retried(ctx, () => ctx.api('POST', ctx.plan.partsUrl, { partNumbers }, signal), signal);
    const batch = ++ctx.batches;
    for (const part of answer.parts || []) ctx.plan.urls.set(part.partNumber, { url: part.url, batch });
  }

  /** POST completeUrl; parts the store turns out to lack (400 with `details.missing`) are sent again first. */
  async function complete(ctx) {
    for (let round = 0; ; round++) {
      try {
        return await retried(ctx, () => ctx.api('POST', ctx.plan.completeUrl, {}, ctx.signal), ctx.signal);
      } catch (error) {
        const missing = missingParts(error, ctx.plan);
        if (missing.length === 0 || round >= REPAIR_ROUNDS) throw error;
        missing.forEach((n) => ctx.progress.lost(partBytes(ctx.plan, n)));
        await sendParts(ctx, missing);
      }
    }
  }

  function missingParts(error, plan) {
    const list = error && error.status === 400 && error.details && error.details.missing;
    return Array.isArray(list) ? list.filter((n) => Number.isInteger(n) && n >= 1 && n <= plan.partCount) : [];
  }

  /** `call()` again after a network error, 5xx or 429, up to ATTEMPTS times. */
  async function retried(ctx, call, signal) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        if (!transientError(error) || attempt >= ATTEMPTS) throw error;
        await ctx.sleep(backoff(attempt, error.retryAfter), signal);
      }
    }
  }

  // ---------------------------------------------------------------- resuming

  /**
   * What became of this file's saved upload: null when there is none to resume (none saved,
   * or its job is unknown, failed or cancelled: the entry is dropped); `{jobId, status}` when
   * the upload was completed (the job moved on; the entry is dropped); `{jobId, status:
   * "uploading", partCount, done, plan}` when it can go on, `done` parts being in the store.
   * Rejects with the API's error when the control plane cannot say.
   */
  async function findResumable(api, file, signal) {
    const entry = saved(file);
    if (!entry) return null;
    let answer;
    try {
      answer = await api('GET', '/api/uploads/' + encodeURIComponent(entry.jobId), undefined, signal);
    } catch (error) {
      if (error && (error.status === 404 || error.status === 409)) { forget(file); return null; }
      throw error;
    }
    if (answer.status !== 'uploading') {
      forget(file);
      return answer.status === 'failed' || answer.status === 'cancelled' ? null : { jobId: entry.jobId, status: answer.status };
    }
    const plan = resumedPlan(entry.jobId, answer);
    if (!fits(plan, file)) { forget(file); return null; }
    return { jobId: entry.jobId, status: 'uploading', partCount: plan.partCount, done: plan.done.size, plan };
  }

  // ---------------------------------------------------------------- the page's handle

  function create({ api, sleep }) {
    const context = (file, plan, onProgress, signal) => ({
      api, sleep, file, plan, signal, progress: tracker(plan.size, doneBytes(plan), onProgress), queue: [], fetching: null, batches: 0,
    });
    return Object.freeze({
      saved,
      /**
       * Sends `file` the way POST /api/upload's answer `ticket` says. Resolves when the store
       * has it (multipart: once completed, with `{jobId, status}`); rejects with the reason,
       * `resumable` set on the error when choosing the file again resumes it.
       */
      async send(file, ticket, { onProgress, signal }) {
        if (ticket.uploadMethod !== 'multipart') return sendWhole(file, ticket.uploadUrl, onProgress, signal);
        const plan = newPlan(ticket.jobId, ticket.multipart || {});
        if (!fits(plan, file)) throw new Error(`the control plane planned ${plan.partCount} parts of ${plan.partSize} bytes for a file of ${file.size}`);
        remember(file, plan);
        return runMultipart(context(file, plan, onProgress, signal));
      },
      findResumable: (file, signal) => findResumable(api, file, signal),
      /** Sends the parts of `found` (from findResumable) that the store lacks, then completes; as `send`. */
      resume: (file, found, { onProgress, signal }) => runMultipart(context(file, found.plan, onProgress, signal)),
    });
  }

  window.tcoderUpload = Object.freeze({ create });
})();
