// A tiny scripted HTTP server for the unit tests: routes are "METHOD /path"
// handlers; every request is recorded with its headers and body bytes.
// FakeUploads puts the upload routes of docs/api.md on one: single PUT and
// multipart uploads, with storage's part PUTs and injectable faults.

import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  url: URL;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export type Handler = (req: RecordedRequest, res: http.ServerResponse) => void | Promise<void>;

export class FakeServer {
  readonly requests: RecordedRequest[] = [];
  private readonly routes = new Map<string, Handler>();
  private readonly server = http.createServer((req, res) => void this.handle(req, res));
  baseUrl = '';

  static async start(): Promise<FakeServer> {
    const fake = new FakeServer();
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    fake.baseUrl = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  on(route: string, handler: Handler): this {
    this.routes.set(route, handler);
    return this;
  }

  off(route: string): this {
    this.routes.delete(route);
    return this;
  }

  /** Requests whose "METHOD /path" equals route. */
  seen(route: string): RecordedRequest[] {
    return this.requests.filter((r) => `${r.method} ${r.path}` === route);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** A request the client gave up on mid-body is dropped unrecorded. */
  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of req) chunks.push(chunk as Buffer);
    } catch {
      res.destroy();
      return;
    }
    const url = new URL(req.url ?? '/', this.baseUrl);
    const recorded = { method: req.method ?? '', path: url.pathname, url, headers: req.headers, body: Buffer.concat(chunks) };
    this.requests.push(recorded);
    const handler = this.routes.get(`${recorded.method} ${recorded.path}`);
    if (!handler) return json(res, 404, { error: `no route ${recorded.method} ${recorded.path}` });
    await handler(recorded, res);
  }
}

export function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export function job(jobId: string, status: string, progress: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { jobId, status, progress, outputs: [], playlistUrl: null, posterUrl: null, error: null, ...extra };
}

/** A fault a part PUT answers with instead of storing the part. */
export type PartFault = 500 | 403 | 'drop';

export interface FakeUploadsOptions {
  /** Part size of multipart uploads (the real minimum of 5 MiB does not apply). */
  partSize: number;
  /** A size above this is multipart unless the body says "multipart": false (default 100 MiB). */
  threshold?: number;
  /** Part PUTs wait this long before answering (default 0). */
  putDelayMs?: number;
}

/** One job as the fake control plane and store see it. */
export interface FakeUpload {
  jobId: string;
  inputKey: string;
  status: string;
  multipart: boolean;
  uploadId: string;
  size: number;
  partSize: number;
  partCount: number;
  parts: Map<number, Buffer>;
  /** The input once uploaded: the single PUT's body, or the parts joined at complete. */
  input?: Buffer;
}

const MAX_URLS = 1000;

/**
 * The upload side of the API (POST /api/upload, GET /api/uploads/{id}, its parts and
 * complete routes, DELETE /api/jobs/{id}) and the store's PUT URLs (/s3/put, /s3/part),
 * which answer S3's XML errors. Presigned URLs carry the time they were issued;
 * expireUrls() makes every URL issued so far answer 403.
 */
export class FakeUploads {
  readonly jobs = new Map<string, FakeUpload>();
  readonly options: Required<FakeUploadsOptions>;
  /** Part PUTs being handled now, and the most there ever were at once. */
  inFlight = 0;
  maxInFlight = 0;
  /** Called after a part is stored. */
  onPartStored: ((job: FakeUpload, partNumber: number) => void) | undefined;
  /** Called before complete checks the parts. */
  beforeComplete: ((job: FakeUpload) => void) | undefined;
  /** URLs in the next tickets are already expired. */
  ticketUrlsExpired = false;
  private readonly faults = new Map<number, PartFault[]>();
  private clock = 1;
  private validFrom = 0;
  private nextJob = 1;

  constructor(
    private readonly server: FakeServer,
    options: FakeUploadsOptions,
  ) {
    this.options = { threshold: 100 * 1024 * 1024, putDelayMs: 0, ...options };
    server.on('POST /api/upload', (req, res) => this.create(req, res));
    server.on('PUT /s3/put', (req, res) => this.putWhole(req, res));
    server.on('PUT /s3/part', (req, res) => this.putPart(req, res));
  }

  /** The next `times` PUTs of part `partNumber` (of any upload) answer `fault`. */
  fail(partNumber: number, fault: PartFault, times = 1): void {
    const queue = this.faults.get(partNumber) ?? [];
    for (let i = 0; i < times; i++) queue.push(fault);
    this.faults.set(partNumber, queue);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** Every URL handed out so far now answers 403 (Request has expired). */
  expireUrls(): void {
    this.validFrom = ++this.clock;
  }

  /** The job disappears: its routes answer 404. */
  forget(jobId: string): void {
    this.jobs.delete(jobId);
    for (const route of jobRoutes(jobId)) this.server.off(route);
  }

  /** Part PUTs the store received for the upload, in order (all of them, failed ones too). */
  partPuts(job: FakeUpload): RecordedRequest[] {
    return this.server.seen('PUT /s3/part').filter((r) => r.url.searchParams.get('uploadId') === job.uploadId);
  }

  only(): FakeUpload {
    const last = [...this.jobs.values()].at(-1);
    if (last === undefined) throw new Error('no upload yet');
    return last;
  }

  private create(req: RecordedRequest, res: http.ServerResponse): void {
    const body = JSON.parse(req.body.toString()) as { filename?: string; size?: number; multipart?: boolean };
    if (typeof body.filename !== 'string' || body.filename === '') return json(res, 400, { error: 'invalid filename: empty' });
    const size = body.size;
    const multipart = body.multipart === true || (body.multipart !== false && size !== undefined && size > this.options.threshold);
    if (multipart && size === undefined) return json(res, 400, { error: 'a multipart upload needs size' });
    const job = this.newJob(body.filename, multipart, size ?? 0);
    const common = { bucket: 'tcoder-input', expiresAt: '2026-01-01T01:00:00.000Z', inputKey: job.inputKey, jobId: job.jobId };
    if (!multipart) return json(res, 200, { ...common, uploadMethod: 'PUT', uploadUrl: `${this.server.baseUrl}/s3/put?job=${job.jobId}` });
    const issued = this.ticketUrlsExpired ? this.validFrom - 1 : this.clock;
    const first = Array.from({ length: Math.min(job.partCount, MAX_URLS) }, (_, i) => this.partUrl(job, i + 1, issued));
    const { uploadId, partSize, partCount } = job;
    const paths = { partsUrl: `/api/uploads/${job.jobId}/parts`, completeUrl: `/api/uploads/${job.jobId}/complete` };
    json(res, 201, { ...common, uploadMethod: 'multipart', multipart: { uploadId, size, partSize, partCount, parts: first, ...paths } });
  }

  private newJob(filename: string, multipart: boolean, size: number): FakeUpload {
    const jobId = `j_${this.nextJob++}`;
    const partSize = this.options.partSize;
    const partCount = multipart ? Math.ceil(size / partSize) : 0;
    const job = { jobId, inputKey: `uploads/${jobId}/${filename}`, status: 'uploading', multipart, uploadId: `u-${jobId}`, size, partSize, partCount, parts: new Map() };
    this.jobs.set(jobId, job);
    this.server.on(`GET /api/uploads/${jobId}`, (_req, res) => this.state(job, res));
    this.server.on(`POST /api/uploads/${jobId}/parts`, (r, res) => this.urls(job, r, res));
    this.server.on(`POST /api/uploads/${jobId}/complete`, (_req, res) => this.complete(job, res));
    this.server.on(`DELETE /api/jobs/${jobId}`, (_req, res) => this.cancel(job, res));
    return job;
  }

  private partUrl(job: FakeUpload, partNumber: number, issued: number): { partNumber: number; url: string } {
    const query = `uploadId=${job.uploadId}&partNumber=${partNumber}&issued=${issued}&X-Amz-Signature=sig`;
    return { partNumber, url: `${this.server.baseUrl}/s3/part?${query}` };
  }

  private state(job: FakeUpload, res: http.ServerResponse): void {
    if (!job.multipart) return json(res, 409, { error: 'not a multipart upload' });
    if (job.status !== 'uploading') return json(res, 200, { jobId: job.jobId, status: job.status });
    const uploadedParts = [...job.parts.entries()]
      .sort(([a], [b]) => a - b)
      .map(([partNumber, bytes]) => ({ partNumber, size: bytes.length, etag: etag(bytes) }));
    const uploadedBytes = uploadedParts.reduce((sum, p) => sum + p.size, 0);
    const { jobId, status, uploadId, size, partSize, partCount } = job;
    json(res, 200, { jobId, status, uploadId, size, partSize, partCount, uploadedParts, uploadedBytes });
  }

  private urls(job: FakeUpload, req: RecordedRequest, res: http.ServerResponse): void {
    const numbers = (JSON.parse(req.body.toString()) as { partNumbers?: unknown }).partNumbers;
    const valid = (n: unknown): boolean => Number.isInteger(n) && (n as number) >= 1 && (n as number) <= job.partCount;
    if (!Array.isArray(numbers) || numbers.length === 0 || numbers.length > MAX_URLS || !numbers.every(valid)) {
      return json(res, 400, { error: 'invalid partNumbers' });
    }
    if (new Set(numbers).size !== numbers.length) return json(res, 400, { error: 'repeated partNumbers' });
    if (job.status !== 'uploading') return json(res, 409, { error: `job is ${job.status}` });
    const issued = this.clock;
    json(res, 200, { parts: numbers.map((n: number) => this.partUrl(job, n, issued)), expiresAt: '2026-01-01T02:00:00.000Z' });
  }

  private complete(job: FakeUpload, res: http.ServerResponse): void {
    if (job.status === 'failed' || job.status === 'cancelled') return json(res, 409, { error: `job is ${job.status}` });
    if (job.status !== 'uploading') return json(res, 200, { jobId: job.jobId, status: job.status });
    this.beforeComplete?.(job);
    const missing: number[] = [];
    for (let n = 1; n <= job.partCount; n++) if (!job.parts.has(n)) missing.push(n);
    if (missing.length > 0) return json(res, 400, { error: `${missing.length} parts missing`, details: { missing: missing.slice(0, 100) } });
    for (let n = 1; n <= job.partCount; n++) {
      const want = Math.min(job.partSize, job.size - (n - 1) * job.partSize);
      const got = job.parts.get(n)?.length ?? 0;
      if (got !== want) return json(res, 400, { error: `part ${n} has ${got} bytes, expected ${want}`, details: { partNumber: n } });
    }
    job.input = Buffer.concat(Array.from({ length: job.partCount }, (_, i) => job.parts.get(i + 1) as Buffer));
    job.status = 'queued';
    json(res, 200, { jobId: job.jobId, status: job.status });
  }

  private cancel(job: FakeUpload, res: http.ServerResponse): void {
    job.status = 'cancelled';
    job.parts.clear();
    json(res, 200, { jobId: job.jobId, status: job.status });
  }

  private putWhole(req: RecordedRequest, res: http.ServerResponse): void {
    const job = this.jobs.get(req.url.searchParams.get('job') ?? '');
    if (job === undefined || job.status !== 'uploading') return s3Error(res, 404, 'NoSuchKey', 'no such upload');
    job.input = req.body;
    job.status = 'queued';
    res.writeHead(200, { ETag: etag(req.body) });
    res.end();
  }

  private async putPart(req: RecordedRequest, res: http.ServerResponse): Promise<void> {
    const query = req.url.searchParams;
    const job = [...this.jobs.values()].find((j) => j.uploadId === query.get('uploadId'));
    const partNumber = Number(query.get('partNumber'));
    if (job === undefined || job.status !== 'uploading') return s3Error(res, 404, 'NoSuchUpload', 'The specified upload does not exist.');
    if (Number(query.get('issued')) < this.validFrom) return s3Error(res, 403, 'AccessDenied', 'Request has expired');
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.options.putDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.options.putDelayMs));
      const fault = this.faults.get(partNumber)?.shift();
      if (fault !== undefined) return answerFault(res, fault);
      job.parts.set(partNumber, req.body);
      res.writeHead(200, { ETag: etag(req.body) });
      res.end();
      this.onPartStored?.(job, partNumber);
    } finally {
      this.inFlight -= 1;
    }
  }
}

function jobRoutes(jobId: string): string[] {
  return [`GET /api/uploads/${jobId}`, `POST /api/uploads/${jobId}/parts`, `POST /api/uploads/${jobId}/complete`, `DELETE /api/jobs/${jobId}`];
}

function answerFault(res: http.ServerResponse, fault: PartFault): void {
  if (fault === 'drop') return void res.socket?.destroy();
  if (fault === 403) return s3Error(res, 403, 'AccessDenied', 'Request has expired');
  s3Error(res, 500, 'InternalError', 'We encountered an internal error. Please try again.');
}

function s3Error(res: http.ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'Content-Type': 'application/xml' });
  res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`);
}

function etag(bytes: Buffer): string {
  return `"${createHash('md5').update(bytes).digest('hex')}"`;
}
