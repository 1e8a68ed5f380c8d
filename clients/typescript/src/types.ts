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

/** The answer of POST /api/upload. */
export interface UploadTicket {
  jobId: string;
  uploadUrl: string;
  expiresAt: string;
  inputKey: string;
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
  loaded: number;
  total: number;
}

/** A status or progress step seen while waiting for a job. */
export interface JobProgress {
  jobId: string;
  status: JobStatus;
  progress: number;
  /** The event's or the poll's raw data. */
  data: Record<string, unknown>;
}
