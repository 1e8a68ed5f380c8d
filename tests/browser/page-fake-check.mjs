// Loads the web page in headless Chromium against the fake API (fake-api.mjs):
// key from the URL fragment, upload with progress, live status over SSE,
// HLS playback with a quality menu, recent jobs, and a refused key. Fails on
// any JavaScript error. Screenshots go to $SCREENSHOT_DIR (default: a temp dir).
//   node page-fake-check.mjs

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

import { startFakeApi } from './fake-api.mjs';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', ...(process.env.EXTRA_ARGS ? process.env.EXTRA_ARGS.split(' ') : [])];
const KEY = 'test-key-123';

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
  const fake = await startFakeApi({ apiKey: KEY, mediaDir: work });
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const errors = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
    page.on('crash', () => errors.push('the page crashed'));
    page.on('console', (msg) => { if (msg.type() === 'error') errors.push(`console: ${msg.text()}`); });

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
    await page.screenshot({ path: join(shots, 'page-completed.png') });

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

    assert.deepEqual(errors, [], 'no JavaScript errors');
    console.log(`page check passed; screenshots in ${shots}`);
  } finally {
    await browser.close();
    await fake.close();
    if (!process.env.SCREENSHOT_DIR) rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
