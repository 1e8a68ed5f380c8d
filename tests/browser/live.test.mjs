// The web page against a running stack, in headless Chromium: open the page with
// the key in the fragment, upload a short clip made with ffmpeg, follow the job to
// `completed`, and play the result with a quality menu: the <video> element decodes
// H.264 frames and its currentTime advances. No JavaScript errors allowed.
//   TCODER_URL=http://127.0.0.1:8787 TCODER_API_KEY=... node --test live.test.mjs
// The stack must be up already (e.g. `tcoder up --detach`).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const URL_BASE = process.env.TCODER_URL;
const API_KEY = process.env.TCODER_API_KEY;
const JOB_TIMEOUT_MS = Number(process.env.TCODER_JOB_TIMEOUT_MS || 300_000);

let browser;
let page;
const errors = [];

before(async () => {
  assert.ok(URL_BASE && API_KEY, 'set TCODER_URL and TCODER_API_KEY to the running stack');
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('crash', () => errors.push('the page crashed'));
  page.on('console', (msg) => { if (msg.type() === 'error') errors.push(`console: ${msg.text()}`); });
});

after(async () => {
  await browser?.close();
});

test('the key in the fragment is kept and removed from the address bar', async () => {
  await page.goto(`${URL_BASE}/#key=${encodeURIComponent(API_KEY)}`);
  await page.waitForSelector('#recent-jobs li');
  assert.equal(new URL(page.url()).hash, '');
  assert.equal(await page.evaluate(() => localStorage.getItem('tcoder.apiKey')), API_KEY);
  assert.equal(await page.isVisible('#key-dialog'), false);
});

test('upload, live status, and HLS playback with a quality menu', async () => {
  const clip = execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=1280x720:d=4:r=25', '-f', 'lavfi',
    '-i', 'sine=d=4', '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-shortest',
    '-f', 'mp4', '-movflags', 'frag_keyframe+empty_moov', 'pipe:1'], { maxBuffer: 64 << 20 });
  await page.setInputFiles('#file-input', { name: 'browser-test.mp4', mimeType: 'video/mp4', buffer: clip });
  await page.selectOption('#preset', 'hls-adaptive');
  await page.click('#upload-button');
  await page.waitForFunction(() => Number(document.getElementById('upload-progress').value) === 100);
  await page.waitForFunction(() => ['completed', 'failed', 'cancelled'].includes(document.querySelector('#job-status .badge')?.textContent),
    null, { timeout: JOB_TIMEOUT_MS });
  assert.equal(await page.textContent('#job-status .badge'), 'completed', await page.textContent('#job-status'));
  assert.equal(await page.$eval('#job-progress', (p) => p.value), 100);
  await page.waitForFunction(() => document.querySelector('#quality-menu').options.length >= 2, null, { timeout: 30_000 });
  const options = await page.$$eval('#quality-menu option', (list) => list.map((o) => o.textContent));
  assert.equal(options[0], 'Auto');
  await page.waitForFunction(() => document.getElementById('player').readyState >= 2, null, { timeout: 30_000 });
  // Muted, play() needs no user gesture; the clock only moves when frames are decoded and shown.
  const started = await page.evaluate(() => {
    const v = document.getElementById('player');
    v.muted = true;
    return v.play().then(() => 'playing', (e) => `play() refused: ${e.name}: ${e.message}`);
  });
  assert.equal(started, 'playing');
  await page.waitForFunction(() => document.getElementById('player').currentTime > 0.5, null, { timeout: 30_000 })
    .catch(async (error) => {
      const state = await page.evaluate(() => {
        const v = document.getElementById('player');
        return { currentTime: v.currentTime, readyState: v.readyState, paused: v.paused, error: v.error?.message,
          banner: document.getElementById('error-text')?.textContent };
      });
      throw new Error(`the video did not play: ${JSON.stringify(state)} (${error.message})`);
    });
  const played = await page.$eval('#player', (v) => ({
    error: v.error, width: v.videoWidth, frames: v.getVideoPlaybackQuality().totalVideoFrames,
  }));
  assert.equal(played.error, null);
  assert.ok(played.width > 0 && played.frames > 0, `decoded frames: ${JSON.stringify(played)}`);
  assert.ok(await page.$eval('#recent-jobs', (list) => list.textContent.includes('browser-test.mp4')));
});

test('no JavaScript errors', () => {
  assert.deepEqual(errors, []);
});
