// The web page's multipart uploads against a running stack, in headless Chromium:
// a ~300 MiB clip made with ffmpeg goes up as several part PUTs (no single PUT)
// and its job leaves `uploading` and completes; then a second one is interrupted
// by a reload once a few parts are in the store (watched with GET
// /api/uploads/{jobId}), chosen again, and sends only the parts that were
// missing. The clips are made in a temp dir, removed at the end. No JavaScript
// errors allowed.
//   TCODER_URL=http://127.0.0.1:8787 TCODER_API_KEY=... node --test multipart.test.mjs
// The stack must be up already (e.g. `tcoder up --detach`), with the default
// --multipart-threshold (100 MiB) or a lower one.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const URL_BASE = process.env.TCODER_URL;
const API_KEY = process.env.TCODER_API_KEY;
const JOB_TIMEOUT_MS = Number(process.env.TCODER_JOB_TIMEOUT_MS || 300_000);
const UPLOAD_TIMEOUT_MS = 180_000;
// The resumed upload is slowed to this (bytes/s, DevTools' network emulation) until the
// reload, so that the reload lands mid-way however fast the host is: ~10 s for 300 MiB.
const THROTTLE = 32 << 20;
const TERMINAL = ['completed', 'failed', 'cancelled'];
const ENTRY_PREFIX = 'tcoder.upload:';

let browser;
let page;
let work;
const errors = [];
const puts = []; // every PUT the page sends: {url, partNumber, status, failure}

before(async () => {
  assert.ok(URL_BASE && API_KEY, 'set TCODER_URL and TCODER_API_KEY to the running stack');
  work = mkdtempSync(join(tmpdir(), 'tcoder-multipart-'));
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('crash', () => errors.push('the page crashed'));
  // A part that fails and is sent again is logged as a failed resource; that is not an error of the page.
  page.on('console', (msg) => { if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource:')) errors.push(`console: ${msg.text()}`); });
  recordPuts(page);
  await page.goto(`${URL_BASE}/#key=${encodeURIComponent(API_KEY)}`);
  await page.waitForSelector('#recent-jobs li');
});

after(async () => {
  await browser?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('a large file goes up as several part PUTs and its job completes', async () => {
  const clip = makeClip(join(work, 'multipart-clip.avi'), 25);
  try {
    const mark = puts.length;
    const ticket = await startUpload(clip);
    const { partCount } = ticket.multipart;
    assert.ok(partCount >= 2, `several parts: ${partCount}`);
    await page.waitForFunction(() => Number(document.getElementById('upload-progress').value) === 100, null, { timeout: UPLOAD_TIMEOUT_MS });
    await followToCompleted(ticket.jobId);
    const mine = puts.slice(mark);
    assert.deepEqual(mine.filter((put) => put.partNumber === null).map((put) => put.url), [], 'no single PUT');
    assert.deepEqual(partsStored(mine), range(1, partCount), 'every part went up in its own PUT');
    assert.deepEqual(await savedUploads(), [], 'the saved entry is removed once the upload is complete');
  } finally {
    rmSync(clip, { force: true });
  }
});

test('a reload mid-way resumes: only the missing parts are sent again', async (t) => {
  const clip = makeClip(join(work, 'multipart-resume.avi'), 30);
  const cdp = await page.context().newCDPSession(page);
  try {
    await throttle(cdp, THROTTLE);
    const ticket = await startUpload(clip);
    const { partCount, partSize, size } = ticket.multipart;
    const stored = await waitForStore(ticket.jobId, (upload) => upload.uploadedParts.length >= 3);
    assert.ok(stored.uploadedParts.length < partCount, `the reload comes mid-way: ${stored.uploadedParts.length} of ${partCount}`);
    assert.equal((await savedUploads()).length, 1, 'the upload is saved for resuming');

    await page.reload();
    await page.waitForSelector('#recent-jobs li');
    await throttle(cdp, -1);
    const mark = puts.length;
    await page.setInputFiles('#file-input', clip); // chosen again, no click: the page resumes it
    await page.waitForFunction(() => /^Resuming: \d+ of \d+ parts already uploaded$/.test(document.getElementById('upload-note').textContent),
      null, { timeout: 30_000 });
    const [, already, of] = /^Resuming: (\d+) of (\d+)/.exec(await page.textContent('#upload-note')).map(Number);
    assert.equal(of, partCount);
    assert.ok(already >= stored.uploadedParts.length && already < partCount, `resumed after ${already} of ${partCount} parts`);
    await followToCompleted(ticket.jobId);

    const resent = puts.slice(mark);
    const numbers = partsStored(resent);
    assert.equal(numbers.length, partCount - already, `only the missing parts: ${numbers}`);
    const before = stored.uploadedParts.map((part) => part.partNumber);
    assert.deepEqual(numbers.filter((n) => before.includes(n)), [], 'no part the store had is sent again');
    const bytes = numbers.reduce((sum, n) => sum + Math.min(partSize, size - (n - 1) * partSize), 0);
    assert.ok(bytes > 0 && bytes < size, `bytes after the reload: ${bytes} of ${size}`);
    t.diagnostic(`resumed with ${already} of ${partCount} parts in the store; sent ${numbers.length} parts, ${bytes} of ${size} bytes`);
    assert.deepEqual(resent.filter((put) => put.partNumber === null).map((put) => put.url), [], 'no single PUT');
    assert.deepEqual(await savedUploads(), []);
  } finally {
    await throttle(cdp, -1).catch(() => {});
    rmSync(clip, { force: true });
  }
});

test('no JavaScript errors', () => {
  assert.deepEqual(errors, []);
});

/** ~311 MB of raw 1080p video in AVI (100 frames): above the multipart threshold, quick to transcode. */
function makeClip(path, rate) {
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=1920x1080:rate=${rate}`, '-frames:v', '100',
    '-c:v', 'rawvideo', '-pix_fmt', 'yuv420p', path]);
  return path;
}

/** Chooses the clip with the page's lightest options (one 144p HLS rendition), uploads it, and returns POST /api/upload's answer. */
async function startUpload(clip) {
  await page.setInputFiles('#file-input', clip);
  await page.selectOption('#preset', 'hls');
  await page.evaluate(() => document.querySelectorAll('input[name="quality"]').forEach((box) => {
    box.checked = box.value === '144p';
    box.dispatchEvent(new Event('change', { bubbles: true }));
  }));
  const answer = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/upload');
  await page.click('#upload-button');
  const ticket = await (await answer).json();
  assert.equal(ticket.uploadMethod, 'multipart', JSON.stringify(ticket));
  return ticket;
}

/** The job leaves `uploading`, then completes, on the server and on the page. */
async function followToCompleted(jobId) {
  const moved = await waitForJob(jobId, (job) => job.status !== 'uploading', UPLOAD_TIMEOUT_MS);
  assert.notEqual(moved.status, 'uploading');
  const job = await waitForJob(jobId, (j) => TERMINAL.includes(j.status), JOB_TIMEOUT_MS);
  assert.equal(job.status, 'completed', JSON.stringify(job));
  await page.waitForFunction(() => document.querySelector('#job-status .badge')?.textContent === 'completed', null, { timeout: 30_000 });
}

/** Keeps every PUT of the page in `puts`, with its answer's status once it is done. */
function recordPuts(target) {
  const open = new Map(); // Request → its entry in `puts`
  target.on('request', (request) => {
    if (request.method() !== 'PUT') return;
    const partNumber = new URL(request.url()).searchParams.get('partNumber');
    const put = { url: request.url(), partNumber: partNumber === null ? null : Number(partNumber), status: 0, failure: null };
    puts.push(put);
    open.set(request, put);
  });
  target.on('requestfinished', async (request) => {
    const put = open.get(request);
    if (!put) return;
    open.delete(request);
    const response = await request.response();
    put.status = response ? response.status() : 0;
  });
  target.on('requestfailed', (request) => {
    const put = open.get(request);
    if (!put) return;
    open.delete(request);
    put.failure = request.failure()?.errorText || 'failed';
  });
}

/** The distinct part numbers that the store took (2xx), sorted. */
function partsStored(list) {
  const numbers = new Set(list.filter((put) => put.partNumber !== null && put.status >= 200 && put.status < 300).map((put) => put.partNumber));
  return [...numbers].sort((a, b) => a - b);
}

const range = (from, to) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

async function throttle(cdp, uploadThroughput) {
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput });
}

async function apiGet(path) {
  const response = await fetch(URL_BASE + path, { headers: { Authorization: `Bearer ${API_KEY}` } });
  const body = await response.json();
  assert.ok(response.ok, `GET ${path}: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

/** Polls GET /api/uploads/{jobId} until `test(answer)`; fails if the upload ends first. */
async function waitForStore(jobId, test) {
  for (const end = Date.now() + UPLOAD_TIMEOUT_MS; ;) {
    const upload = await apiGet(`/api/uploads/${jobId}`);
    assert.equal(upload.status, 'uploading', `the upload ended before the reload: ${JSON.stringify(upload)}`);
    if (test(upload)) return upload;
    assert.ok(Date.now() < end, `timed out watching the upload: ${upload.uploadedParts.length} parts stored`);
    await new Promise((done) => setTimeout(done, 200));
  }
}

async function waitForJob(jobId, test, timeout) {
  for (const end = Date.now() + timeout; ;) {
    const job = await apiGet(`/api/jobs/${jobId}`);
    if (test(job)) return job;
    assert.ok(Date.now() < end, `timed out following job ${jobId}: ${job.status} ${job.progress}`);
    await new Promise((done) => setTimeout(done, 500));
  }
}

const savedUploads = () => page.evaluate((prefix) => Object.keys(localStorage).filter((key) => key.startsWith(prefix)), ENTRY_PREFIX);
