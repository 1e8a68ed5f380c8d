// Sends the parts of one multipart upload and completes it (docs/api.md,
// "Multipart, resumable uploads"). Parts go in parallel, at most `concurrency` at
// once; each is retried alone on a transient failure (no answer, 429, 5xx) with
// backoff, and re-signed once through partsUrl after a 403. Progress is summed over
// the parts. One run per upload call; the ByteSource belongs to the caller.

import { UploadError, ValidationError } from './errors.js';
import { PartUrls } from './part-urls.js';
import type { PartLink } from './part-urls.js';
import { runPool } from './pool.js';
import { backoffMs, isTransient, retrying, sleep } from './retry.js';
import type { RetryPolicy } from './retry.js';
import type { ByteSource } from './source.js';
import { putRange } from './upload.js';
import type { CompletedUpload, JobStatus, PartUrl, PartUrlBatch, UploadProgress, UploadState, UploadedPart } from './types.js';

/** The control plane's calls a run makes; paths are relative to the API base URL. */
export interface MultipartApi {
  get<T>(path: string, signal: AbortSignal): Promise<T>;
  post<T>(path: string, body: unknown, signal: AbortSignal): Promise<T>;
}

/** What names one multipart upload and fixes its parts. */
export interface MultipartUpload {
  jobId: string;
  uploadId: string;
  size: number;
  partSize: number;
  partCount: number;
  partsUrl: string;
  completeUrl: string;
}

export interface MultipartRun {
  api: MultipartApi;
  fetch: typeof fetch;
  source: ByteSource;
  upload: MultipartUpload;
  /** URLs already known (the ticket's); the others are asked for. */
  ticketUrls: readonly PartUrl[];
  /** Parts the store already has (resuming); those of the right size are not sent. */
  uploaded: readonly UploadedPart[];
  concurrency: number;
  retry: Required<RetryPolicy>;
  onProgress?: ((progress: UploadProgress) => void) | undefined;
  signal?: AbortSignal | undefined;
}

export interface MultipartOutcome {
  /** The job's status once completed (queued, or later on a repeat). */
  status: JobStatus;
  /** Bytes of the parts this run stored; a part sent more than once counts once. */
  bytesSent: number;
}

interface PartContext {
  run: MultipartRun;
  urls: PartUrls;
  progress: PartProgress;
  signal: AbortSignal;
}

/** GET here for what the store has of the upload. */
export function uploadStatePath(jobId: string): string {
  return `/api/uploads/${encodeURIComponent(jobId)}`;
}

/** Bytes [start, end) of part `partNumber` (1-based). */
export function partRange(partNumber: number, partSize: number, size: number): [number, number] {
  const start = (partNumber - 1) * partSize;
  return [start, Math.min(start + partSize, size)];
}

/** The parts to send: those the store lacks or has with another size than the part must have. */
export function missingParts(upload: MultipartUpload, uploaded: readonly UploadedPart[]): number[] {
  const present = new Map(uploaded.map((part) => [part.partNumber, part.size]));
  const missing: number[] = [];
  for (let n = 1; n <= upload.partCount; n++) {
    const [start, end] = partRange(n, upload.partSize, upload.size);
    if (present.get(n) !== end - start) missing.push(n);
  }
  return missing;
}

/**
 * Sends every missing part, then completes the upload. When complete finds parts missing
 * or of a wrong size (the store lost some), asks which and sends them once more.
 * Rejects with the failing part's error, the API's typed error, or the signal's reason.
 */
export async function runMultipart(run: MultipartRun): Promise<MultipartOutcome> {
  const signal = run.signal ?? new AbortController().signal;
  const urls = new PartUrls(allParts(run.upload.partCount), run.ticketUrls, (numbers, s) => fetchUrls(run, numbers, s));
  let bytesSent = await sendMissing(run, urls, run.uploaded, signal);
  try {
    return { status: await complete(run, signal), bytesSent };
  } catch (error) {
    if (!isIncomplete(error)) throw error;
    const state = await run.api.get<UploadState>(uploadStatePath(run.upload.jobId), signal);
    if (state.status !== 'uploading') throw error;
    bytesSent += await sendMissing(run, urls, state.uploadedParts ?? [], signal);
    return { status: await complete(run, signal), bytesSent };
  }
}

async function sendMissing(run: MultipartRun, urls: PartUrls, uploaded: readonly UploadedPart[], signal: AbortSignal): Promise<number> {
  const missing = missingParts(run.upload, uploaded);
  const progress = new PartProgress(run.upload, missing, run.onProgress);
  let bytes = 0;
  await runPool(missing, run.concurrency, async (partNumber, poolSignal) => {
    const sent = await sendPart({ run, urls, progress, signal: poolSignal }, partNumber);
    bytes += sent;
  }, signal);
  return bytes;
}

/** Sends one part until it is stored; resolves with its size. */
async function sendPart(ctx: PartContext, partNumber: number): Promise<number> {
  let resigned = false;
  for (let attempt = 1; ; ) {
    let link: PartLink | undefined;
    try {
      link = await ctx.urls.get(partNumber, ctx.signal);
      return await putPart(ctx, partNumber, link.url);
    } catch (error) {
      ctx.progress.failed(partNumber);
      if (ctx.signal.aborted) throw ctx.signal.reason;
      if (link !== undefined && isExpired(error) && !resigned) {
        resigned = true;
        ctx.urls.expire(link.generation);
        continue;
      }
      if (!isTransient(error) || attempt >= ctx.run.retry.attempts) throw error;
      await sleep(backoffMs(attempt++, ctx.run.retry, error), ctx.signal);
    }
  }
}

async function putPart(ctx: PartContext, partNumber: number, url: string): Promise<number> {
  const { upload, source, fetch } = ctx.run;
  const [start, end] = partRange(partNumber, upload.partSize, upload.size);
  const onLoaded = (loaded: number): void => ctx.progress.sending(partNumber, loaded);
  await putRange({ url, source, start, end, fetch, onLoaded, signal: ctx.signal });
  ctx.urls.markStored(partNumber);
  ctx.progress.stored(partNumber, end - start);
  return end - start;
}

function fetchUrls(run: MultipartRun, partNumbers: number[], signal: AbortSignal): Promise<PartUrlBatch> {
  return run.api.post<PartUrlBatch>(run.upload.partsUrl, { partNumbers }, signal);
}

/** POST {completeUrl} {}; repeating it is harmless, so a lost answer is retried too. */
async function complete(run: MultipartRun, signal: AbortSignal): Promise<JobStatus> {
  const done = await retrying(() => run.api.post<CompletedUpload>(run.upload.completeUrl, {}, signal), run.retry, signal);
  return done.status;
}

/** A 403 from storage: the presigned URL has expired (or was refused); a fresh one may work. */
function isExpired(error: unknown): boolean {
  return error instanceof UploadError && error.status === 403;
}

/** complete's 400 for parts missing (`details.missing`) or of a wrong size (`details.partNumber`). */
function isIncomplete(error: unknown): boolean {
  if (!(error instanceof ValidationError) || error.status !== 400) return false;
  const details = error.details as { missing?: unknown; partNumber?: unknown } | undefined;
  return Array.isArray(details?.missing) || typeof details?.partNumber === 'number';
}

function allParts(partCount: number): number[] {
  return Array.from({ length: partCount }, (_, i) => i + 1);
}

/** Bytes stored plus bytes of the parts in flight; a part that fails drops back to zero. */
class PartProgress {
  private readonly inFlight = new Map<number, number>();
  private storedBytes: number;
  private partsDone: number;

  constructor(
    private readonly upload: MultipartUpload,
    missing: readonly number[],
    private readonly onProgress: ((progress: UploadProgress) => void) | undefined,
  ) {
    const missingBytes = missing.reduce((sum, n) => sum + partBytes(upload, n), 0);
    this.storedBytes = upload.size - missingBytes;
    this.partsDone = upload.partCount - missing.length;
    this.emit();
  }

  sending(partNumber: number, loaded: number): void {
    this.inFlight.set(partNumber, loaded);
    this.emit();
  }

  failed(partNumber: number): void {
    if (this.inFlight.delete(partNumber)) this.emit();
  }

  stored(partNumber: number, bytes: number): void {
    this.inFlight.delete(partNumber);
    this.storedBytes += bytes;
    this.partsDone += 1;
    this.emit();
  }

  private emit(): void {
    let loaded = this.storedBytes;
    for (const bytes of this.inFlight.values()) loaded += bytes;
    const { size, partCount } = this.upload;
    this.onProgress?.({ loaded: Math.min(loaded, size), total: size, partsDone: this.partsDone, partCount });
  }
}

function partBytes(upload: MultipartUpload, partNumber: number): number {
  const [start, end] = partRange(partNumber, upload.partSize, upload.size);
  return end - start;
}
