// Sends a file's bytes to a presigned PUT URL with progress. In Node a path is
// streamed from disk in 1 MiB reads (never held whole in memory) and bytes are
// counted as fetch pulls them; in browsers a Blob/File goes through
// XMLHttpRequest, whose upload events are the only way to see progress.

import { ConnectionError, UploadError } from './errors.js';
import type { UploadProgress } from './types.js';

/** A path on disk (Node only), a Blob/File, or bytes in memory (a Buffer or Uint8Array). */
export type UploadSource = string | Blob | Uint8Array;

/** What is sent: a path, or a Blob (bytes in memory are wrapped in one first). */
export type SendableSource = string | Blob;

export function toSendable(source: UploadSource): SendableSource {
  return source instanceof Uint8Array ? new Blob([source as Uint8Array<ArrayBuffer>]) : source;
}

export interface SourceInfo {
  size: number;
  filename: string;
  contentType: string;
}

export interface PutOptions {
  url: string;
  source: SendableSource;
  info: SourceInfo;
  fetch: typeof fetch;
  onProgress?: ((progress: UploadProgress) => void) | undefined;
  signal?: AbortSignal | undefined;
}

const CHUNK_BYTES = 1 << 20;

const CONTENT_TYPES: Record<string, string> = {
  mp4: 'video/mp4',
  m4v: 'video/x-m4v',
  mov: 'video/quicktime',
  mkv: 'video/x-matroska',
  webm: 'video/webm',
  avi: 'video/x-msvideo',
  ts: 'video/mp2t',
  mts: 'video/mp2t',
  mpg: 'video/mpeg',
  mpeg: 'video/mpeg',
  flv: 'video/x-flv',
  wmv: 'video/x-ms-wmv',
  '3gp': 'video/3gpp',
  ogv: 'video/ogg',
  mp3: 'audio/mpeg',
  m4a: 'audio/mp4',
  wav: 'audio/wav',
};

/** Guesses a media type from a file name's extension; application/octet-stream if unknown. */
export function guessContentType(filename: string): string {
  const dot = filename.lastIndexOf('.');
  const ext = dot === -1 ? '' : filename.slice(dot + 1).toLowerCase();
  return CONTENT_TYPES[ext] ?? 'application/octet-stream';
}

function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] || 'upload';
}

/** Size, name and type of the source; a path must name a regular file. */
export async function describeSource(
  source: SendableSource,
  filename?: string,
  contentType?: string,
): Promise<SourceInfo> {
  if (typeof source === 'string') {
    const fs = await import('node:fs/promises');
    const stat = await fs.stat(source);
    if (!stat.isFile()) throw new TypeError(`not a regular file: ${source}`);
    const name = filename ?? baseName(source);
    return { size: stat.size, filename: name, contentType: contentType ?? guessContentType(name) };
  }
  const fileName = (source as { name?: unknown }).name;
  const name = filename ?? (typeof fileName === 'string' && fileName !== '' ? fileName : 'upload');
  return { size: source.size, filename: name, contentType: contentType || source.type || guessContentType(name) };
}

/** PUTs the source to the URL; resolves when storage answered 2xx. */
export async function putToPresignedUrl(options: PutOptions): Promise<void> {
  if (typeof options.source !== 'string' && typeof XMLHttpRequest === 'function') {
    return putWithXhr(options, options.source);
  }
  return putWithFetch(options);
}

async function putWithFetch(options: PutOptions): Promise<void> {
  const { info, onProgress } = options;
  let loaded = 0;
  const count = (bytes: number): void => {
    loaded += bytes;
    onProgress?.({ loaded, total: info.size });
  };
  const body = info.size === 0 ? new Uint8Array(0) : await openBody(options.source, info.size, count);
  let response: Response;
  try {
    response = await options.fetch(options.url, {
      method: 'PUT',
      body,
      headers: { 'Content-Type': info.contentType, 'Content-Length': String(info.size) },
      signal: options.signal,
      duplex: 'half',
    } as RequestInit);
  } catch (error) {
    if (body instanceof ReadableStream && !body.locked) await body.cancel().catch(() => undefined);
    if (options.signal?.aborted) throw options.signal.reason;
    throw new ConnectionError(`upload to storage failed: ${describe(error)}`, { cause: error });
  }
  const text = await response.text();
  if (!response.ok) throw storageError(response.status, text);
  if (loaded !== info.size) count(info.size - loaded);
}

async function openBody(
  source: SendableSource,
  size: number,
  count: (bytes: number) => void,
): Promise<ReadableStream<Uint8Array>> {
  if (typeof source === 'string') return fileStream(source, size, count);
  return countingStream(source.stream() as ReadableStream<Uint8Array>, count);
}

/** Reads exactly `size` bytes of the file, one chunk per pull (highWaterMark 0: no read-ahead). */
async function fileStream(path: string, size: number, count: (bytes: number) => void): Promise<ReadableStream<Uint8Array>> {
  const fs = await import('node:fs/promises');
  const handle = await fs.open(path, 'r');
  let position = 0;
  const close = (): Promise<void> => handle.close().catch(() => undefined);
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const want = Math.min(CHUNK_BYTES, size - position);
          const { bytesRead, buffer } = await handle.read(new Uint8Array(want), 0, want, position);
          if (bytesRead === 0) throw new Error(`file shrank during upload: ${path}`);
          position += bytesRead;
          controller.enqueue(buffer.subarray(0, bytesRead));
          count(bytesRead);
          if (position === size) {
            await close();
            controller.close();
          }
        } catch (error) {
          await close();
          controller.error(error);
        }
      },
      cancel: close,
    },
    { highWaterMark: 0 },
  );
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

function putWithXhr(options: PutOptions, blob: Blob): Promise<void> {
  const { info, onProgress, signal } = options;
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', options.url);
    xhr.setRequestHeader('Content-Type', info.contentType);
    xhr.upload.onprogress = (e) => onProgress?.({ loaded: e.loaded, total: e.lengthComputable ? e.total : info.size });
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress?.({ loaded: info.size, total: info.size });
        resolve();
      } else {
        reject(storageError(xhr.status, xhr.responseText));
      }
    };
    xhr.onerror = () => reject(new ConnectionError('upload to storage failed: network error'));
    xhr.onabort = () => reject(signal?.reason ?? new DOMException('upload aborted', 'AbortError'));
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(blob);
  });
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
