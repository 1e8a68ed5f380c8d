// Waits for a job to end: follows GET /api/jobs/{id}/events (SSE over fetch,
// reconnecting with Last-Event-ID) and falls back to polling GET /api/jobs/{id}
// when the event stream is unavailable. One waiter per call; not shared.

import { RateLimitError, errorFromResponse } from './errors.js';
import { isTransient, sleep } from './retry.js';
import { SseParser, readSseEvents } from './sse.js';
import { TERMINAL_STATUSES } from './types.js';
import type { Job, JobProgress, JobStatus } from './types.js';

/** What the waiter needs from the client (a seam for tests). */
export interface WaitDeps {
  getStatus(jobId: string, signal: AbortSignal): Promise<Job>;
  openEvents(jobId: string, lastEventId: string | undefined, signal: AbortSignal): Promise<Response>;
}

export interface WaiterOptions {
  onProgress?: ((progress: JobProgress) => void) | undefined;
  pollIntervalMs: number;
  useSse: boolean;
}

/** Consecutive event-stream connections without any event before switching to polling. */
const MAX_EMPTY_CONNECTIONS = 3;
/** Consecutive transient polling failures (5xx, 429, network) tolerated. */
const MAX_POLL_FAILURES = 5;
const DEFAULT_RECONNECT_MS = 1000;
const MAX_RECONNECT_MS = 60_000;

type StreamOutcome = 'terminal' | 'ended' | 'unavailable';

export function isTerminal(status: string | undefined): boolean {
  return status !== undefined && (TERMINAL_STATUSES as readonly string[]).includes(status);
}

export class JobWaiter {
  private lastEventId: string | undefined;
  private reconnectMs = DEFAULT_RECONNECT_MS;
  private status: JobStatus | undefined;
  private progress: number | undefined;

  constructor(
    private readonly deps: WaitDeps,
    private readonly jobId: string,
    private readonly options: WaiterOptions,
    private readonly signal: AbortSignal,
  ) {}

  /** The job's final record once it is completed, failed or cancelled. */
  async run(): Promise<Job> {
    return this.options.useSse ? this.follow() : this.poll();
  }

  private async follow(): Promise<Job> {
    let emptyConnections = 0;
    for (;;) {
      const before = this.lastEventId;
      const { outcome, events } = await this.streamOnce();
      if (outcome === 'unavailable') return this.poll();
      const job = await this.fetchWithRetry();
      if (outcome === 'terminal' || isTerminal(job.status)) return job;
      emptyConnections = events > 0 || before !== this.lastEventId ? 0 : emptyConnections + 1;
      if (emptyConnections >= MAX_EMPTY_CONNECTIONS) return this.poll();
      await sleep(this.reconnectMs, this.signal);
    }
  }

  /** One connection to the event stream, read until it ends or reports a terminal status. */
  private async streamOnce(): Promise<{ outcome: StreamOutcome; events: number }> {
    let response: Response;
    try {
      response = await this.deps.openEvents(this.jobId, this.lastEventId, this.signal);
    } catch (error) {
      if (this.signal.aborted) throw error;
      return { outcome: 'unavailable', events: 0 };
    }
    if (response.status === 401) throw errorFromResponse(401, response.headers, await response.text());
    const type = response.headers.get('content-type') ?? '';
    if (!response.ok || !response.body || !type.toLowerCase().startsWith('text/event-stream')) {
      await response.body?.cancel().catch(() => undefined);
      return { outcome: 'unavailable', events: 0 };
    }
    return this.readStream(response.body);
  }

  private async readStream(body: ReadableStream<Uint8Array>): Promise<{ outcome: StreamOutcome; events: number }> {
    const parser = new SseParser();
    let events = 0;
    try {
      for await (const event of readSseEvents(body, parser)) {
        events++;
        if (event.id !== undefined) this.lastEventId = event.id;
        if (this.onEvent(event.event, event.data)) return { outcome: 'terminal', events };
      }
    } catch (error) {
      if (this.signal.aborted) throw error;
      // The connection dropped mid-stream: reconnect like a normal end.
    } finally {
      if (parser.retryMs !== undefined) this.reconnectMs = Math.min(parser.retryMs, MAX_RECONNECT_MS);
    }
    return { outcome: 'ended', events };
  }

  /** Applies one event; true when it says the job ended. */
  private onEvent(name: string, text: string): boolean {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      return false; // not JSON: nothing we understand
    }
    if (data === null || typeof data !== 'object' || Array.isArray(data)) return false;
    const record = data as Record<string, unknown>;
    const status = typeof record.status === 'string' ? record.status : isTerminal(name) ? name : undefined;
    this.report(status as JobStatus | undefined, record.progress, record);
    return isTerminal(status);
  }

  private async poll(): Promise<Job> {
    for (;;) {
      const job = await this.fetchWithRetry();
      if (isTerminal(job.status)) return job;
      await sleep(this.options.pollIntervalMs, this.signal);
    }
  }

  /** GET /api/jobs/{id}, riding out a few transient failures; reports the job's progress. */
  private async fetchWithRetry(): Promise<Job> {
    for (let failures = 0; ; failures++) {
      try {
        const job = await this.deps.getStatus(this.jobId, this.signal);
        this.report(job.status, job.progress, job);
        return job;
      } catch (error) {
        if (this.signal.aborted || !isTransient(error) || failures >= MAX_POLL_FAILURES) throw error;
        await sleep(retryDelayMs(error, failures, this.options.pollIntervalMs), this.signal);
      }
    }
  }

  private report(status: JobStatus | undefined, progress: unknown, data: Record<string, unknown>): void {
    const nextStatus = status ?? this.status;
    const nextProgress = typeof progress === 'number' && Number.isFinite(progress) ? progress : this.progress;
    if (nextStatus === undefined) return;
    if (nextStatus === this.status && nextProgress === this.progress) return;
    this.status = nextStatus;
    this.progress = nextProgress;
    this.options.onProgress?.({ jobId: this.jobId, status: nextStatus, progress: nextProgress ?? 0, data });
  }
}

function retryDelayMs(error: unknown, failures: number, base: number): number {
  if (error instanceof RateLimitError && error.retryAfter !== undefined) return error.retryAfter * 1000;
  return Math.min(30_000, base * 2 ** failures);
}
