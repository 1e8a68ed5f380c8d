// A cmaf job's outputs through the edge, in headless Chromium: hls.js plays
// the HLS master (version 7, fMP4 segments behind EXT-X-MAP) and dash.js
// plays the DASH manifest, and the manifest names the very files the HLS
// media playlists list. Video frames are decoded and the clock advances, with
// sound, in both players. No JavaScript errors allowed.
//   TCODER_URL=... TCODER_PLAYLIST_URL=<master.m3u8> TCODER_DASH_URL=<manifest.mpd> node --test cmaf.test.mjs
// hls.js comes from web/node_modules, dash.js from this directory's.

import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'];
const PLAYLIST_URL = process.env.TCODER_PLAYLIST_URL;
const DASH_URL = process.env.TCODER_DASH_URL;
const here = path.dirname(fileURLToPath(import.meta.url));
const HLS_JS = path.join(here, '..', '..', 'web', 'node_modules', 'hls.js', 'dist', 'hls.min.js');
const DASH_JS = path.join(here, 'node_modules', 'dashjs', 'dist', 'modern', 'umd', 'dash.all.min.js');

let browser;
const errors = [];

// A blank page on the edge's own origin with both players loaded.
async function playerPage() {
  const origin = new URL(PLAYLIST_URL).origin;
  const page = await browser.newPage();
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (msg) => { if (msg.type() === 'error') errors.push(`console: ${msg.text()}`); });
  await page.route(`${origin}/__cmaf-player`, (route) => route.fulfill({
    contentType: 'text/html', body: '<!doctype html><title>cmaf</title><video id="v" muted playsinline></video>',
  }));
  await page.route(`${origin}/favicon.ico`, (route) => route.fulfill({ status: 204, body: '' }));
  await page.goto(`${origin}/__cmaf-player`);
  await page.addScriptTag({ path: HLS_JS });
  await page.addScriptTag({ path: DASH_JS });
  return page;
}

// Waits until the <video> has played past `seconds`; returns what it decoded.
async function played(page, seconds) {
  return page.evaluate(async (until) => {
    const v = document.getElementById('v');
    const start = Date.now();
    while (Date.now() - start < 30_000 && v.currentTime < until && !v.error) await new Promise((r) => setTimeout(r, 100));
    return { currentTime: v.currentTime, error: v.error && v.error.message, width: v.videoWidth,
      frames: v.getVideoPlaybackQuality().totalVideoFrames, duration: v.duration };
  }, seconds);
}

before(async () => {
  assert.ok(PLAYLIST_URL && DASH_URL, 'set TCODER_PLAYLIST_URL and TCODER_DASH_URL to a completed cmaf job');
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: CHROMIUM_ARGS });
});

after(async () => {
  await browser?.close();
});

test('the DASH manifest names the same init segments and segments as the HLS playlists', async () => {
  const page = await playerPage();
  const result = await page.evaluate(async ({ playlistUrl, dashUrl }) => {
    const text = async (url) => { const r = await fetch(url); if (!r.ok) throw new Error(`${url}: ${r.status}`); return [r.headers.get('content-type'), await r.text()]; };
    const [mpdType, mpd] = await text(dashUrl);
    const doc = new DOMParser().parseFromString(mpd, 'application/xml');
    const out = { mpdType, reps: [] };
    for (const rep of doc.querySelectorAll('Representation')) {
      const template = rep.querySelector('SegmentTemplate');
      const count = [...template.querySelectorAll('S')].reduce((n, s) => n + 1 + Number(s.getAttribute('r') || 0), 0);
      const id = rep.getAttribute('id');
      const [, playlist] = await text(new URL(`${id}/index.m3u8`, playlistUrl));
      const map = /#EXT-X-MAP:URI="([^"]+)"/.exec(playlist)[1];
      const segments = playlist.split('\n').filter((l) => l && !l.startsWith('#'));
      const first = new URL(template.getAttribute('media').replace('$Number%05d$', '00000'), dashUrl).href;
      const [segmentType] = await text(first);
      out.reps.push({ id, init: template.getAttribute('initialization'), map: `${id}/${map}`, count,
        segments: segments.length, first, firstListed: new URL(`${id}/${segments[0]}`, playlistUrl).href, segmentType });
    }
    return out;
  }, { playlistUrl: PLAYLIST_URL, dashUrl: DASH_URL });
  assert.match(result.mpdType, /^application\/dash\+xml/);
  assert.ok(result.reps.length >= 3, JSON.stringify(result));
  assert.ok(result.reps.some((r) => r.id === 'audio'), 'an audio Representation');
  for (const rep of result.reps) {
    assert.equal(rep.init, rep.map, `${rep.id}: the init segment`);
    assert.equal(rep.count, rep.segments, `${rep.id}: the segment count`);
    assert.equal(rep.first, rep.firstListed, `${rep.id}: the first segment`);
    assert.equal(rep.segmentType, 'video/iso.segment', `${rep.id}: the segment type`);
  }
  await page.close();
});

test('hls.js plays the CMAF HLS master with its audio group', async () => {
  const page = await playerPage();
  const info = await page.evaluate((url) => new Promise((resolve, reject) => {
    if (!Hls.isSupported()) return reject(new Error('hls.js: MSE unsupported'));
    const hls = new Hls();
    hls.on(Hls.Events.ERROR, (_, data) => { if (data.fatal) reject(new Error(`hls.js: ${data.type} ${data.details}`)); });
    hls.on(Hls.Events.MANIFEST_PARSED, (_, data) => {
      const v = document.getElementById('v');
      v.play().catch(reject);
      resolve({ levels: data.levels.length, audioTracks: data.audioTracks.length });
    });
    window.hls = hls;
    hls.loadSource(url);
    hls.attachMedia(document.getElementById('v'));
  }), PLAYLIST_URL);
  assert.ok(info.levels >= 3, JSON.stringify(info));
  assert.equal(info.audioTracks, 1);
  const state = await played(page, 1.5);
  assert.equal(state.error, null, JSON.stringify(state));
  assert.ok(state.currentTime >= 1.5 && state.frames > 0 && state.width > 0, JSON.stringify(state));
  const audio = await page.evaluate(() => ({ tracks: window.hls.audioTracks.length, selected: window.hls.audioTrack }));
  assert.deepEqual(audio, { tracks: 1, selected: 0 }, 'the audio rendition is playing');
  await page.close();
});

test('dash.js plays the DASH manifest, video and audio', async () => {
  const page = await playerPage();
  const info = await page.evaluate((url) => new Promise((resolve, reject) => {
    const player = dashjs.MediaPlayer().create();
    player.updateSettings({ debug: { logLevel: dashjs.Debug.LOG_LEVEL_WARNING } });
    player.on(dashjs.MediaPlayer.events.ERROR, (e) => reject(new Error(`dash.js: ${JSON.stringify(e.error)}`)));
    player.on(dashjs.MediaPlayer.events.STREAM_INITIALIZED, () => resolve({
      video: player.getRepresentationsByType('video').length,
      audio: player.getTracksFor('audio').length,
    }));
    window.player = player;
    player.initialize(document.getElementById('v'), url, true);
  }), DASH_URL);
  assert.ok(info.video >= 3, JSON.stringify(info));
  assert.equal(info.audio, 1);
  const state = await played(page, 1.5);
  assert.equal(state.error, null, JSON.stringify(state));
  assert.ok(state.currentTime >= 1.5 && state.frames > 0 && state.width > 0, JSON.stringify(state));
  const buffered = await page.evaluate(() => ({
    audio: window.player.getBufferLength('audio'), video: window.player.getBufferLength('video'),
  }));
  assert.ok(buffered.audio > 0 && buffered.video > 0, `both buffers filled: ${JSON.stringify(buffered)}`);
  await page.close();
});

test('no JavaScript errors', () => {
  assert.deepEqual(errors, []);
});
