// Sends bytes to a presigned PUT URL with progress: the whole source for a
// single-PUT upload, or one range of it for a part. With fetch the bytes are
// counted as fetch pulls them from the source (reads of at most 1 MiB, no
// read-ahead); in browsers a Blob goes through XMLHttpRequest, whose upload
// events are the only way to see progress. Each call is one request; stateless.

import { ConnectionError, UploadError } from './errors.js';
import { openByteSource } from './source.js';
import type { ByteSource, SendableSource, SourceInfo } from './source.js';
import type { UploadProgress } from './types.js';

export { describeSource, guessContentType, toSendable } from './source.js';
export type { SendableSource, SourceInfo, UploadSource } from './source.js';

export interface PutOptions {
  url: string;
  source: SendableSource;
  info: SourceInfo;
  fetch: typeof fetch;
  onProgress?: ((progress: UploadProgress) => void) | undefined;
  signal?: AbortSignal | undefined;
}

/** One PUT of bytes [start, end) of `source`. */
export interface RangePut {
  url: string;
  source: ByteSource;
  start: number;
  end: number;
  /** Sent as Content-Type when given; parts are sent without one (it is not signed). */
  contentType?: string | undefined;
  fetch: typeof fetch;
  /** Bytes of this request sent so far. */
  onLoaded?: ((loaded: number) => void) | undefined;
  signal?: AbortSignal | undefined;
}

/** PUTs the whole source to the URL; resolves when storage answered 2xx. */
export async function putToPresignedUrl(options: PutOptions): Promise<void> {
  const { info, onProgress } = options;
  const source = await openByteSource(options.source);
  try {
    await putRange({
      url: options.url,
      source,
      start: 0,
      end: info.size,
      contentType: info.contentType,
      fetch: options.fetch,
      onLoaded: (loaded) => onProgress?.({ loaded, total: info.size }),
      signal: options.signal,
    });
  } finally {
    await source.close();
  }
}

/**
 * PUTs bytes [start, end) to the URL. Resolves on 2xx (the final onLoaded is `end - start`);
 * rejects with UploadError (storage's status and S3 code), ConnectionError (no answer), or
 * the signal's reason on abort.
 */
export async function putRange(put: RangePut): Promise<void> {
  const blob = put.source.blob(put.start, put.end);
  if (blob !== undefined && typeof XMLHttpRequest === 'function') return putWithXhr(put, blob);
  return putWithFetch(put);
}

async function putWithFetch(put: RangePut): Promise<void> {
  const size = put.end - put.start;
  let loaded = 0;
  const count = (bytes: number): void => {
    loaded += bytes;
    put.onLoaded?.(loaded);
  };
  const body = size === 0 ? new Uint8Array(0) : countingStream(put.source.stream(put.start, put.end), count);
  const headers: Record<string, string> = { 'Content-Length': String(size) };
  if (put.contentType !== undefined) headers['Content-Type'] = put.contentType;
  let response: Response;
  try {
    response = await put.fetch(put.url, { method: 'PUT', body, headers, signal: put.signal, duplex: 'half' } as RequestInit);
  } catch (error) {
    if (body instanceof ReadableStream && !body.locked) await body.cancel().catch(() => undefined);
    if (put.signal?.aborted) throw put.signal.reason;
    throw new ConnectionError(`upload to storage failed: ${describe(error)}`, { cause: error });
  }
  const text = await readText(response, put.signal);
  if (!response.ok) throw storageError(response.status, text);
  if (loaded !== size) count(size - loaded);
}

/** The answer's body; a connection lost while reading it is a ConnectionError. */
async function readText(response: Response, signal: AbortSignal | undefined): Promise<string> {
  try {
    return await response.text();
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw new ConnectionError(`upload to storage failed: ${describe(error)}`, { cause: error });
  }
}

function countingStream(source: ReadableStream<Uint8Array>, count: (bytes: number) => void): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) {
          controller.close();
          return;
        }
        controller.enqueue(value);
        count(value.byteLength);
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
}

function putWithXhr(put: RangePut, blob: Blob): Promise<void> {
  const { signal } = put;
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const xhr = new XMLHttpRequest();
    const onAbort = (): void => xhr.abort();
    const settle = (done: () => void): void => {
      signal?.removeEventListener('abort', onAbort);
      done();
    };
    xhr.open('PUT', put.url);
    if (put.contentType !== undefined) xhr.setRequestHeader('Content-Type', put.contentType);
    xhr.upload.onprogress = (e) => put.onLoaded?.(e.loaded);
    xhr.onload = () => settle(() => xhrDone(xhr, put, resolve, reject));
    xhr.onerror = () => settle(() => reject(new ConnectionError('upload to storage failed: network error')));
    xhr.onabort = () => settle(() => reject(signal?.reason ?? new DOMException('upload aborted', 'AbortError')));
    signal?.addEventListener('abort', onAbort, { once: true });
    xhr.send(blob);
  });
}

function xhrDone(xhr: XMLHttpRequest, put: RangePut, resolve: () => void, reject: (error: unknown) => void): void {
  if (xhr.status < 200 || xhr.status >= 300) return reject(storageError(xhr.status, xhr.responseText));
  put.onLoaded?.(put.end - put.start);
  resolve();
}

/** Storage answers with S3 error XML: <Error><Code>..</Code><Message>..</Message></Error>. */
function storageError(status: number, body: string): UploadError {
  const code = /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
  const message = /<Message>([^<]*)<\/Message>/.exec(body)?.[1];
  const text = [code, message].filter(Boolean).join(': ') || `HTTP ${status}`;
  return new UploadError(`storage refused the upload (${status}): ${text}`, { status, details: body || undefined });
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
  }
  return String(error);
}

export { describe as describeError };
