// Remembering multipart uploads across runs, so an interrupted one resumes: the
// ResumeStore seam (a small string key-value store), the entry kept per source, how
// an entry is checked against the server, and two stores: one JSON file per key in
// a directory (Node; written atomically with temp + rename) and localStorage
// (browsers). Both stores may be called concurrently; the last write of a key wins.

import { ConflictError, NotFoundError } from './errors.js';
import type { UploadState } from './types.js';

/** Where upload() keeps what it needs to resume. Any of the three may be sync or async. */
export interface ResumeStore {
  /** The value set for the key, or null when there is none. */
  get(key: string): Promise<string | null> | string | null;
  set(key: string, value: string): Promise<void> | void;
  /** Removes the key; removing a missing key is not an error. */
  delete(key: string): Promise<void> | void;
}

/** What is stored per source once its multipart upload is created. */
export interface ResumeEntry {
  jobId: string;
  inputKey: string;
  uploadId: string;
  size: number;
  partSize: number;
}

/** What an entry turned out to be. */
export type Resumable =
  | { kind: 'uploading'; entry: ResumeEntry; state: UploadState }
  | { kind: 'completed'; entry: ResumeEntry; state: UploadState };

/** The key of a source (its identity, see SourceInfo) uploaded to the API at `baseUrl`. */
export function resumeKey(baseUrl: string, identity: string): string {
  return `tcoder-upload ${baseUrl} ${identity}`;
}

export function encodeEntry(entry: ResumeEntry): string {
  const { jobId, inputKey, uploadId, size, partSize } = entry;
  return JSON.stringify({ jobId, inputKey, uploadId, size, partSize });
}

/** The entry in `text`, or null when there is none or it is not one of ours. */
export function decodeEntry(text: string | null | undefined): ResumeEntry | null {
  if (typeof text !== 'string') return null;
  try {
    const value = JSON.parse(text) as Partial<ResumeEntry> | null;
    if (typeof value?.jobId !== 'string' || typeof value.uploadId !== 'string') return null;
    if (typeof value.size !== 'number' || typeof value.partSize !== 'number') return null;
    return { jobId: value.jobId, inputKey: String(value.inputKey ?? ''), uploadId: value.uploadId, size: value.size, partSize: value.partSize };
  } catch {
    return null;
  }
}

/**
 * Looks up the source's entry and asks the server about its job. Resolves with the upload
 * to continue (still uploading, same uploadId, size and part size) or the completed one;
 * null when there is nothing to resume, after forgetting a stale entry (unknown job, a
 * failed or cancelled one, another upload). Errors of the store or of the lookup (an
 * outage) are thrown, and the entry is kept for the next try.
 */
export async function findResumable(
  store: ResumeStore,
  key: string,
  size: number,
  getState: (jobId: string) => Promise<UploadState>,
): Promise<Resumable | null> {
  const text = await store.get(key);
  if (text === null || text === undefined) return null;
  const entry = decodeEntry(text);
  const state = entry === null ? null : await getState(entry.jobId).catch(nullIfGone);
  if (entry === null || state === null || state.status === 'failed' || state.status === 'cancelled') return forget(store, key);
  if (state.status !== 'uploading') return { kind: 'completed', entry, state };
  const same = state.uploadId === entry.uploadId && state.size === size && entry.size === size && state.partSize === entry.partSize;
  return same ? { kind: 'uploading', entry, state } : forget(store, key);
}

/** 404 (unknown job) and 409 (a single-PUT job) mean the entry is stale. */
function nullIfGone(error: unknown): null {
  if (error instanceof NotFoundError || error instanceof ConflictError) return null;
  throw error;
}

async function forget(store: ResumeStore, key: string): Promise<null> {
  await store.delete(key);
  return null;
}

/**
 * A store of one small JSON file per key in `dir` (created when first written), named by
 * the SHA-256 of the key. Node only.
 */
export function fileResumeStore(dir: string): ResumeStore {
  return {
    get: async (key) => {
      const fs = await import('node:fs/promises');
      const text = await fs.readFile(await entryPath(dir, key), 'utf8').catch(nullIfMissing);
      return text === null ? null : valueFor(text, key);
    },
    set: async (key, value) => {
      const fs = await import('node:fs/promises');
      const path = await entryPath(dir, key);
      const temp = `${path}.${globalThis.crypto.randomUUID()}.tmp`;
      await fs.mkdir(dir, { recursive: true });
      await fs.writeFile(temp, JSON.stringify({ key, value }));
      await fs.rename(temp, path).catch(async (error: unknown) => {
        await fs.rm(temp, { force: true });
        throw error;
      });
    },
    delete: async (key) => {
      const fs = await import('node:fs/promises');
      await fs.rm(await entryPath(dir, key), { force: true });
    },
  };
}

async function entryPath(dir: string, key: string): Promise<string> {
  const { createHash } = await import('node:crypto');
  const { join } = await import('node:path');
  return join(dir, `${createHash('sha256').update(key).digest('hex')}.json`);
}

function nullIfMissing(error: unknown): null {
  if ((error as { code?: unknown }).code === 'ENOENT') return null;
  throw error;
}

/** The value of a file written by set(); null if the file is damaged or for another key. */
function valueFor(text: string, key: string): string | null {
  try {
    const file = JSON.parse(text) as { key?: unknown; value?: unknown } | null;
    return file?.key === key && typeof file.value === 'string' ? file.value : null;
  } catch {
    return null;
  }
}

/** The part of the Web Storage API the localStorage store uses. */
export type KeyValueStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

/**
 * A store in the browser's localStorage (or the `storage` given), keys prefixed with
 * `prefix`. Throws TypeError when there is no localStorage.
 */
export function localStorageResumeStore(prefix = 'tcoder-upload:', storage?: KeyValueStorage): ResumeStore {
  const target = storage ?? (globalThis as { localStorage?: KeyValueStorage }).localStorage;
  if (target === undefined) throw new TypeError('localStorageResumeStore: there is no localStorage here');
  return {
    get: (key) => target.getItem(prefix + key),
    set: (key, value) => target.setItem(prefix + key, value),
    delete: (key) => target.removeItem(prefix + key),
  };
}
