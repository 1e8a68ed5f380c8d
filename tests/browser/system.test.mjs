// The web page's System view against a running stack with --max-machines 2, in
// headless Chromium: open the page with the key in the fragment, switch to the
// System view, then create a burst of 6 jobs through the API (POST /api/upload,
// then a PUT of a 10-second 720p clip made with ffmpeg to each presigned URL)
// and check, from what the page shows and without reloading it, that both
// machine cards were busy at once, that the ready count rose and came back to
// 0, and that the event log has lines for those jobs; then drain one machine
// from its card (confirmed in the dialog) and see it draining, then stopped,
// and start it again the same way so the stack is left with two machines.
// Screenshot system-view.png in $SCREENSHOT_DIR while both are busy. No
// JavaScript errors allowed.
//   TCODER_URL=http://127.0.0.1:8787 TCODER_API_KEY=... node --test system.test.mjs
// The stack must be up already (e.g. `tcoder up --detach --max-machines 2`).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';

import { describeSystemView, machineAction, recordSystemView, waitInView } from './system-page.mjs';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const URL_BASE = process.env.TCODER_URL;
const API_KEY = process.env.TCODER_API_KEY;
const JOB_TIMEOUT_MS = Number(process.env.TCODER_JOB_TIMEOUT_MS || 300_000);
const BURST = 6;

let browser;
let page;
const errors = [];
const jobIds = [];
let drained = null;

before(async () => {
  assert.ok(URL_BASE && API_KEY, 'set TCODER_URL and TCODER_API_KEY to the running stack');
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1360, height: 1000 } });
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('crash', () => errors.push('the page crashed'));
  page.on('console', (msg) => { if (msg.type() === 'error') errors.push(`console: ${msg.text()}`); });
});

after(async () => {
  await browser?.close();
});

async function api(method, path, body) {
  const response = await fetch(URL_BASE + path, {
    method, body: body === undefined ? undefined : JSON.stringify(body),
    headers: { Authorization: `Bearer ${API_KEY}`, 'Content-Type': 'application/json' },
  });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${path} answered ${response.status}: ${text}`);
  return JSON.parse(text);
}

/** Waits for `fn` in the page; a timeout reports what the page shows and what the API says. */
async function waitShown(what, fn, arg, timeout = JOB_TIMEOUT_MS) {
  try {
    return await waitInView(page, what, fn, arg, timeout);
  } catch (error) {
    const truth = await Promise.all([api('GET', '/api/machines'), api('GET', '/api/queue?limit=10')]).catch((e) => e.message);
    error.message += `\nthe API says: ${JSON.stringify(truth)}`;
    throw error;
  }
}

function makeClip() {
  return execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=1280x720:d=10:r=25', '-f', 'lavfi',
    '-i', 'sine=d=10', '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-shortest',
    '-f', 'mp4', '-movflags', 'frag_keyframe+empty_moov', 'pipe:1'], { maxBuffer: 64 << 20 });
}

test('the System view opens on the live stream', async () => {
  await page.goto(`${URL_BASE}/#key=${encodeURIComponent(API_KEY)}`);
  await page.waitForSelector('#recent-jobs li');
  assert.equal(await page.isVisible('#system-view'), false, 'the upload view is the default');
  await page.click('#system-tab');
  assert.equal(await page.isVisible('#system-view'), true);
  await waitShown('the stream is live', () => document.getElementById('system-stream').dataset.status === 'live', null, 15_000);
  const pool = await api('GET', '/api/machines');
  assert.ok(pool.max >= 2, `the stack runs with --max-machines 2 or more (max is ${pool.max})`);
  const shown = await page.$$eval('.machine-card', (cards) => cards.map((c) => c.dataset.machineId).sort());
  assert.deepEqual(shown, pool.machines.map((m) => m.machineId).sort(), 'a card for each machine in the pool');
  await recordSystemView(page);
});

test(`a burst of ${BURST} jobs: both machines busy at once, the ready count rises and drains, the log follows`, async () => {
  const clip = makeClip();
  const tickets = [];
  for (let i = 1; i <= BURST; i++) {
    tickets.push(await api('POST', '/api/upload', { filename: `system-burst-${i}.mp4`, contentType: 'video/mp4', size: clip.length, preset: 'hls-adaptive' }));
  }
  jobIds.push(...tickets.map((t) => t.jobId));
  await Promise.all(tickets.map(async (ticket) => {
    const put = await fetch(ticket.uploadUrl, { method: 'PUT', body: clip });
    assert.equal(put.status, 200, `PUT ${ticket.jobId}: ${await put.text()}`);
  }));

  await waitShown('both machine cards busy at once', () => document.querySelectorAll('.machine-card[data-state="busy"]').length >= 2);
  if (process.env.SCREENSHOT_DIR) await page.screenshot({ path: join(process.env.SCREENSHOT_DIR, 'system-view.png'), fullPage: true });
  const seen = await page.evaluate(() => window.__system);
  assert.ok(seen.maxBusy >= 2, JSON.stringify(seen));
  assert.ok(seen.maxReady >= 1, `the ready count showed waiting jobs: ${JSON.stringify(seen)}`);
  assert.ok(await page.$$eval('#queue-running li', (items) => items.length) >= 1);
  await waitShown('the log has a running line for every job', (ids) =>
    ids.every((id) => document.querySelector(`#event-log li[data-job-id="${id}"][data-status="running"]`)), jobIds);
});

test('drain a machine from its card: it shows draining, then stops', async () => {
  drained = await page.$eval('.machine-card[data-state="busy"], .machine-card[data-state="idle"]', (card) => card.dataset.machineId);
  await machineAction(page, drained, 'drain', { reason: 'system.test.mjs' });
  await waitShown('the action result', () => document.getElementById('action-result').dataset.outcome, null, 15_000);
  assert.equal(await page.$eval('#action-result', (p) => p.dataset.outcome), 'ok', await page.textContent('#action-result'));
  await waitShown('the card shows draining', (id) => {
    const card = document.querySelector(`.machine-card[data-machine-id="${id}"]`);
    return !card || card.dataset.state === 'draining' || card.dataset.state === 'stopped';
  }, drained, 15_000);
  const states = await page.evaluate((id) => window.__system.states[id], drained);
  assert.ok(states.includes('draining'), `the card showed draining: ${states}`);
  await waitShown('the drained machine stops or leaves', (id) => {
    const card = document.querySelector(`.machine-card[data-machine-id="${id}"]`);
    return !card || card.dataset.state === 'stopped';
  }, drained);
  const machine = (await api('GET', '/api/machines')).machines.find((m) => m.machineId === drained);
  assert.ok(!machine || (machine.state === 'stopped' && machine.draining), JSON.stringify(machine));
});

test(`all ${BURST} jobs complete; the page shows the queue drained without a reload`, async () => {
  const deadline = Date.now() + JOB_TIMEOUT_MS;
  for (;;) {
    const statuses = await Promise.all(jobIds.map((id) => api('GET', `/api/jobs/${id}`).then((job) => job.status)));
    if (statuses.every((s) => s === 'completed')) break;
    assert.ok(!statuses.some((s) => s === 'failed' || s === 'cancelled'), `statuses: ${statuses}`);
    assert.ok(Date.now() < deadline, `jobs not done in time: ${statuses}`);
    await new Promise((done) => setTimeout(done, 1000));
  }
  await waitShown('ready and running back to 0, a completed line for every job', (ids) =>
    window.__system.readyDrained && document.getElementById('queue-ready-count').textContent === '0'
    && document.getElementById('queue-running-count').textContent === '0'
    && ids.every((id) => document.querySelector(`#event-log li[data-job-id="${id}"][data-status="completed"]`)), jobIds, 30_000);
  assert.ok(await page.$$eval('#depth-chart polyline, #depth-chart circle', (shapes) => shapes.length) >= 2, 'the chart is drawn');
  console.log('# the System view:', JSON.stringify((await describeSystemView(page)).cards));
});

test('start the drained machine again from its card', async () => {
  if (!(await page.$(`.machine-card[data-machine-id="${drained}"]`))) return; // it left the pool: nothing to start
  await machineAction(page, drained, 'start');
  await waitShown('the start is answered', () => document.getElementById('action-result').textContent.startsWith('Start'), null, 15_000);
  assert.equal(await page.$eval('#action-result', (p) => p.dataset.outcome), 'ok', await page.textContent('#action-result'));
  await waitShown('the card boots again', (id) =>
    ['starting', 'idle', 'busy'].includes(document.querySelector(`.machine-card[data-machine-id="${id}"]`)?.dataset.state), drained, 30_000);
});

test('no JavaScript errors', () => {
  assert.deepEqual(errors, []);
});
