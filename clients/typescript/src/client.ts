// TcoderClient: the tcoder HTTP API (docs/api.md) for Node 20+ and browsers.
// Stateless apart from its options; one instance may serve concurrent calls.
// Every failure is a typed TcoderError (see errors.ts).

import { ConnectionError, JobFailedError, TcoderError, TimeoutError, errorFromResponse } from './errors.js';
import { describeError } from './upload.js';
import type { UploadSource } from './source.js';
import { runUpload } from './uploader.js';
import type { UploadOptions, UploadResult } from './uploader.js';
import { JobWaiter } from './wait.js';
import type { CreatedJob, Job, JobList, JobOptions, JobProgress, JobStatus, Stats } from './types.js';

export type { UploadOptions, UploadResult } from './uploader.js';

export interface TcoderClientOptions {
  /** The control plane, e.g. http://127.0.0.1:8787 */
  baseUrl: string;
  apiKey: string;
  /** A fetch implementation; defaults to the global one. */
  fetch?: typeof fetch;
}

export interface CreateJobOptions extends JobOptions {
  /** A key already in the input bucket... */
  inputKey?: string;
  /** ...or a URL the worker downloads. Exactly one of the two. */
  inputUrl?: string;
  filename?: string;
}

export interface ListJobsOptions {
  status?: JobStatus;
  limit?: number;
  cursor?: string;
}

export interface WaitOptions {
  /** Called whenever the job's status or progress changes. */
  onProgress?: (progress: JobProgress) => void;
  signal?: AbortSignal;
  /** Give up (TimeoutError) after this long; no limit by default. */
  timeoutMs?: number;
  /** Polling period when the event stream is unavailable (default 2000). */
  pollIntervalMs?: number;
  /** Set false to poll only. */
  sse?: boolean;
}

interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  signal?: AbortSignal | undefined;
}

export class TcoderClient {
  private readonly baseUrl: string;
  private readonly apiKey: string;
  private readonly fetchImpl: typeof fetch;

  constructor(options: TcoderClientOptions) {
    if (!options || typeof options.baseUrl !== 'string' || !/^https?:\/\//i.test(options.baseUrl)) {
      throw new TypeError('TcoderClient: baseUrl must be an http(s) URL');
    }
    if (typeof options.apiKey !== 'string' || options.apiKey === '') {
      throw new TypeError('TcoderClient: apiKey is required');
    }
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.apiKey = options.apiKey;
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  /**
   * Creates a job (POST /api/upload) and sends the file straight to storage: one PUT to
   * the presigned URL, or parts in parallel when the server answers with a multipart
   * upload (large files, or `multipart: true`). `input` is a path (Node), a Blob/File, or
   * bytes (Buffer, Uint8Array; give `filename`). With `resume`, an interrupted multipart
   * upload of the same path or File continues where it stopped, and a failed one is kept
   * for that; otherwise a failed upload has its job cancelled (best effort). Rejects with
   * the error (the signal's reason on abort).
   */
  upload(input: UploadSource, options: UploadOptions = {}): Promise<UploadResult> {
    const deps = {
      baseUrl: this.baseUrl,
      fetch: this.fetchImpl,
      request: <T>(method: string, path: string, body: unknown, signal: AbortSignal | undefined) =>
        this.request<T>(method, path, { body, signal }),
    };
    return runUpload(deps, input, options);
  }

  /** POST /api/jobs for an input already in storage (`inputKey`) or at a URL (`inputUrl`). */
  async createJob(options: CreateJobOptions): Promise<CreatedJob> {
    if ((options.inputKey === undefined) === (options.inputUrl === undefined)) {
      throw new TypeError('createJob: give exactly one of inputKey and inputUrl');
    }
    return this.request<CreatedJob>('POST', '/api/jobs', { body: options });
  }

  /** GET /api/jobs/{id}. */
  getStatus(jobId: string, options: { signal?: AbortSignal } = {}): Promise<Job> {
    return this.request<Job>('GET', this.jobPath(jobId), { signal: options.signal });
  }

  /** GET /api/jobs?status=&limit=&cursor= */
  listJobs(options: ListJobsOptions = {}): Promise<JobList> {
    return this.request<JobList>('GET', '/api/jobs', { query: { ...options } });
  }

  /** DELETE /api/jobs/{id}: cancels the job (a running FFmpeg is stopped). */
  cancel(jobId: string): Promise<Record<string, unknown>> {
    return this.request('DELETE', this.jobPath(jobId));
  }

  /** POST /api/jobs/{id}/retry: puts a failed or cancelled job back in the queue. */
  retry(jobId: string): Promise<Record<string, unknown>> {
    return this.request('POST', `${this.jobPath(jobId)}/retry`);
  }

  /** GET /api/stats. */
  stats(): Promise<Stats> {
    return this.request<Stats>('GET', '/api/stats');
  }

  /**
   * Resolves with the final job when it completes; rejects with JobFailedError when it
   * fails or is cancelled, TimeoutError after `timeoutMs`, or the signal's reason on abort.
   */
  async waitForCompletion(jobId: string, options: WaitOptions = {}): Promise<Job> {
    const controller = new AbortController();
    const onAbort = (): void => controller.abort(options.signal?.reason);
    if (options.signal?.aborted) throw options.signal.reason;
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => controller.abort(new TimeoutError(`job ${jobId} did not end within ${options.timeoutMs} ms`)), options.timeoutMs);
    try {
      const deps = {
        getStatus: (id: string, signal: AbortSignal) => this.getStatus(id, { signal }),
        openEvents: (id: string, lastEventId: string | undefined, signal: AbortSignal) =>
          this.openEvents(id, lastEventId, signal),
      };
      const waiterOptions = { onProgress: options.onProgress, pollIntervalMs: options.pollIntervalMs ?? 2000, useSse: options.sse ?? true };
      const job = await new JobWaiter(deps, jobId, waiterOptions, controller.signal).run();
      if (job.status === 'completed') return job;
      throw new JobFailedError(job);
    } catch (error) {
      throw controller.signal.aborted ? controller.signal.reason : error;
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Opens GET /api/jobs/{id}/events; the caller reads and closes the body. */
  openEvents(jobId: string, lastEventId: string | undefined, signal?: AbortSignal): Promise<Response> {
    const headers: Record<string, string> = { ...this.authHeaders(), Accept: 'text/event-stream', 'Cache-Control': 'no-cache' };
    if (lastEventId !== undefined) headers['Last-Event-ID'] = lastEventId;
    return this.fetchImpl(`${this.baseUrl}${this.jobPath(jobId)}/events`, { headers, signal: signal ?? null });
  }

  private jobPath(jobId: string): string {
    if (typeof jobId !== 'string' || jobId === '') throw new TypeError('jobId is required');
    return `/api/jobs/${encodeURIComponent(jobId)}`;
  }

  private authHeaders(): Record<string, string> {
    return { Authorization: `Bearer ${this.apiKey}` };
  }

  private async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { ...this.authHeaders(), Accept: 'application/json' };
    const init: RequestInit = { method, headers, signal: options.signal ?? null };
    if (options.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(options.body);
    }
    let response: Response;
    try {
      response = await this.fetchImpl(this.url(path, options.query), init);
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      throw new ConnectionError(`${method} ${path} failed: ${describeError(error)}`, { cause: error });
    }
    const text = await response.text();
    if (!response.ok) throw errorFromResponse(response.status, response.headers, text);
    return parseJson<T>(text, `${method} ${path}`, response.status);
  }

  private url(path: string, query?: Record<string, string | number | undefined>): string {
    const url = new URL(this.baseUrl + path);
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== '') url.searchParams.set(key, String(value));
    }
    return url.toString();
  }
}

function parseJson<T>(text: string, what: string, status: number): T {
  if (text === '') return {} as T;
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new TcoderError(`${what}: the server answered ${status} with a body that is not JSON`, { status, details: text, cause: error });
  }
}
