// Whole requests through verifyRequest() and createHandler(), ported from
// tests/edge_http_test.cc and tests/edge_hls_test.cc: refusals, token sources
// and their order, public paths passed on untouched, encoded and traversing
// paths, preflights, HEAD, and what reaches the origin.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { createHandler, premiumSecret, refusalResponse, verifyRequest } from '../src/index.js';
import type { HandlerOptions } from '../src/index.js';
import { FakeOrigin, NOW, PLAYLIST, SECRET, handSigned, vectorToken } from './support.js';

const CDN = 'https://cdn.example';
const PREMIUM = '/premium/demo/master.m3u8';
const good = vectorToken('premium-valid');

function setup(options: Partial<HandlerOptions> = {}) {
  const origin = new FakeOrigin();
  const handler = createHandler({ secret: SECRET, origin: 'https://origin.example', fetch: origin.fetch, now: () => NOW, ...options });
  const get = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
    handler.fetch(new Request(`${CDN}${path}`, { method, headers }));
  return { origin, handler, get };
}

describe('refusals are the edge\'s', () => {
  test('a premium path without a token is 403 with the edge\'s JSON body and headers', async () => {
    const { origin, get } = setup();
    const r = await get(PREMIUM);
    assert.equal(r.status, 403);
    assert.equal(await r.text(), '{"error":"forbidden","message":"premium path needs a token"}\n');
    assert.equal(r.headers.get('Content-Type'), 'application/json');
    assert.equal(r.headers.get('Cache-Control'), 'no-store');
    assert.equal(r.headers.get('Access-Control-Allow-Origin'), '*');
    assert.equal(
      r.headers.get('Access-Control-Expose-Headers'),
      'Content-Length, Content-Range, Accept-Ranges, ETag, Last-Modified',
    );
    assert.equal(r.headers.get('WWW-Authenticate'), null);
    assert.equal(origin.seen.length, 0);
  });

  test('the message says why, and never holds the token', async () => {
    const { get } = setup();
    const expired = vectorToken('expired');
    const r = await get(`${PREMIUM}?token=${expired}`);
    const body = (await r.json()) as { error: string; message: string };
    assert.deepEqual(body, { error: 'forbidden', message: 'token expired' });
    const tampered = await (await get(`${PREMIUM}?token=${good}x`)).text();
    assert.ok(!tampered.includes(good.slice(0, 20)) && !tampered.includes(good.slice(-20)));
  });

  test('HEAD gets the 403 and its headers without a body', async () => {
    const { origin, get } = setup();
    const r = await get(PREMIUM, {}, 'HEAD');
    assert.equal(r.status, 403);
    assert.equal(r.headers.get('Content-Type'), 'application/json');
    assert.equal(await r.text(), '');
    assert.equal((await get(PREMIUM, { 'X-TCoder-Token': good }, 'HEAD')).status, 200);
    assert.equal(origin.seen.length, 1);
  });

  test('refusalResponse builds the same answer', async () => {
    const r = refusalResponse('token expired');
    assert.equal(r.status, 403);
    assert.equal(await r.text(), '{"error":"forbidden","message":"token expired"}\n');
  });

  test('an empty secret refuses every premium request, and no other', async () => {
    const { get } = setup({ secret: '' });
    const r = await get(PREMIUM, { 'X-TCoder-Token': good });
    assert.equal(r.status, 403);
    assert.equal(((await r.json()) as { message: string }).message, 'no JWT secret configured');
    assert.equal((await get('/public/j1/master.m3u8')).status, 200);
  });
});

describe('token sources and their order (edge_http_test FirstTokenSourceWins)', () => {
  const cases: Array<[string, string, Record<string, string>, number]> = [
    ['a good query token wins over bad headers', `?token=${good}`, { Authorization: 'Bearer garbage', 'X-TCoder-Token': 'x' }, 200],
    ['a bad query token loses over good headers', '?token=garbage', { Authorization: `Bearer ${good}`, 'X-TCoder-Token': good }, 403],
    ['then Authorization: Bearer', '', { Authorization: `Bearer ${good}`, 'X-TCoder-Token': 'garbage' }, 200],
    ['Bearer before X-TCoder-Token even when bad', '', { Authorization: 'Bearer garbage', 'X-TCoder-Token': good }, 403],
    ['an empty query token counts as absent', '?token=', { 'X-TCoder-Token': good }, 200],
    ['another Authorization scheme is no token', '', { Authorization: 'Basic dXNlcjpwYXNz', 'X-TCoder-Token': good }, 200],
    ['the token parameter name is URL-decoded', `?%74oken=${good}`, {}, 200],
    ['the first of repeated token parameters', `?token=${good}&token=garbage`, {}, 200],
    ['a percent-encoded query token', `?token=${encodeURIComponent(good).replaceAll('.', '%2E')}`, {}, 200],
    ['no cookie is read', '', { Cookie: `token=${good}` }, 403],
  ];
  for (const [why, query, headers, status] of cases) {
    test(why, async () => assert.equal((await setup().get(`${PREMIUM}${query}`, headers)).status, status));
  }
});

describe('paths (edge_http_test EncodedPremiumPathsStillNeedAToken; key_path_test)', () => {
  for (const path of [
    '/%70remium/demo/master.m3u8',
    '/PREMIUM/demo/master.m3u8',
    '/public/..%2Fpremium/demo/master.m3u8',
    '/public/%2e%2e/premium/demo/master.m3u8',
    '/public/x/..%252F..%252Fpremium/a',
    '//premium/a',
    '/premium;x=1/a',
    '/premium',
    '/public/../premium/demo/master.m3u8',
    '\\premium\\a',
    '/public/%00/a',
  ]) {
    test(`${path} needs a token`, async () => {
      const { origin, get } = setup();
      assert.equal((await get(path)).status, 403);
      assert.equal((await get(path, { 'X-TCoder-Token': good })).status, 200);
      assert.equal(origin.seen.length, 1);
    });
  }

  test('dot segments are resolved by the URL parser before the rule sees them: the path judged is the path sent', async () => {
    const { origin, get } = setup();
    const r = await get('/premium/../public/j1/seg_000.ts');
    assert.equal(r.status, 200);
    assert.equal(new URL(origin.last!.url).pathname, '/public/j1/seg_000.ts');
  });

  // The edge answers these 400 before it looks for a token (KeyFromPath); the
  // middleware leaves that to the origin, after the rule.
  test('a path that is not a key but needs no token goes on to the origin as it is', async () => {
    const { origin, get } = setup();
    assert.equal((await get('/public/a%FF')).status, 200);
    assert.equal(new URL(origin.last!.url).pathname, '/public/a%FF');
  });
  test('a path that cannot be decoded needs a token first, wherever it is', async () => {
    const { origin, get } = setup();
    assert.equal((await get('/public/a%zz')).status, 403);
    assert.equal((await get('/premium/a%zz')).status, 403);
    assert.equal((await get('/premium/a%zz', { 'X-TCoder-Token': good })).status, 200);
    assert.equal(origin.seen.length, 1);
  });
});

describe('public paths pass untouched (edge_http_test PublicPathsWorkWithOrWithoutAToken)', () => {
  const cases: Array<[string, Record<string, string>]> = [
    ['/public/j1/master.m3u8', {}],
    [`/public/j1/master.m3u8?token=${good}`, {}],
    ['/public/j1/master.m3u8?token=garbage', {}],
    ['/public/j1/master.m3u8', { Authorization: 'Bearer garbage' }],
    ['/public/premium/x.ts', {}],
    ['/premiumx/a', {}],
    ['/premium.m3u8', {}],
    ['/metrics', {}],
  ];
  for (const [path, headers] of cases) {
    test(`${path} ${JSON.stringify(headers)}`, async () => {
      const { origin, get } = setup();
      const r = await get(path, { ...headers, Range: 'bytes=0-0' });
      assert.equal(r.status, 200);
      const sent = origin.last!;
      assert.equal(sent.url, `https://origin.example${path}`);
      assert.equal(sent.method, 'GET');
      assert.equal(sent.headers.get('Range'), 'bytes=0-0');
      for (const [name, value] of Object.entries(headers)) assert.equal(sent.headers.get(name), value);
    });
  }
});

describe('methods', () => {
  test('an OPTIONS preflight on a premium path needs no token and goes to the origin', async () => {
    const { origin, get } = setup();
    const headers = { Origin: 'https://player.example', 'Access-Control-Request-Method': 'GET' };
    assert.equal((await get(PREMIUM, headers, 'OPTIONS')).status, 200);
    assert.equal(origin.last!.method, 'OPTIONS');
  });

  test('other methods on a premium path need the token too', async () => {
    const { origin, get } = setup();
    assert.equal((await get(PREMIUM, {}, 'DELETE')).status, 403);
    assert.equal((await get(PREMIUM, { 'X-TCoder-Token': good }, 'DELETE')).status, 200);
    assert.equal((await get('/public/j1/master.m3u8', {}, 'DELETE')).status, 200);
    assert.deepEqual(origin.seen.map((r) => r.method), ['DELETE', 'DELETE']);
  });

  test('a body goes on with the request', async () => {
    const { origin, handler } = setup();
    const request = new Request(`${CDN}/public/upload`, { method: 'POST', body: 'abc' });
    assert.equal((await handler.fetch(request)).status, 200);
    assert.equal(await origin.last!.text(), 'abc');
  });
});

describe('forwarding', () => {
  test('the origin gets scheme, host and path prefix from the option, path, query and headers from the request', async () => {
    const { origin, get } = setup({ origin: 'https://origin.example:8443/out/' });
    await get(`${PREMIUM}?token=${good}&x=1`, { 'If-None-Match': '"e"' });
    assert.equal(origin.last!.url, `https://origin.example:8443/out${PREMIUM}?token=${good}&x=1`);
    assert.equal(origin.last!.headers.get('If-None-Match'), '"e"');
  });

  test('a path starting with // stays a path at the origin', async () => {
    const { origin, get } = setup();
    await get('//public/x', {});
    assert.equal(new URL(origin.last!.url).host, 'origin.example');
    assert.equal(new URL(origin.last!.url).pathname, '//public/x');
  });

  test('the origin\'s answer comes back as it is', async () => {
    const handler = createHandler({
      secret: SECRET,
      origin: 'https://origin.example',
      now: () => NOW,
      fetch: async () => new Response('ab', { status: 206, headers: { 'Content-Range': 'bytes 0-1/10', 'X-Via': 'tcoder-edge' } }),
    });
    const r = await handler.fetch(new Request(`${CDN}${PREMIUM}`, { headers: { Authorization: `Bearer ${good}` } }));
    assert.equal(r.status, 206);
    assert.equal(r.headers.get('Content-Range'), 'bytes 0-1/10');
    assert.equal(r.headers.get('X-Via'), 'tcoder-edge');
    assert.equal(await r.text(), 'ab');
  });

  test('without an origin the request itself goes on', async () => {
    const origin = new FakeOrigin();
    const handler = createHandler({ secret: SECRET, fetch: origin.fetch, now: () => NOW });
    const request = new Request(`${CDN}${PREMIUM}`, { headers: { 'X-TCoder-Token': good } });
    await handler.fetch(request);
    assert.equal(origin.last, request);
  });

  test('an origin that is not an http(s) base URL is refused at once', () => {
    for (const bad of ['ftp://origin.example', 'https://origin.example/?a=1', 'https://origin.example/#x', 'origin.example']) {
      assert.throws(() => createHandler({ secret: SECRET, origin: bad }), TypeError, bad);
    }
  });
});

describe('verifyRequest', () => {
  test('says allow or refuse, with the edge\'s reason and its refusal', async () => {
    const options = { secret: SECRET, now: () => NOW };
    assert.deepEqual(await verifyRequest(new Request(`${CDN}/public/a.ts`), options), { allowed: true, reason: 'public path' });
    const withToken = new Request(`${CDN}${PREMIUM}`, { headers: { 'X-TCoder-Token': good } });
    assert.deepEqual(await verifyRequest(withToken, options), { allowed: true, reason: 'premium token' });
    const refused = await verifyRequest(new Request(`${CDN}${PREMIUM}?token=not.a.jwt`), options);
    assert.equal(refused.allowed, false);
    if (!refused.allowed) {
      assert.equal(refused.reason, 'invalid token (malformed or bad signature)');
      assert.equal(refused.response.status, 403);
    }
  });

  test('the clock is the real one by default', async () => {
    const ok = await verifyRequest(new Request(`${CDN}${PREMIUM}?token=${good}`), { secret: SECRET });
    assert.equal(ok.allowed, true); // exp in 2100
    const old = await verifyRequest(new Request(`${CDN}${PREMIUM}?token=${vectorToken('expired')}`), { secret: SECRET });
    assert.deepEqual([old.allowed, old.reason], [false, 'token expired']);
  });

  test('a prepared secret and a changed secret', async () => {
    const request = () => new Request(`${CDN}${PREMIUM}?token=${good}`);
    assert.equal((await verifyRequest(request(), { secret: premiumSecret(SECRET), now: () => NOW })).allowed, true);
    const options = { secret: SECRET, now: () => NOW };
    assert.equal((await verifyRequest(request(), options)).allowed, true);
    options.secret = 'rotated';
    assert.equal((await verifyRequest(request(), options)).allowed, false);
  });

  test('a header sent twice reaches the rule joined by fetch, and is refused as malformed', async () => {
    const headers = new Headers();
    headers.append('Authorization', `Bearer ${good}`);
    headers.append('Authorization', `Bearer ${good}`);
    const verdict = await verifyRequest(new Request(`${CDN}${PREMIUM}`, { headers }), { secret: SECRET, now: () => NOW });
    assert.deepEqual([verdict.allowed, verdict.reason], [false, 'malformed token']);
  });
});

// tests/edge_hls_test.cc's PremiumLadderPlaysOnlyWithAToken, as the requests a player makes.
describe('a premium HLS ladder plays only with a token', () => {
  const ladder = ['master.m3u8', 'v0/index.m3u8', 'v0/seg_000.ts', 'v1/index.m3u8', 'v1/seg_003.ts'];
  const minted = handSigned({ alg: 'HS256', typ: 'JWT' }, { exp: NOW + 3600, iat: NOW, is_premium: true });
  test('without one every request is refused', async () => {
    const { get } = setup();
    for (const file of ladder) assert.equal((await get(`/premium/job42/${file}`)).status, 403, file);
  });
  test('with X-TCoder-Token on every request, every one goes through', async () => {
    const { origin, get } = setup();
    for (const file of ladder) assert.equal((await get(`/premium/job42/${file}`, { 'X-TCoder-Token': minted })).status, 200);
    assert.equal(origin.seen.length, ladder.length);
  });
  test('a ?token= on the master playlist does not carry over to its relative URLs', async () => {
    const { get } = setup();
    const master = `${CDN}/premium/job42/master.m3u8?token=${minted}`;
    assert.equal((await get(new URL(master).pathname + new URL(master).search)).status, 200);
    const variant = new URL('v0/index.m3u8', master);
    assert.equal((await get(variant.pathname + variant.search)).status, 403);
  });
  test('the public copy plays without one', async () => {
    const { get } = setup();
    for (const file of ladder) assert.equal(await (await get(`/public/job42/${file}`)).text(), PLAYLIST);
  });
});
