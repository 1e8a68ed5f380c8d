// One call of TcoderClient.upload: continues an earlier multipart upload of the same
// source when a ResumeStore knows one, else creates the job (POST /api/upload) and
// sends the file the way the server answered: one presigned PUT, or parts
// (multipart.ts). A failed upload that cannot be resumed has its job cancelled (best
// effort); one that can is left for the next call. Stateless; one run per call.

import { ConflictError } from './errors.js';
import { runMultipart, uploadStatePath } from './multipart.js';
import type { MultipartApi, MultipartUpload } from './multipart.js';
import { retryPolicy } from './retry.js';
import type { RetryPolicy } from './retry.js';
import { encodeEntry, findResumable, resumeKey } from './resume.js';
import type { ResumeEntry, ResumeStore } from './resume.js';
import { describeSource, openByteSource, toSendable } from './source.js';
import type { SendableSource, SourceInfo, UploadSource } from './source.js';
import { putToPresignedUrl } from './upload.js';
import type { JobOptions, MultipartUploadTicket, PartUrl, UploadProgress, UploadState, UploadTicket, UploadedPart } from './types.js';

export interface UploadOptions extends JobOptions {
  /** Defaults to the path's base name or the File's name. */
  filename?: string;
  /** Defaults to the File's type or a guess from the file name. */
  contentType?: string;
  onProgress?: (progress: UploadProgress) => void;
  signal?: AbortSignal;
  /** true asks for a multipart upload, false for one PUT; by default the server decides from the size. */
  multipart?: boolean;
  /** Parts sent at once (default 4). */
  concurrency?: number;
  /** Tries of each part and of the complete call (default 5, from 500 ms doubling, with jitter). */
  retry?: RetryPolicy;
  /** Remembers multipart uploads of paths and Files so that an interrupted one resumes. */
  resume?: ResumeStore;
}

export interface UploadResult {
  jobId: string;
  inputKey: string;
  uploadMethod: 'PUT' | 'multipart';
  /** An earlier upload of the same source was continued, or found already completed. */
  resumed: boolean;
  /** Bytes this call stored: the whole file for a PUT, the parts it sent for a multipart upload. */
  bytesSent: number;
}

/** What the uploader needs from the client (a seam for tests). */
export interface UploaderDeps {
  baseUrl: string;
  fetch: typeof fetch;
  request<T>(method: string, path: string, body: unknown, signal: AbortSignal | undefined): Promise<T>;
}

interface Settings {
  source: SendableSource;
  info: SourceInfo;
  options: UploadOptions;
  concurrency: number;
  retry: Required<RetryPolicy>;
  /** Set when the upload can be resumed: a store was given and the source has an identity. */
  key: string | undefined;
}

const DEFAULT_CONCURRENCY = 4;

export async function runUpload(deps: UploaderDeps, input: UploadSource, options: UploadOptions): Promise<UploadResult> {
  const settings = await prepare(deps, input, options);
  if (settings.key !== undefined) {
    const resumed = await resumeEarlier(deps, settings);
    if (resumed !== null) return resumed;
  }
  const ticket = await createJob(deps, settings);
  if (ticket.uploadMethod === 'multipart') return sendNewMultipart(deps, settings, ticket);
  try {
    const { source, info } = settings;
    await putToPresignedUrl({ url: ticket.uploadUrl, source, info, fetch: deps.fetch, onProgress: options.onProgress, signal: options.signal });
  } catch (error) {
    await cancelQuietly(deps, ticket.jobId);
    throw error;
  }
  return { jobId: ticket.jobId, inputKey: ticket.inputKey, uploadMethod: 'PUT', resumed: false, bytesSent: settings.info.size };
}

async function prepare(deps: UploaderDeps, input: UploadSource, options: UploadOptions): Promise<Settings> {
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new TypeError('upload: concurrency must be an integer >= 1');
  const retry = retryPolicy(options.retry);
  const source = toSendable(input);
  const info = await describeSource(source, options.filename, options.contentType);
  const key = options.resume && info.identity !== null ? resumeKey(deps.baseUrl, info.identity) : undefined;
  return { source, info, options, concurrency, retry, key };
}

function createJob(deps: UploaderDeps, settings: Settings): Promise<UploadTicket> {
  const { filename, contentType, onProgress, signal, concurrency, retry, resume, ...jobOptions } = settings.options;
  const { info } = settings;
  const body = { ...jobOptions, filename: info.filename, contentType: info.contentType, size: info.size };
  return deps.request<UploadTicket>('POST', '/api/upload', body, signal);
}

/** Null when there is nothing to resume; else the result, sending only what the store lacks. */
async function resumeEarlier(deps: UploaderDeps, settings: Settings): Promise<UploadResult | null> {
  const store = settings.options.resume as ResumeStore;
  const key = settings.key as string;
  const getState = (jobId: string): Promise<UploadState> =>
    deps.request<UploadState>('GET', uploadStatePath(jobId), undefined, settings.options.signal);
  const found = await findResumable(store, key, settings.info.size, getState);
  if (found === null) return null;
  const { entry, state } = found;
  if (found.kind === 'completed') {
    await forgetQuietly(store, key);
    settings.options.onProgress?.({ loaded: entry.size, total: entry.size });
    return { jobId: entry.jobId, inputKey: entry.inputKey, uploadMethod: 'multipart', resumed: true, bytesSent: 0 };
  }
  const upload = uploadOf(entry, state);
  return sendParts(deps, settings, upload, entry, { ticketUrls: [], uploaded: state.uploadedParts ?? [], resumed: true });
}

async function sendNewMultipart(deps: UploaderDeps, settings: Settings, ticket: MultipartUploadTicket): Promise<UploadResult> {
  const { jobId, inputKey, multipart } = ticket;
  const { uploadId, size, partSize, partCount, partsUrl, completeUrl } = multipart;
  const upload: MultipartUpload = { jobId, uploadId, size, partSize, partCount, partsUrl, completeUrl };
  const entry: ResumeEntry = { jobId, inputKey, uploadId, size, partSize };
  if (settings.key !== undefined) {
    try {
      await settings.options.resume?.set(settings.key, encodeEntry(entry));
    } catch (error) {
      await cancelQuietly(deps, jobId);
      throw error;
    }
  }
  return sendParts(deps, settings, upload, entry, { ticketUrls: multipart.parts ?? [], uploaded: [], resumed: false });
}

interface Start {
  ticketUrls: readonly PartUrl[];
  uploaded: readonly UploadedPart[];
  resumed: boolean;
}

/** Sends the parts and completes; forgets the entry when done, or when the job is over. */
async function sendParts(deps: UploaderDeps, settings: Settings, upload: MultipartUpload, entry: ResumeEntry, start: Start): Promise<UploadResult> {
  const { options, key } = settings;
  const source = await openByteSource(settings.source);
  try {
    const api = multipartApi(deps);
    const run = { api, fetch: deps.fetch, source, upload, ...start, concurrency: settings.concurrency, retry: settings.retry };
    const { bytesSent } = await runMultipart({ ...run, onProgress: options.onProgress, signal: options.signal });
    if (key !== undefined) await forgetQuietly(options.resume, key);
    return { jobId: upload.jobId, inputKey: entry.inputKey, uploadMethod: 'multipart', resumed: start.resumed, bytesSent };
  } catch (error) {
    if (key === undefined) await cancelQuietly(deps, upload.jobId);
    else if (error instanceof ConflictError) await forgetQuietly(options.resume, key);
    throw error;
  } finally {
    await source.close();
  }
}

/** The upload an entry names, with the server's numbers (which the entry matched). */
function uploadOf(entry: ResumeEntry, state: UploadState): MultipartUpload {
  const { jobId, uploadId, size, partSize } = entry;
  const jobPath = uploadStatePath(jobId);
  const partCount = state.partCount ?? Math.ceil(size / partSize);
  return { jobId, uploadId, size, partSize, partCount, partsUrl: `${jobPath}/parts`, completeUrl: `${jobPath}/complete` };
}

function multipartApi(deps: UploaderDeps): MultipartApi {
  return {
    get: (path, signal) => deps.request('GET', path, undefined, signal),
    post: (path, body, signal) => deps.request('POST', path, body, signal),
  };
}

/**
 * Best effort: the upload is over either way. An entry the store failed to drop makes the
 * next upload of the unchanged source find this job and return it without sending.
 */
async function forgetQuietly(store: ResumeStore | undefined, key: string): Promise<void> {
  try {
    await store?.delete(key);
  } catch {
    return;
  }
}

async function cancelQuietly(deps: UploaderDeps, jobId: string): Promise<void> {
  await deps.request('DELETE', `/api/jobs/${encodeURIComponent(jobId)}`, undefined, undefined).catch(() => undefined);
}
