// runPool: the concurrency bound, the order, and how a failure or an abort stops it.

import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { test } from 'node:test';

import { runPool } from '../src/pool.js';

test('runPool runs every item in order with at most `concurrency` at once', async () => {
  let running = 0;
  let most = 0;
  const started: number[] = [];
  await runPool([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
    started.push(n);
    most = Math.max(most, ++running);
    await delay(5);
    running--;
  });
  assert.deepEqual(started, [1, 2, 3, 4, 5, 6, 7]);
  assert.equal(most, 3);
});

test('runPool: the first failure aborts the running tasks, starts no more, and is rethrown', async () => {
  const started: number[] = [];
  const aborted: number[] = [];
  const boom = new Error('boom');
  const run = runPool([1, 2, 3, 4, 5], 2, async (n, signal) => {
    started.push(n);
    if (n === 2) throw boom;
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    aborted.push(n);
  });
  await assert.rejects(run, (e: unknown) => e === boom);
  assert.deepEqual(started, [1, 2]);
  assert.deepEqual(aborted, [1]);
});

test("runPool: the caller's abort rejects with its reason", async () => {
  const controller = new AbortController();
  const reason = new Error('stop');
  const run = runPool([1, 2, 3], 1, (_n, signal) => new Promise((_resolve, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  }), controller.signal);
  controller.abort(reason);
  await assert.rejects(run, (e: unknown) => e === reason);
});
