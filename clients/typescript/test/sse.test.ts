import assert from 'node:assert/strict';
import { test } from 'node:test';

import { SseParser, readSseEvents } from '../src/index.js';
import type { SseEvent } from '../src/index.js';

function parseAll(chunks: Array<string | Uint8Array>): { events: SseEvent[]; parser: SseParser } {
  const parser = new SseParser();
  const events = chunks.flatMap((chunk) => parser.push(chunk));
  events.push(...parser.end());
  return { events, parser };
}

const STREAM =
  '\uFEFF: keep-alive comment\n' +
  'retry: 1500\n' +
  'event: status\nid: 1\ndata: {"status":"running","progress":0}\n\n' +
  'event: progress\r\nid: 2\r\ndata: {"progress":42,\r\ndata:  "note":"é✓"}\r\n\r\n' +
  'data:no-space\rid\r\r' +
  'event: completed\nid: 3\ndata: {"status":"completed","progress":100}\n\n' +
  'data: never dispatched (no blank line)';

const EXPECTED: SseEvent[] = [
  { event: 'status', id: '1', data: '{"status":"running","progress":0}' },
  { event: 'progress', id: '2', data: '{"progress":42,\n "note":"é✓"}' },
  { event: 'message', id: '', data: 'no-space' },
  { event: 'completed', id: '3', data: '{"status":"completed","progress":100}' },
];

test('parses events, comments, ids, retry and all three line endings', () => {
  const { events, parser } = parseAll([STREAM]);
  assert.deepEqual(events, EXPECTED);
  assert.equal(parser.retryMs, 1500);
});

test('gives the same events whatever byte the chunks are split at', () => {
  const bytes = new TextEncoder().encode(STREAM);
  for (let cut = 1; cut < bytes.length; cut++) {
    const { events } = parseAll([bytes.subarray(0, cut), bytes.subarray(cut)]);
    assert.deepEqual(events, EXPECTED, `split at byte ${cut}`);
  }
});

test('gives the same events when fed one byte at a time', () => {
  const bytes = new TextEncoder().encode(STREAM);
  const chunks = Array.from(bytes, (_b, i) => bytes.subarray(i, i + 1));
  assert.deepEqual(parseAll(chunks).events, EXPECTED);
});

test('a CR at the end of a chunk followed by LF is one line break, not two', () => {
  const { events } = parseAll(['data: a\r', '\ndata: b\r', '\n\r', '\n']);
  assert.deepEqual(events, [{ event: 'message', id: undefined, data: 'a\nb' }]);
});

test('an event with no data is not dispatched and an id with NUL is ignored', () => {
  const { events } = parseAll(['id: 5\nevent: x\n\nid: bad\0id\ndata: y\n\n']);
  assert.deepEqual(events, [{ event: 'message', id: '5', data: 'y' }]);
});

test('readSseEvents reads a fetch body stream', async () => {
  const bytes = new TextEncoder().encode(STREAM);
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < bytes.length; i += 7) controller.enqueue(bytes.subarray(i, i + 7));
      controller.close();
    },
  });
  const events: SseEvent[] = [];
  for await (const event of readSseEvents(body)) events.push(event);
  assert.deepEqual(events, EXPECTED);
});
