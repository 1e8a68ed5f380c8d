// The shapes of the tcoder HTTP API (docs/api.md) as TypeScript types. Plain data,
// no behaviour. Fields the server may add later are allowed through.

export type JobStatus = 'uploading' | 'queued' | 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';

export type Preset = 'default' | 'web-optimized' | 'hls' | 'hls-adaptive' | 'cmaf';

export type Quality = '144p' | '240p' | '360p' | '480p' | '720p' | '1080p' | '1440p' | '2160p';

export type Visibility = 'public' | 'premium';

export const TERMINAL_STATUSES: readonly JobStatus[] = ['completed', 'failed', 'cancelled'];

export const PRESETS: readonly Preset[] = ['default', 'web-optimized', 'hls', 'hls-adaptive', 'cmaf'];

export const QUALITIES: readonly Quality[] = ['144p', '240p', '360p', '480p', '720p', '1080p', '1440p', '2160p'];

/** Options shared by POST /api/upload and POST /api/jobs. */
export interface JobOptions {
  preset?: Preset;
  outputQualities?: Quality[];
  /** An MP4 download of one rung: a quality (the tallest made that is not taller) or "top". */
  download?: Quality | 'top';
  webhookUrl?: string;
  visibility?: Visibility;
  priority?: number;
  metadata?: Record<string, unknown>;
}

export interface Output {
  quality: string;
  url: string;
  [key: string]: unknown;
}

export interface JobTimestamps {
  createdAt?: string | null;
  uploadedAt?: string | null;
  queuedAt?: string | null;
  startedAt?: string | null;
  completedAt?: string | null;
}

/** A job as GET /api/jobs/{id} returns it. */
export interface Job {
  jobId: string;
  status: JobStatus;
  progress: number;
  machineId?: string | null;
  attempts?: number;
  outputs?: Output[];
  playlistUrl?: string | null;
  /** cmaf: the DASH manifest over the same segments as the playlist. */
  dashUrl?: string;
  posterUrl?: string | null;
  error?: string | null;
  timestamps?: JobTimestamps;
  filename?: string;
  preset?: Preset;
  [key: string]: unknown;
}

/** The answer of POST /api/upload: one presigned PUT, or a multipart upload. */
export type UploadTicket = PutUploadTicket | MultipartUploadTicket;

export interface PutUploadTicket {
  jobId: string;
  /** Absent from servers older than multipart uploads. */
  uploadMethod?: 'PUT';
  uploadUrl: string;
  expiresAt: string;
  inputKey: string;
}

export interface MultipartUploadTicket {
  jobId: string;
  uploadMethod: 'multipart';
  expiresAt: string;
  inputKey: string;
  multipart: MultipartTicket;
}

/** A presigned PUT URL for one part. */
export interface PartUrl {
  partNumber: number;
  url: string;
}

/** The `multipart` of POST /api/upload. Part n is bytes [(n-1)*partSize, min(n*partSize, size)). */
export interface MultipartTicket {
  uploadId: string;
  size: number;
  partSize: number;
  partCount: number;
  /** URLs for parts 1 to min(partCount, 1000). */
  parts: PartUrl[];
  /** POST {partNumbers} here (relative to the base URL) for other or fresh URLs. */
  partsUrl: string;
  /** POST {} here (relative to the base URL) once every part is stored. */
  completeUrl: string;
}

/** The answer of POST /api/uploads/{jobId}/parts. */
export interface PartUrlBatch {
  parts: PartUrl[];
  expiresAt: string;
}

/** A part the store has, as GET /api/uploads/{jobId} lists it. */
export interface UploadedPart {
  partNumber: number;
  size: number;
  etag?: string;
}

/**
 * The answer of GET /api/uploads/{jobId}. Only `jobId` and `status` once the job is no
 * longer `uploading`: failed or cancelled means the upload is over, any other status
 * that it was completed.
 */
export interface UploadState {
  jobId: string;
  status: JobStatus;
  uploadId?: string;
  size?: number;
  partSize?: number;
  partCount?: number;
  uploadedParts?: UploadedPart[];
  uploadedBytes?: number;
}

/** The answer of POST /api/uploads/{jobId}/complete. */
export interface CompletedUpload {
  jobId: string;
  status: JobStatus;
  [key: string]: unknown;
}

/** The answer of POST /api/jobs. */
export interface CreatedJob {
  jobId: string;
  status: JobStatus;
  queuedAt: string;
  [key: string]: unknown;
}

/** The answer of GET /api/jobs. */
export interface JobList {
  jobs: Job[];
  /** Pass as `cursor` to get the next page; null or absent on the last page. */
  nextCursor?: string | null;
  [key: string]: unknown;
}

/** The answer of GET /api/stats. */
export interface Stats {
  machines: {
    running: number;
    idle: number;
    starting: number;
    stopped: number;
    max: number;
    capacityAvailable: number | boolean;
  };
  pendingJobs: number;
  activeJobs: number;
  activeJobIds: string[];
  [key: string]: unknown;
}

/** Bytes sent so far during an upload. */
export interface UploadProgress {
  /** Bytes stored or on their way; a failed part's bytes are counted back out. */
  loaded: number;
  total: number;
  /** Multipart uploads only: parts the store has (from this or an earlier run)... */
  partsDone?: number;
  /** ...out of this many. */
  partCount?: number;
}

/** A status or progress step seen while waiting for a job. */
export interface JobProgress {
  jobId: string;
  status: JobStatus;
  progress: number;
  /** The event's or the poll's raw data. */
  data: Record<string, unknown>;
}
