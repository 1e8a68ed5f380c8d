// The corners where the edge's answer is libjwt 1.10's and jansson 2.14's
// rather than the JWT specs': what they let through and what they refuse. Each
// expectation here is what the C++ edge answers (checked against the system's
// libjwt 1.10.2 and jansson 2.14 when this file was written).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { authorizePremium } from '../src/index.js';
import { NOW, SECRET, base64Url, handSigned, hs256, signParts } from './support.js';

const INVALID = 'invalid token (malformed or bad signature)';
const verdict = (token: string) => authorizePremium(token, SECRET, NOW);
const ok = { allowed: true, reason: 'premium token' };
const bad = { allowed: false, reason: INVALID };
const premium = '{"is_premium":true}';

describe('headers', () => {
  const cases: Array<[string, object, string]> = [
    ['{"alg":"HS256","typ":"jwt"}', ok, 'typ is compared ignoring case'],
    ['{"alg":"HS256","typ":5}', ok, 'a typ that is not a string is not looked at'],
    ['{"alg":"HS256","typ":null}', ok, 'nor is a null one'],
    ['{"alg":"HS256","typ":"JWS"}', bad, 'any other typ string is refused'],
    ['{"alg":"HS\\u0032\\u0035\\u0036"}', ok, 'alg is read after unescaping'],
    ['{"alg":"none","alg":"HS256"}', ok, 'a repeated key keeps its last value'],
    ['{"alg":"HS256","alg":"none"}', bad, 'a repeated key keeps its last value (none)'],
    ['["HS256"]', bad, 'a header that is an array has no alg'],
    ['"HS256"', bad, 'a header that is a bare string is not JSON to jansson'],
    [' {"alg":"HS256"}\n', ok, 'whitespace around the JSON'],
    ['\uFEFF{"alg":"HS256"}', bad, 'a byte order mark'],
    ['{"alg":"HS256"} x', bad, 'text after the JSON'],
    ['{"alg":"HS256"}\u0000junk', ok, 'the JSON ends at a NUL byte (libjwt hands jansson a C string)'],
    ['{"alg":"RS256"}', bad, 'RS256 with an HMAC secret'],
    ['{"alg":"ES256"}', bad, 'ES256 with an HMAC secret'],
    ['{"alg":"HS384"}', bad, 'HS384 over an HS256 MAC'],
  ];
  for (const [header, want, why] of cases) {
    test(why, async () => assert.deepEqual(await verdict(handSigned(header, premium)), want));
  }
});

describe('claims JSON as jansson reads it', () => {
  const cases: Array<[string, object, string]> = [
    ['{"is_premium":false,"is_premium":true}', ok, 'the last of repeated keys counts'],
    ['{"is_\\u0070remium":true}', ok, 'names are unescaped'],
    [`${premium}\u0000{`, ok, 'the JSON ends at a NUL byte'],
    ['"x"', bad, 'a bare string is not a JSON text to jansson'],
    ['[{"is_premium":true}]', { allowed: false, reason: 'malformed claims' }, 'an array parses, then is not claims'],
    [`${premium}garbage`, bad, 'text after the JSON'],
    ['{"is_premium":true,"x":"\\u0000"}', bad, 'an escaped NUL in a string'],
    ['{"is_premium":true,"\\u0000":1}', bad, 'an escaped NUL in a name'],
    ['{"is_premium":true,"x":"\\ud800x"}', bad, 'an unpaired high surrogate'],
    ['{"is_premium":true,"x":"\\udc00"}', bad, 'an unpaired low surrogate'],
    ['{"is_premium":true,"x":"\\ud800\\ud800"}', bad, 'two high surrogates'],
    ['{"is_premium":true,"x":"\\uD83D\\uDE00"}', ok, 'a surrogate pair'],
    ['{"is_premium":true,"s":"\\U0041"}', bad, 'an unknown escape'],
    ['{"is_premium":true,"s":"\t"}', bad, 'a raw control character'],
    ['{"is_premium":true,"exp":9223372036854775807}', ok, 'the largest int64'],
    ['{"is_premium":true,"exp":9223372036854775808}', bad, 'an integer past int64'],
    ['{"is_premium":true,"exp":-9223372036854775809}', bad, 'an integer below int64'],
    ['{"is_premium":true,"exp":1e300}', ok, 'a large real'],
    ['{"is_premium":true,"exp":1e400}', bad, 'a real that overflows'],
    ['{"is_premium":true,"exp":1.7976931348623159e308}', bad, 'a real that rounds past the largest double'],
    ['{"is_premium":true,"nbf":1e-400}', ok, 'a real that underflows to 0'],
    ['{"is_premium":true,"exp":1763700000.0000001}', { allowed: false, reason: 'token expired' }, 'a real that rounds to now'],
    ['{"is_premium":true,"exp":17637000005e-1}', ok, 'now + 0.5 written with an exponent'],
    ['{"is_premium":true,"exp":01}', bad, 'a leading zero'],
    ['{"is_premium":true,"exp":+5}', bad, 'a plus sign'],
    ['{"is_premium":true,"exp":.5}', bad, 'no integer part'],
    ['{"is_premium":true,"exp":1.}', bad, 'no fraction digits'],
    ['{"is_premium":true,"exp":NaN}', bad, 'NaN'],
    ['{"is_premium":tRue}', bad, 'a literal in the wrong case'],
    ['{"is_premium":truee}', bad, 'a literal run on'],
    ['{"is_premium":true,}', bad, 'a trailing comma'],
    ['{"__proto__":1,"is_premium":true}', ok, 'a "__proto__" name is just a name'],
  ];
  for (const [claims, want, why] of cases) {
    test(why, async () => assert.deepEqual(await verdict(hs256(claims)), want));
  }
  test('invalid UTF-8 is refused; valid UTF-8 is read', async () => {
    const bytes = (s: string, extra: number[]) => new Uint8Array([...Buffer.from(s), ...extra, ...Buffer.from('"}')]);
    assert.deepEqual(await verdict(hs256(bytes('{"is_premium":true,"k":"', [0xff]))), bad);
    assert.deepEqual(await verdict(hs256(bytes('{"is_premium":true,"k":"', [0xc0, 0xaf]))), bad); // overlong '/'
    assert.deepEqual(await verdict(hs256(bytes('{"is_premium":true,"k":"', [0xed, 0xa0, 0x80]))), bad); // a surrogate
    assert.deepEqual(await verdict(hs256(bytes('{"is_premium":true,"k":"', [0xf0, 0x9f, 0x98, 0x80]))), ok);
  });
  test('nesting stops at depth 2048', async () => {
    const nested = (n: number, inner: string) => `{"is_premium":true,"x":${'['.repeat(n)}${inner}${']'.repeat(n)}}`;
    assert.deepEqual(await verdict(hs256(nested(2047, ''))), ok);
    assert.deepEqual(await verdict(hs256(nested(2046, '1'))), ok);
    assert.deepEqual(await verdict(hs256(nested(2047, '1'))), bad);
    assert.deepEqual(await verdict(hs256(nested(2048, ''))), bad);
  });
});

describe('base64url as libjwt decodes it, signatures as it compares them', () => {
  const head = base64Url('{"alg":"HS256","typ":"JWT"}');
  const body = base64Url(premium);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const lowBitFlipped = (s: string) => s.slice(0, -1) + alphabet[alphabet.indexOf(s.at(-1)!) ^ 1];
  test('a lone trailing character of a part is ignored', async () => {
    assert.deepEqual(await verdict(signParts(`${head}A`, body)), ok);
    assert.deepEqual(await verdict(signParts(head, `${body}A`)), ok);
  });
  test('unused low bits of a part are not checked', async () => {
    assert.equal(body.length % 4, 2); // the last character carries 4 unused bits
    assert.deepEqual(await verdict(signParts(head, lowBitFlipped(body))), ok);
  });
  test('the signature must be the MAC as libjwt writes it, character for character', async () => {
    const good = signParts(head, body);
    assert.deepEqual(await verdict(good), ok);
    assert.deepEqual(await verdict(lowBitFlipped(good)), bad); // the same 32 bytes, written otherwise
    assert.deepEqual(await verdict(good.slice(0, -1)), bad);
    assert.deepEqual(await verdict(`${good}A`), bad);
  });
  test('a secret is its UTF-8 bytes', async () => {
    const token = signParts(head, body, 'sécret');
    assert.deepEqual(await authorizePremium(token, 'sécret', NOW), ok);
    assert.deepEqual(await authorizePremium(token, new TextEncoder().encode('sécret'), NOW), ok);
  });
});
