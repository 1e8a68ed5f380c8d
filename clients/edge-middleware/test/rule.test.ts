// src/edge/jwt_test.cc, case for case: token sources and their order, which
// paths need a token, the HS256 pin and the claims.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { MAX_TOKEN_LENGTH, authorizePremium, authorizeRequest, findToken, needsToken } from '../src/index.js';
import { NOW, SECRET, base64Url, handSigned, hs256, vectorToken } from './support.js';

const allowed = async (token: string, secret = SECRET, now = NOW) => (await authorizePremium(token, secret, now)).allowed;

test('the first token found wins, even when it is bad', async () => {
  const good = vectorToken('premium-valid');
  const bad = vectorToken('expired');
  const path = '/premium/demo/master.m3u8';
  const rule = async (q: string, a: string, x: string) => (await authorizeRequest(path, q, a, x, SECRET, NOW)).allowed;
  assert.equal(await rule(`token=${bad}`, `Bearer ${good}`, good), false);
  assert.equal(await rule('', `Bearer ${bad}`, good), false);
  assert.equal(await rule(`token=${good}`, `Bearer ${bad}`, bad), true);
  assert.equal(await rule('', `Bearer ${good}`, bad), true);
  assert.equal(await rule('', '', ''), false);
  assert.equal((await authorizeRequest(path, '', '', '', SECRET, NOW)).reason, 'premium path needs a token');
});

test('public paths need no token and ignore a bad one', async () => {
  for (const path of ['/public/job1/master.m3u8', '/', '/public/premium/x.ts', '/premiumx/a', '/premium.m3u8']) {
    assert.deepEqual(await authorizeRequest(path, '', '', '', SECRET, NOW), { allowed: true, reason: 'public path' });
    assert.equal((await authorizeRequest(path, 'token=not.a.jwt', '', '', SECRET, NOW)).allowed, true, path);
  }
});

describe('findToken reads each source', () => {
  const cases: Array<[string, string, string, string | undefined, string]> = [
    ['token=a.b.c', '', '', 'a.b.c', 'the query'],
    ['x=1&token=a%2Eb.c&token=other', '', '', 'a.b.c', 'the first of repeats, decoded'],
    ['%74oken=q', '', '', 'q', 'the name is decoded too'],
    ['token=&mytoken=x', 'Bearer h', '', 'h', 'an empty query value counts as absent'],
    ['token=bad%zz', 'Bearer h', '', 'bad%zz', 'undecodable: still found, as it is'],
    ['', 'bearer   h.h.h  ', 'x', 'h.h.h', 'the scheme ignores case, spaces are trimmed'],
    ['', 'BEARER\th', 'x', 'h', 'a tab after the scheme'],
    ['', 'Basic dXNlcjpwYXNz', 'x', 'x', 'another scheme: on to X-TCoder-Token'],
    ['', 'Bearer', ' x ', 'x', 'a scheme without a token'],
    ['', 'Bearerx', '', undefined, 'no space after the scheme'],
    ['tokens=1', '', '  ', undefined, 'another parameter, a blank header'],
    ['token', '', '', undefined, 'a name without "="'],
  ];
  for (const [query, authorization, header, want, why] of cases) {
    test(why, () => assert.equal(findToken(query, authorization, header), want));
  }
});

describe('needsToken decides safely', () => {
  const premium = [
    '/premium/a.m3u8',
    '/premium',
    '/premium/',
    '//premium/a',
    '/PREMIUM/a',
    '/Premium/a',
    '%2Fpremium/a',
    '/%70remium/a',
    '/%2570remium/a',
    '/premium/../public/a',
    '/public/../premium/a',
    '/public/..%2Fpremium/a',
    '/public/%2E%2E/premium/a',
    '/./premium/a',
    '\\premium\\a',
    '/public\\..\\premium/a',
    '/../premium/a',
    '/../public/a',
    '/premium;x=1/a',
    '/premium#/../public/a',
    '/public/%00/a',
    '/bad%zz',
    'premium/a',
    '/public/x/..%252F..%252Fpremium/a',
    '/premium/a?x=1',
    'http://edge/premium/a',
    '*',
  ];
  const publicPaths = [
    '/',
    '',
    '/public/a.m3u8',
    '/public/premium/a',
    '/premiumx/a',
    '/xpremium/a',
    '/public/a%25b.ts',
    '/public/a/../b.ts',
    '/public/a?premium/x',
    '/premium.m3u8',
  ];
  for (const path of premium) test(`${JSON.stringify(path)} needs one`, () => assert.equal(needsToken(path), true));
  for (const path of publicPaths) test(`${JSON.stringify(path)} does not`, () => assert.equal(needsToken(path), false));
  test('a path still changing after 8 more decodings needs one', () => {
    assert.equal(needsToken(`/public/%${'25'.repeat(10)}78`), true);
    assert.equal(needsToken(`/public/%${'25'.repeat(3)}78`), false);
  });
});

describe('the algorithm is pinned to HS256', () => {
  for (const [alg, hash] of [
    ['HS512', 'sha512'],
    ['HS384', 'sha384'],
  ] as const) {
    test(`a correctly signed ${alg} token passes libjwt, and the pin refuses it`, async () => {
      const token = handSigned({ alg, typ: 'JWT' }, { is_premium: true }, SECRET, hash);
      assert.deepEqual(await authorizePremium(token, SECRET, NOW), { allowed: false, reason: 'algorithm must be HS256' });
    });
  }
  test('HS256 passes', async () => assert.equal(await allowed(handSigned({ alg: 'HS256' }, { is_premium: true })), true));
  // libjwt alone would take "hs256" (it compares algorithm names ignoring case).
  for (const alg of ['hs256', 'Hs256', 'HS256 ', 'RS256', 'ES256', 'none', 'None', 'NONE', '']) {
    test(`alg ${JSON.stringify(alg)} is refused`, async () => {
      assert.equal(await allowed(handSigned({ alg }, { is_premium: true })), false);
    });
  }
  test('"hs256" gets past libjwt and is refused by the pin', async () => {
    const verdict = await authorizePremium(handSigned({ alg: 'hs256' }, { is_premium: true }), SECRET, NOW);
    assert.equal(verdict.reason, 'algorithm must be HS256');
  });
  test('no alg, a numeric alg, typ JWE', async () => {
    assert.equal(await allowed(handSigned({ typ: 'JWT' }, { is_premium: true })), false);
    assert.equal(await allowed(handSigned({ alg: 256 }, { is_premium: true })), false);
    assert.equal(await allowed(handSigned({ alg: 'HS256', typ: 'JWE' }, { is_premium: true })), false);
  });
  test('"none" with an empty signature is refused: a key is always given', async () => {
    const unsigned = `${base64Url('{"alg":"none"}')}.${base64Url('{"is_premium":true}')}`;
    const verdict = await authorizePremium(`${unsigned}.`, SECRET, NOW);
    assert.deepEqual(verdict, { allowed: false, reason: 'invalid token (malformed or bad signature)' });
  });
});

describe('claims are checked strictly', () => {
  const cases: Array<[object, boolean, string]> = [
    [{ is_premium: true }, true, 'premium token'],
    [{ is_premium: 1 }, false, 'not a premium token (is_premium is not true)'],
    [{ is_premium: 'true' }, false, 'not a premium token (is_premium is not true)'],
    [{ is_premium: null }, false, 'not a premium token (is_premium is not true)'],
    [{ is_premium: [true] }, false, 'not a premium token (is_premium is not true)'],
    [{ is_premium: true, exp: NOW + 1 }, true, 'premium token'],
    [{ is_premium: true, exp: NOW }, false, 'token expired'],
    [{ is_premium: true, exp: NOW + 0.5 }, true, 'premium token'],
    [{ is_premium: true, exp: String(NOW + 1000) }, false, 'malformed exp claim'],
    [{ is_premium: true, exp: null }, false, 'malformed exp claim'],
    [{ is_premium: true, nbf: NOW }, true, 'premium token'],
    [{ is_premium: true, nbf: NOW + 1 }, false, 'token not valid yet (nbf)'],
    [{ is_premium: true, nbf: '0' }, false, 'malformed nbf claim'],
    [{ is_premium: false, exp: NOW }, false, 'token expired'],
    [{ exp: NOW + 10, nbf: NOW + 5, is_premium: true }, false, 'token not valid yet (nbf)'],
  ];
  for (const [claims, allow, reason] of cases) {
    test(`${JSON.stringify(claims)}: ${reason}`, async () => {
      assert.deepEqual(await authorizePremium(hs256(claims), SECRET, NOW), { allowed: allow, reason });
    });
  }
});

describe('malformed tokens are denied', () => {
  const good = hs256({ is_premium: true });
  const dot = good.lastIndexOf('.');
  const cases: Array<[string, string, string]> = [
    ['', 'no token', 'empty'],
    [`${good}\0junk`, 'malformed token', 'a NUL and more after it'],
    [`${good}.x`, 'malformed token', 'a fourth part'],
    [`${good}=`, 'malformed token', 'padding'],
    [` ${good}`, 'malformed token', 'a leading space'],
    [good.slice(0, dot), 'malformed token', 'two parts'],
    [good.slice(0, dot + 1), 'invalid token (malformed or bad signature)', 'an empty signature'],
    [`.${good.slice(good.indexOf('.'))}`, 'malformed token', 'an empty header'],
    ['a..b', 'malformed token', 'an empty payload'],
    [good + 'A'.repeat(MAX_TOKEN_LENGTH), 'token too long', 'over 8 KiB'],
    [handSigned({ alg: 'HS256' }, [true]), 'malformed claims', 'claims that are an array'],
    [`${base64Url('not json')}.${base64Url('{}')}.c2ln`, 'invalid token (malformed or bad signature)', 'a header that is not JSON'],
  ];
  test('the good one passes', async () => assert.equal(await allowed(good), true));
  for (const [token, reason, why] of cases) {
    test(why, async () => assert.deepEqual(await authorizePremium(token, SECRET, NOW), { allowed: false, reason }));
  }
  test('an empty secret denies everything; another secret denies', async () => {
    assert.deepEqual(await authorizePremium(good, '', NOW), { allowed: false, reason: 'no JWT secret configured' });
    assert.deepEqual(await authorizePremium(good, new Uint8Array(), NOW), { allowed: false, reason: 'no JWT secret configured' });
    assert.equal(await allowed(good, 'another-secret'), false);
  });
  test('a secret given as bytes is the same secret', async () => {
    assert.equal((await authorizePremium(good, new TextEncoder().encode(SECRET), NOW)).allowed, true);
  });
});

// What `tcoder token --premium --ttl 1h` mints (jwt_test.cc's MintedTokensCarryTheirClaims).
test('a token shaped like tcoder token mints holds until exp', async () => {
  const minted = handSigned({ alg: 'HS256', typ: 'JWT' }, { exp: NOW + 3600, iat: NOW, is_premium: true });
  assert.equal(await allowed(minted), true);
  assert.equal(await allowed(minted, SECRET, NOW + 3599), true);
  assert.equal(await allowed(minted, SECRET, NOW + 3600), false);
  assert.equal(await allowed(minted, 'other'), false);
  const plain = handSigned({ alg: 'HS256', typ: 'JWT' }, { exp: NOW + 3600, iat: NOW, is_premium: false });
  assert.equal(await allowed(plain), false);
});
