// Every case of shared/vectors/jwt.json gives its verdict through every token
// source: the rule's functions as src/edge/jwt_test.cc calls them, and whole
// requests through the handler as tests/edge_http_test.cc sends them.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { authorizePremium, authorizeRequest, createHandler } from '../src/index.js';
import { HmacSecret, libjwtDecode } from '../src/libjwt.js';
import { FakeOrigin, NOW, PLAYLIST, loadVectors, percentEncodeAll, urlEncode } from './support.js';

const vectors = loadVectors();

test('the vectors file holds its 12 cases', () => {
  assert.equal(vectors.cases.length, 12);
  assert.ok(vectors.cases.some((c) => c.allow) && vectors.cases.some((c) => !c.allow));
});

for (const c of vectors.cases) {
  describe(`vector ${c.name} (${c.allow ? 'allow' : 'deny'})`, () => {
    const s = vectors.secret;
    test('authorizePremium', async () => {
      assert.equal((await authorizePremium(c.token, s, NOW)).allowed, c.allow);
    });
    test('?token=', async () => {
      assert.equal((await authorizeRequest(c.path, `token=${c.token}`, '', '', s, NOW)).allowed, c.allow);
    });
    test('?a=1&token= with every byte percent-encoded', async () => {
      const query = `a=1&token=${percentEncodeAll(c.token)}`;
      assert.equal((await authorizeRequest(c.path, query, '', '', s, NOW)).allowed, c.allow);
    });
    test('Authorization: Bearer', async () => {
      assert.equal((await authorizeRequest(c.path, '', `Bearer ${c.token}`, '', s, NOW)).allowed, c.allow);
    });
    test('X-TCoder-Token', async () => {
      assert.equal((await authorizeRequest(c.path, '', '', c.token, s, NOW)).allowed, c.allow);
    });

    const requests: Array<[string, () => Request]> = [
      ['query', () => new Request(`https://cdn.example${c.path}?token=${urlEncode(c.token)}`)],
      ['bearer', () => new Request(`https://cdn.example${c.path}`, { headers: { Authorization: `Bearer ${c.token}` } })],
      ['header', () => new Request(`https://cdn.example${c.path}`, { headers: { 'X-TCoder-Token': c.token } })],
    ];
    for (const [source, make] of requests) {
      test(`a request through the handler, token via ${source}`, async () => {
        const origin = new FakeOrigin();
        const handler = createHandler({ secret: s, origin: 'https://origin.example', fetch: origin.fetch, now: () => NOW });
        const response = await handler.fetch(make());
        const body = await response.text();
        assert.equal(response.status, c.allow ? 200 : 403);
        assert.equal(origin.seen.length, c.allow ? 1 : 0);
        if (c.allow) assert.equal(body, PLAYLIST);
        else assert.ok(!body.includes('EXTM3U') && body.includes('"forbidden"'));
      });
    }
  });
}

// As src/edge/jwt_test.cc's LibjwtAloneChecksSignaturesButNotClaims: what the
// libjwt part refuses on its own; the claims are the edge's own checks.
test('libjwt alone refuses the bad signatures, none and the relabelled header, not the bad claims', async () => {
  const refuses = new Set(['wrong-key', 'alg-none', 'alg-relabelled', 'garbage', 'truncated']);
  const secret = new HmacSecret(vectors.secret);
  for (const c of vectors.cases) {
    const decoded = await libjwtDecode(c.token, secret);
    assert.equal(decoded === undefined, refuses.has(c.name), c.name);
  }
});

test('reasons never contain the token or its signature', async () => {
  for (const c of vectors.cases) {
    const verdict = await authorizePremium(c.token, vectors.secret, NOW);
    assert.notEqual(verdict.reason, '', c.name);
    assert.ok(!verdict.reason.includes(c.token), c.name);
    const signature = c.token.slice(c.token.lastIndexOf('.') + 1);
    if (signature !== '') assert.ok(!verdict.reason.includes(signature), c.name);
  }
});
