// Loads the web page in headless Chromium against the fake API (fake-api.mjs):
// key from the URL fragment, upload with progress, live status over SSE,
// HLS playback with a quality menu, recent jobs with poster thumbnails, a
// refused key, and the System view against the fake pool (fake-pool.mjs):
// machine cards going busy, the queue draining to 0, the event log, the depth
// chart, a drain confirmed in the dialog, a refusal's message, reconnecting
// after `dropped` and after a cut stream, no polling, and the stream closed
// when the view is left. Then multipart uploads with the fake's small parts:
// the parts reassemble the file, one part failing once with a 500 is sent again
// alone, an expired URL (403) is replaced, progress reaches 100 %; and a resume
// after a reload mid-way sends only the missing parts. Fails on any JavaScript
// error. Screenshots go to $SCREENSHOT_DIR (default: a temp dir).
//   node page-fake-check.mjs

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

import { startFakeApi } from './fake-api.mjs';
import { describeSystemView, machineAction, recordSystemView, waitInView } from './system-page.mjs';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', ...(process.env.EXTRA_ARGS ? process.env.EXTRA_ARGS.split(' ') : [])];
const KEY = 'test-key-123';
const PART = 256 << 10; // the fake's part size: a 2.5 MiB file has 10 parts
const ENTRY_PREFIX = 'tcoder.upload:';

/** Two-rendition HLS (360p, 720p) and a poster, made with ffmpeg. */
function makeMedia(dir) {
  execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=1280x720:d=4:r=25', '-f', 'lavfi', '-i', 'sine=d=4',
    '-filter_complex', '[0:v]split=2[a][b];[a]scale=640:360[v0];[b]copy[v1]',
    '-map', '[v0]', '-map', '[v1]', '-map', '1:a', '-map', '1:a', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25',
    '-b:v:0', '500k', '-b:v:1', '1500k', '-c:a', 'aac', '-f', 'hls', '-hls_time', '2', '-hls_playlist_type', 'vod',
    '-master_pl_name', 'master.m3u8', '-var_stream_map', 'v:0,a:0 v:1,a:1', join(dir, 'out_%v/index.m3u8')]);
  execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=640x360:d=1', '-frames:v', '1', join(dir, 'poster.jpg')]);
}

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'tcoder-page-'));
  const shots = process.env.SCREENSHOT_DIR || work;
  makeMedia(work);
  // Only 4 part URLs come with the upload: the page asks partsUrl for the others.
  const fake = await startFakeApi({ apiKey: KEY, mediaDir: work, multipart: { threshold: 1 << 20, partSize: PART, firstParts: 4 } });
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const errors = [];
  const network = []; // Chromium logs failed requests as console errors; the check provokes two kinds
  try {
    const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
    page.on('crash', () => errors.push('the page crashed'));
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      if (msg.text().startsWith('Failed to load resource:')) network.push(msg.text()); else errors.push(`console: ${msg.text()}`);
    });

    await page.goto(`${fake.url}/#key=${KEY}`);
    await page.waitForSelector('#recent-jobs li');
    assert.equal(new URL(page.url()).hash, '', 'the key is removed from the address bar');
    assert.equal(await page.evaluate(() => localStorage.getItem('tcoder.apiKey')), KEY);
    assert.equal(await page.isVisible('#key-dialog'), false);
    await page.screenshot({ path: join(shots, 'page-empty.png') });

    const video = execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=320x240:d=2', '-c:v', 'libx264',
      '-preset', 'ultrafast', '-f', 'mp4', '-movflags', 'frag_keyframe+empty_moov', 'pipe:1']);
    await page.setInputFiles('#file-input', { name: 'sample.mp4', mimeType: 'video/mp4', buffer: video });
    assert.equal(await page.isEnabled('#upload-button'), true);
    await page.selectOption('#preset', 'hls-adaptive');
    await page.click('#upload-button');

    await page.waitForFunction(() => document.querySelector('#job-status .badge')?.textContent === 'running');
    await page.screenshot({ path: join(shots, 'page-running.png') });
    await page.waitForFunction(() => document.querySelector('#job-status .badge')?.textContent === 'completed', null, { timeout: 15000 });
    assert.equal(await page.$eval('#upload-progress', (p) => p.value), 100);
    assert.match(await page.textContent('#upload-text'), /uploaded/);
    const job = [...fake.jobs.values()][0];
    assert.equal(job.uploadedBytes, video.length, 'the page PUT every byte to the presigned URL');
    assert.equal(await page.$eval('#job-progress', (p) => p.value), 100);

    await page.waitForFunction(() => document.querySelector('#quality-menu').options.length === 3, null, { timeout: 15000 });
    const qualities = await page.$$eval('#quality-menu option', (options) => options.map((o) => o.textContent));
    assert.equal(qualities[0], 'Auto');
    assert.ok(qualities.some((q) => q.startsWith('720p')) && qualities.some((q) => q.startsWith('360p')), qualities.join());
    await page.selectOption('#quality-menu', { index: 1 });
    // hls.js attached the media and decoded a frame (playback itself needs no audio device this way).
    await page.waitForFunction(() => document.getElementById('player').readyState >= 2, null, { timeout: 30000 }).catch(async (e) => {
      console.error(await page.evaluate(() => { const v = document.getElementById('player'); return JSON.stringify({ rs: v.readyState, ns: v.networkState, err: v.error && v.error.message, buf: v.buffered.length, src: v.currentSrc, banner: document.getElementById('error-text').textContent }); }));
      throw e;
    });
    await page.evaluate(() => { const v = document.getElementById('player'); v.muted = true; v.play().catch(() => {}); });
    assert.equal(await page.$$eval('#recent-jobs .recent-job', (items) => items.length), 1);
    const thumb = await page.waitForSelector('#recent-jobs .recent-job img.recent-poster');
    assert.equal(await thumb.getAttribute('loading'), 'lazy');
    assert.equal(await thumb.getAttribute('src'), `${fake.url}/media/poster.jpg`);
    await page.waitForFunction(() => document.querySelector('#recent-jobs img.recent-poster').naturalWidth > 0);
    await page.screenshot({ path: join(shots, 'page-completed.png') });

    await checkSystemView(page, fake, shots);

    const other = await browser.newPage({ viewport: { width: 1000, height: 700 } });
    other.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
    await other.goto(`${fake.url}/#key=wrong`);
    await other.waitForSelector('#key-dialog[open]');
    assert.match(await other.textContent('#key-error'), /refused/);
    await other.screenshot({ path: join(shots, 'page-bad-key.png') });
    await other.fill('#api-key', KEY);
    await other.click('#save-key');
    await other.waitForSelector('#recent-jobs .recent-job');
    await other.click('#recent-jobs .recent-job');
    await other.waitForFunction(() => document.querySelector('#job-status .badge')?.textContent === 'completed');
    await other.emulateMedia({ colorScheme: 'dark' });
    await other.setViewportSize({ width: 420, height: 1400 });
    await other.screenshot({ path: join(shots, 'page-dark-narrow.png') });
    await other.click('#system-tab');
    await other.waitForSelector('#system-stream[data-status="live"]');
    await other.waitForSelector('#depth-chart polyline.line-ready');
    await other.screenshot({ path: join(shots, 'system-dark-narrow.png'), fullPage: true });

    await checkMultipart(browser, fake, work, shots, errors);

    assert.deepEqual(errors, [], 'no JavaScript errors');
    // The refused drain (409) and the stream the fake cut; no other request failed.
    assert.equal(network.filter((text) => /status of 409/.test(text)).length, 1, network.join('\n'));
    assert.deepEqual(network.filter((text) => !/status of 409|ERR_INCOMPLETE_CHUNKED_ENCODING/.test(text)), [], 'no other failed request');
    console.log(`page check passed; screenshots in ${shots}`);
  } finally {
    await browser.close();
    await fake.close();
    if (!process.env.SCREENSHOT_DIR) rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Multipart uploads on a page of their own: a 10-part file with part 3 failing once (500) and
 * part 6's URL refused once (403), then a second file interrupted by a reload after 4 parts
 * and chosen again, which sends parts 5 to 10 only.
 */
async function checkMultipart(browser, fake, work, shots, errors) {
  const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  const network = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    if (msg.text().startsWith('Failed to load resource:')) network.push(msg.text()); else errors.push(`console: ${msg.text()}`);
  });
  await page.goto(`${fake.url}/#key=${KEY}`);
  await page.waitForSelector('#recent-jobs li');
  await checkWholeMultipart(page, fake, work);
  assert.equal(network.filter((text) => /status of 500/.test(text)).length, 1, network.join('\n'));
  assert.equal(network.filter((text) => /status of 403/.test(text)).length, 1, network.join('\n'));
  await checkResume(page, fake, work, shots);
  assert.deepEqual(network.filter((text) => !/status of (500|403)/.test(text)), [], 'no other failed request');
  await page.close();
}

async function checkWholeMultipart(page, fake, work) {
  const mp = fake.multipart;
  const file = writeRandom(join(work, 'multipart.mp4'), 10 * PART - 100_000);
  mp.failOnce(3, 500);
  mp.failOnce(6, 403);
  await recordUploadProgress(page);
  await page.setInputFiles('#file-input', file.path);
  const jobId = await newUpload(fake, () => page.click('#upload-button'));
  await waitForBadge(page, 'completed');
  const upload = mp.uploads.get(jobId);
  assert.equal(upload.partCount, 10);
  assert.ok(upload.input.equals(file.bytes), 'the parts reassemble the file exactly');
  const puts = mp.log.filter((entry) => entry.jobId === jobId);
  const statuses = (n) => puts.filter((entry) => entry.partNumber === n).map((entry) => entry.status);
  for (let n = 1; n <= 10; n++) {
    const expected = n === 3 ? [500, 200] : n === 6 ? [403, 200] : [200];
    assert.deepEqual(statuses(n), expected, `part ${n}: the failed part alone is sent again`);
  }
  assert.ok(puts.every((entry) => entry.contentType === null), 'part PUTs carry no Content-Type');
  const sixes = puts.filter((entry) => entry.partNumber === 6).map((entry) => entry.signature);
  assert.notEqual(sixes[0], sixes[1], 'part 6 went again with a fresh URL');
  const asked = mp.urlRequests.filter((r) => r.jobId === jobId).map((r) => r.partNumbers);
  assert.deepEqual(asked[0], [5, 6, 7, 8, 9, 10], 'the URLs past the first 4, in one request');
  assert.equal(asked.filter((numbers) => numbers.includes(6)).length, 2, `a fresh URL for part 6 after its 403: ${JSON.stringify(asked)}`);
  await checkProgressDone(page, file.bytes.length);
  assert.deepEqual(await savedUploads(page), [], 'the saved entry is removed once the upload is complete');
}

async function checkResume(page, fake, work, shots) {
  const mp = fake.multipart;
  const file = writeRandom(join(work, 'resume.mp4'), 10 * PART - 5000);
  mp.holdAfter(4); // parts 1-4 go through, the next four are held unanswered
  await page.setInputFiles('#file-input', file.path);
  const jobId = await newUpload(fake, () => page.click('#upload-button'));
  const upload = mp.uploads.get(jobId);
  await until('4 parts stored and 4 held', () => upload.parts.size === 4 && mp.heldCount() === 4);
  const [entry] = await savedUploads(page);
  assert.deepEqual(entry && entry.value, { jobId, uploadId: upload.uploadId, size: file.bytes.length, partSize: PART, name: 'resume.mp4', lastModified: entry.value.lastModified });
  assert.ok(entry.value.lastModified > 0);
  assert.equal(entry.key, ENTRY_PREFIX + JSON.stringify(['resume.mp4', file.bytes.length, entry.value.lastModified]));

  await page.reload();
  await page.waitForSelector('#recent-jobs .recent-job');
  await until('the held part PUTs were dropped by the reload', () => mp.heldCount() === 0);
  mp.holdAfter(null);
  const mark = mp.log.length;
  const checks = mp.checks;
  await recordUploadProgress(page);
  await page.setInputFiles('#file-input', file.path); // chosen again, no click: it resumes
  await page.waitForFunction(() => document.getElementById('upload-note').textContent === 'Resuming: 4 of 10 parts already uploaded');
  await page.screenshot({ path: join(shots, 'page-resuming.png') });
  await waitForBadge(page, 'completed');
  assert.ok(mp.checks > checks, 'the page asked GET /api/uploads/{jobId}');
  const sent = mp.log.slice(mark).filter((e) => e.jobId === jobId);
  assert.deepEqual(sent.map((e) => e.partNumber).sort((a, b) => a - b), [5, 6, 7, 8, 9, 10], 'only the missing parts are sent');
  assert.ok(sent.every((e) => e.status === 200));
  assert.ok(upload.input.equals(file.bytes), 'the resumed upload reassembles the file exactly');
  const shown = await page.evaluate(() => window.__upload);
  assert.equal(shown.loaded.find((n) => n > 0), 4 * PART, 'progress starts from the 4 parts the store has');
  await checkProgressDone(page, file.bytes.length);
  assert.deepEqual(await savedUploads(page), []);
  assert.equal(await page.textContent('#job-title'), `Job ${jobId}`);
}

function writeRandom(path, size) {
  const bytes = randomBytes(size);
  writeFileSync(path, bytes);
  return { path, bytes };
}

/** The id of the multipart upload's job that `action` has the page create. */
async function newUpload(fake, action) {
  const before = fake.multipart.uploads.size;
  await action();
  await until('a multipart upload is created', () => fake.multipart.uploads.size > before);
  return [...fake.multipart.uploads.keys()].pop();
}

async function until(what, test, timeout = 10_000) {
  for (const end = Date.now() + timeout; !test();) {
    if (Date.now() > end) throw new Error(`timed out waiting: ${what}`);
    await new Promise((done) => setTimeout(done, 20));
  }
}

const waitForBadge = (page, status) => page.waitForFunction((s) => document.querySelector('#job-status .badge')?.textContent === s, status, { timeout: 15000 });

/** Keeps every byte count #upload-progress shows in window.__upload.loaded. */
async function recordUploadProgress(page) {
  await page.evaluate(() => {
    const bar = document.getElementById('upload-progress');
    window.__upload = { loaded: [] };
    new MutationObserver(() => window.__upload.loaded.push(Number(bar.dataset.loaded))).observe(bar, { attributes: true, attributeFilter: ['data-loaded'] });
  });
}

/** Progress reached 100 % and never counted more bytes than the file has (a failed attempt's are taken out). */
async function checkProgressDone(page, size) {
  const shown = await page.evaluate(() => window.__upload);
  assert.ok(shown.loaded.length > 2, `progress was shown as it went: ${shown.loaded}`);
  assert.ok(Math.max(...shown.loaded) <= size, `never more than the file: ${Math.max(...shown.loaded)} > ${size}`);
  assert.equal(await page.$eval('#upload-progress', (p) => p.value), 100);
  assert.equal(await page.$eval('#upload-progress', (p) => Number(p.dataset.loaded)), size);
  assert.match(await page.textContent('#upload-text'), /uploaded/);
}

const savedUploads = (page) => page.evaluate((prefix) => Object.keys(localStorage).filter((key) => key.startsWith(prefix))
  .map((key) => ({ key, value: JSON.parse(localStorage.getItem(key)) })), ENTRY_PREFIX);

/** The System view against the fake pool: one idle machine, then a burst of 6 jobs that a second machine joins. */
async function checkSystemView(page, fake, shots) {
  const pool = fake.pool;
  assert.equal(await page.isVisible('#system-view'), false, 'the upload view is the default');
  await page.click('#system-tab');
  assert.equal(await page.isVisible('#system-view'), true);
  assert.equal(await page.isVisible('#upload-view'), false);
  await waitInView(page, 'the stream is live', () => document.getElementById('system-stream').dataset.status === 'live');
  await waitInView(page, 'one idle machine from the snapshot', () => document.querySelectorAll('.machine-card[data-state="idle"]').length === 1);
  await waitInView(page, 'the chart draws the hour of history', () => Number(document.getElementById('depth-chart').dataset.samples) >= 60
    && document.querySelector('#depth-chart polyline.line-ready').getAttribute('points').split(' ').length >= 60
    && document.querySelector('#depth-chart polyline.line-busy') !== null);
  await recordSystemView(page);

  const ids = pool.burst(6);
  await waitInView(page, 'both machines busy at once', () => window.__system.maxBusy === 2);
  const seen = await page.evaluate(() => window.__system);
  assert.ok(seen.maxReady >= 4, `the ready count showed the burst: ${JSON.stringify(seen)}`);
  assert.equal(await page.$$eval('.machine-card', (cards) => cards.length), 2, 'the machine that joined has a card from its event');
  assert.ok((await page.$$eval('#queue-running li', (items) => items.length)) >= 1);
  await page.screenshot({ path: join(shots, 'system-busy.png') });

  // Drain a machine while it works (held mid-job, so the drain lands while its
  // job runs however slow this host is): it shows draining, finishes its job, then stops.
  const first = pool.hold();
  assert.ok(first, 'a machine is running a job');
  await waitInView(page, 'the held machine shows busy', (id) =>
    document.querySelector(`.machine-card[data-machine-id="${id}"]`)?.dataset.state === 'busy', first);
  const before = pool.stats.actions.length;
  await machineAction(page, first, 'drain', { confirm: false });
  assert.equal(pool.stats.actions.length, before, 'Cancel sends nothing');
  await machineAction(page, first, 'drain', { reason: 'page check' });
  await waitInView(page, 'the drained card shows draining', (id) =>
    document.querySelector(`.machine-card[data-machine-id="${id}"]`)?.dataset.state === 'draining', first);
  assert.match(await page.textContent('#action-result'), /Drain .*draining/);
  pool.release(first);
  await waitInView(page, 'the drained machine stops', (id) =>
    document.querySelector(`.machine-card[data-machine-id="${id}"]`)?.dataset.state === 'stopped', first);

  await waitInView(page, 'the queue drains to 0 with every job completed', (jobIds) =>
    window.__system.readyDrained && document.getElementById('queue-ready-count').textContent === '0'
    && document.getElementById('queue-running-count').textContent === '0'
    && jobIds.every((id) => document.querySelector(`#event-log li[data-job-id="${id}"][data-status="completed"]`)), ids, 30_000);
  assert.deepEqual([...pool.jobs.values()].map((j) => j.status), Array(6).fill('completed'));
  const line = (id, status) => page.$eval(`#event-log li[data-job-id="${id}"][data-status="${status}"]`, (li) => li.textContent);
  assert.match(await line(ids[0], 'running'), /job (burst-1\.mp4|j_\S+): running on m_/);
  assert.match(await line(ids[3], 'pending'), /: pending — ffmpeg exited with status 1/, 'the failed attempt is logged with its reason');
  assert.ok(await page.$$eval('.machine-meta dd', (dds) => dds.some((dd) => dd.textContent.includes('fake failure'))), 'lastError on its card');
  const done = await page.$$eval('.machine-card', (cards) => cards.map((c) => Number(c.querySelector('.machine-meta dd').textContent)));
  assert.equal(done.reduce((a, b) => a + b, 0), 6, `jobs done on the cards: ${done}`);

  // A refusal: a stopped machine has nothing to drain (409, the server's reason shown).
  await machineAction(page, first, 'drain');
  await waitInView(page, 'the refusal is shown', () => document.getElementById('action-result').dataset.outcome === 'refused');
  assert.match(await page.textContent('#action-result'), /refused \(409\): machine m_\S+ is stopped: nothing to drain/);
  await machineAction(page, first, 'start');
  await waitInView(page, 'the started machine boots and goes idle', (id) =>
    document.querySelector(`.machine-card[data-machine-id="${id}"]`)?.dataset.state === 'idle', first);

  // `dropped`, then a cut stream: each time a new snapshot, the same cards.
  for (const [what, cut] of [['dropped', () => pool.dropEvents(42)], ['a cut stream', () => pool.breakStreams()]]) {
    const snapshots = pool.stats.snapshots;
    const shown = await page.$$eval('#event-log li[data-kind="stream"]', (items) => items.filter((li) => li.textContent.includes('snapshot')).length);
    cut();
    await waitInView(page, `a new snapshot after ${what}`, (n) => document.getElementById('system-stream').dataset.status === 'live'
      && [...document.querySelectorAll('#event-log li[data-kind="stream"]')].filter((li) => li.textContent.includes('snapshot')).length > n, shown, 10_000);
    assert.equal(pool.stats.snapshots, snapshots + 1, `one reconnect after ${what}`);
    assert.equal(pool.watchers(), 1, 'one stream open');
  }
  assert.ok((await page.$$eval('#event-log li', (items) => items.map((li) => li.textContent))).some((l) => l.includes('dropped 42 events')));
  assert.equal(await page.$$eval('.machine-card', (cards) => cards.length), 2);
  // Machine transitions named `job`, as the control plane sends them today: still the card's.
  pool.nameMachineEvents('job');
  await machineAction(page, first, 'drain');
  await waitInView(page, 'a machine transition sent as `event: job` moves the card', (id) =>
    document.querySelector(`.machine-card[data-machine-id="${id}"]`)?.dataset.state === 'stopped', first);
  assert.deepEqual(await page.$$eval('#event-log li[data-kind="job"]', (items) => items.filter((li) => !li.dataset.status
    || li.dataset.status === 'unknown').map((li) => li.textContent)), [], 'no machine transition taken for a job');
  assert.equal(pool.stats.polls, 0, 'no polling of /api/machines or /api/queue');
  console.log('system view:', JSON.stringify((await describeSystemView(page)).cards));
  await page.screenshot({ path: join(shots, 'system-after.png'), fullPage: true });

  await page.click('#upload-tab');
  assert.equal(await page.isVisible('#upload-view'), true);
  for (let i = 0; i < 50 && pool.watchers() > 0; i++) await new Promise((done) => setTimeout(done, 50));
  assert.equal(pool.watchers(), 0, 'leaving the view closes the stream');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
