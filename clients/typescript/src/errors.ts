// Typed errors thrown by TcoderClient. Every error is a TcoderError; the HTTP
// status picks the subclass (401 AuthError, 404 NotFoundError, 400/413
// ValidationError, 409 ConflictError, 429 RateLimitError, 5xx ServerError).

import type { Job } from './types.js';

export interface TcoderErrorOptions {
  /** HTTP status of the answer; 0 when there was no answer at all. */
  status?: number;
  /** The `details` of the API's error body, or the raw body when it was not JSON. */
  details?: unknown;
  cause?: unknown;
}

/** Base class of every error the client throws. */
export class TcoderError extends Error {
  readonly status: number;
  readonly details: unknown;

  constructor(message: string, options: TcoderErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.status = options.status ?? 0;
    this.details = options.details;
  }
}

/** 401: the API key is missing or wrong. */
export class AuthError extends TcoderError {}

/** 404: no such job (or route). */
export class NotFoundError extends TcoderError {}

/** 400 or 413: the request was refused as invalid or too large. */
export class ValidationError extends TcoderError {}

/** 409: the job is not in a state that allows the operation (e.g. retry of a running job). */
export class ConflictError extends TcoderError {}

/** 429: too many requests; `retryAfter` is the server's advice in seconds (undefined if none). */
export class RateLimitError extends TcoderError {
  readonly retryAfter: number | undefined;

  constructor(message: string, options: TcoderErrorOptions & { retryAfter?: number }) {
    super(message, options);
    this.retryAfter = options.retryAfter;
  }
}

/** 5xx: the server (or something in front of it) failed or is unavailable. */
export class ServerError extends TcoderError {}

/** The server could not be reached at all (DNS, refused connection, reset). `status` is 0. */
export class ConnectionError extends TcoderError {}

/** The PUT of the file to the presigned storage URL was refused. */
export class UploadError extends TcoderError {}

/** waitForCompletion gave up after `timeoutMs`. */
export class TimeoutError extends TcoderError {}

/** The job ended as `failed` or `cancelled`; `job` is its final record. */
export class JobFailedError extends TcoderError {
  readonly job: Job;
  readonly jobId: string;
  readonly jobStatus: string;
  readonly error: string | null;

  constructor(job: Job) {
    const reason = job.error ? `: ${job.error}` : '';
    super(`job ${job.jobId} ${job.status}${reason}`, { details: job });
    this.job = job;
    this.jobId = job.jobId;
    this.jobStatus = job.status;
    this.error = job.error ?? null;
  }
}

/** Parses Retry-After (delta-seconds or an HTTP date) into seconds from now. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

/** Builds the typed error for a non-2xx answer from its status, headers and body text. */
export function errorFromResponse(status: number, headers: Headers, bodyText: string): TcoderError {
  const { message, details } = parseErrorBody(status, bodyText);
  const options = { status, details };
  if (status === 401) return new AuthError(message, options);
  if (status === 404) return new NotFoundError(message, options);
  if (status === 400 || status === 413) return new ValidationError(message, options);
  if (status === 409) return new ConflictError(message, options);
  if (status === 429) {
    return new RateLimitError(message, { ...options, retryAfter: parseRetryAfter(headers.get('retry-after')) });
  }
  if (status >= 500) return new ServerError(message, options);
  return new TcoderError(message, options);
}

function parseErrorBody(status: number, bodyText: string): { message: string; details: unknown } {
  try {
    const body: unknown = JSON.parse(bodyText);
    if (body !== null && typeof body === 'object' && typeof (body as { error?: unknown }).error === 'string') {
      const { error, details } = body as { error: string; details?: unknown };
      return { message: error, details };
    }
    return { message: `HTTP ${status}`, details: body };
  } catch {
    const snippet = bodyText.trim().slice(0, 200);
    return { message: snippet ? `HTTP ${status}: ${snippet}` : `HTTP ${status}`, details: bodyText || undefined };
  }
}
