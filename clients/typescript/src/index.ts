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
export { guessContentType } from './upload.js';
export type { UploadSource } from './upload.js';
export { PRESETS, QUALITIES, TERMINAL_STATUSES } from './types.js';
export type * from './types.js';
