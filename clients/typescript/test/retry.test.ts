// Retry helpers: which errors are transient, the backoff's bounds, and retrying().

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ConnectionError, RateLimitError, ServerError, TcoderError, UploadError, ValidationError } from '../src/index.js';
import { backoffMs, isTransient, retrying, retryPolicy } from '../src/retry.js';

test('backoffMs doubles per try, keeps within [step/2, step], caps, and honours Retry-After', () => {
  const policy = retryPolicy({ baseDelayMs: 100, maxDelayMs: 1000 });
  for (let attempt = 1; attempt <= 6; attempt++) {
    const step = Math.min(1000, 100 * 2 ** (attempt - 1));
    for (let i = 0; i < 20; i++) {
      const ms = backoffMs(attempt, policy);
      assert.ok(ms >= step / 2 && ms <= step, `${ms} for attempt ${attempt}`);
    }
  }
  assert.equal(backoffMs(1, policy, new RateLimitError('slow down', { status: 429, retryAfter: 3 })), 3000);
});

test('isTransient: no answer, 429 and 5xx are worth another try; the rest are not', () => {
  assert.ok(isTransient(new ConnectionError('reset')));
  assert.ok(isTransient(new ServerError('down', { status: 503 })));
  assert.ok(isTransient(new UploadError('storage 500', { status: 500 })));
  assert.ok(isTransient(new RateLimitError('slow', { status: 429 })));
  assert.ok(!isTransient(new UploadError('denied', { status: 403 })));
  assert.ok(!isTransient(new ValidationError('bad', { status: 400 })));
  assert.ok(!isTransient(new TcoderError('not json', { status: 200 })));
  assert.ok(!isTransient(new Error('bug')));
});

test('retrying stops at the first success, a permanent error, or after `attempts` tries', async () => {
  const policy = retryPolicy({ attempts: 3, baseDelayMs: 1, maxDelayMs: 1 });
  const signal = new AbortController().signal;
  let calls = 0;
  assert.equal(await retrying(async () => (++calls < 3 ? Promise.reject(new ConnectionError('x')) : 'ok'), policy, signal), 'ok');
  assert.equal(calls, 3);
  calls = 0;
  await assert.rejects(retrying(async () => { calls++; throw new ServerError('down', { status: 502 }); }, policy, signal), ServerError);
  assert.equal(calls, 3);
  calls = 0;
  await assert.rejects(retrying(async () => { calls++; throw new ValidationError('bad', { status: 400 }); }, policy, signal), ValidationError);
  assert.equal(calls, 1);
});
