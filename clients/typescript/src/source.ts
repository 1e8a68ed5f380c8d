// What an upload sends: a path (Node), a Blob/File, or bytes in memory. Describes
// a source (size, name, type, identity for resuming) and reads byte ranges of it
// on demand: a path through one open file handle with positional reads (never the
// whole file in memory), a Blob by slicing. A ByteSource may be read by several
// requests at once; its owner closes it once, after the last read.

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
  /**
   * Names this version of the source across runs, for resuming: the absolute path, size
   * and mtime of a file, or the name, size and lastModified of a File. Null for a plain
   * Blob or bytes, which have nothing stable to be known by.
   */
  identity: string | null;
}

/** Bytes [start, end) of a source, read as they are pulled. */
export interface ByteSource {
  /** A stream with no read-ahead (highWaterMark 0): one read of at most 1 MiB per pull. */
  stream(start: number, end: number): ReadableStream<Uint8Array>;
  /** The same bytes as a Blob (for XMLHttpRequest), or undefined for a file on disk. */
  blob(start: number, end: number): Blob | undefined;
  /** Releases the file handle, if any. */
  close(): Promise<void>;
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

/** Size, name, type and identity of the source; a path must name a regular file. */
export async function describeSource(source: SendableSource, filename?: string, contentType?: string): Promise<SourceInfo> {
  if (typeof source === 'string') return describePath(source, filename, contentType);
  const file = source as { name?: unknown; lastModified?: unknown };
  const hasName = typeof file.name === 'string' && file.name !== '';
  const name = filename ?? (hasName ? (file.name as string) : 'upload');
  const identity = hasName && typeof file.lastModified === 'number' ? `file ${String(file.name)} ${source.size} ${file.lastModified}` : null;
  return { size: source.size, filename: name, contentType: contentType || source.type || guessContentType(name), identity };
}

async function describePath(path: string, filename?: string, contentType?: string): Promise<SourceInfo> {
  const fs = await import('node:fs/promises');
  const { resolve } = await import('node:path');
  const stat = await fs.stat(path);
  if (!stat.isFile()) throw new TypeError(`not a regular file: ${path}`);
  const name = filename ?? baseName(path);
  const identity = `path ${resolve(path)} ${stat.size} ${stat.mtimeMs}`;
  return { size: stat.size, filename: name, contentType: contentType ?? guessContentType(name), identity };
}

/** Opens the source for range reads: a path gets one read-only file handle. */
export async function openByteSource(source: SendableSource): Promise<ByteSource> {
  if (typeof source !== 'string') return blobSource(source);
  const fs = await import('node:fs/promises');
  const handle = await fs.open(source, 'r');
  return {
    stream: (start, end) => fileRangeStream(handle, source, start, end),
    blob: () => undefined,
    close: () => handle.close().catch(() => undefined),
  };
}

function blobSource(blob: Blob): ByteSource {
  return {
    stream: (start, end) => blob.slice(start, end).stream() as ReadableStream<Uint8Array>,
    blob: (start, end) => blob.slice(start, end),
    close: async () => undefined,
  };
}

type FileHandle = import('node:fs/promises').FileHandle;

function fileRangeStream(handle: FileHandle, path: string, start: number, end: number): ReadableStream<Uint8Array> {
  let position = start;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (position >= end) return controller.close();
        const want = Math.min(CHUNK_BYTES, end - position);
        const { bytesRead, buffer } = await handle.read(new Uint8Array(want), 0, want, position);
        if (bytesRead === 0) throw new Error(`file shrank during upload: ${path}`);
        position += bytesRead;
        controller.enqueue(buffer.subarray(0, bytesRead));
        if (position >= end) controller.close();
      },
    },
    { highWaterMark: 0 },
  );
}
