// tcoder-client: the public surface of the package.

export { TcoderClient } from './client.js';
export type { TcoderClientOptions, UploadOptions, UploadResult, CreateJobOptions, ListJobsOptions, WaitOptions } from './client.js';
export {
  TcoderError,
  AuthError,
  NotFoundError,
  ValidationError,
  ConflictError,
  RateLimitError,
  ServerError,
  ConnectionError,
  UploadError,
  TimeoutError,
  JobFailedError,
} from './errors.js';
export type { TcoderErrorOptions } from './errors.js';
export { SseParser, readSseEvents } from './sse.js';
export type { SseEvent } from './sse.js';
export { guessContentType } from './source.js';
export type { UploadSource } from './source.js';
export { fileResumeStore, localStorageResumeStore } from './resume.js';
export type { KeyValueStorage, ResumeStore } from './resume.js';
export type { RetryPolicy } from './retry.js';
export { PRESETS, QUALITIES, TERMINAL_STATUSES } from './types.js';
export type * from './types.js';
