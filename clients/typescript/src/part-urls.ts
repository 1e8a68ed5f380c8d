// The presigned URL of each part of one multipart upload: the ones its ticket came
// with, and batches of up to 1000 more fetched through partsUrl when a part needs one
// (parts past 1000, a resumed upload, or fresh ones after a 403 when they expired).
// One instance per upload; concurrent callers share the one fetch in flight.

import { TcoderError } from './errors.js';
import type { PartUrl, PartUrlBatch } from './types.js';

/** POST {partsUrl} {"partNumbers": [...]}. */
export type FetchPartUrls = (partNumbers: number[], signal: AbortSignal) => Promise<PartUrlBatch>;

/** A URL and the batch it came in (0: the ticket's), for expiring a whole batch at once. */
export interface PartLink {
  url: string;
  generation: number;
}

/** The server takes at most this many part numbers per request. */
export const MAX_URLS_PER_REQUEST = 1000;

export class PartUrls {
  private readonly links = new Map<number, PartLink>();
  private readonly stored = new Set<number>();
  private generation = 0;
  private inFlight: Promise<void> | undefined;

  /** `order` is the order parts are sent in; a batch is taken from it. */
  constructor(
    private readonly order: readonly number[],
    initial: readonly PartUrl[],
    private readonly fetchUrls: FetchPartUrls,
  ) {
    for (const part of initial) this.links.set(part.partNumber, { url: part.url, generation: 0 });
  }

  /** The part's URL; when none is known, fetches one batch: this part and the next ones without a URL. */
  async get(partNumber: number, signal: AbortSignal): Promise<PartLink> {
    for (;;) {
      const link = this.links.get(partNumber);
      if (link !== undefined) return link;
      if (this.inFlight !== undefined) {
        await this.inFlight;
        continue;
      }
      this.inFlight = this.fetchBatch(partNumber, signal).finally(() => (this.inFlight = undefined));
      await this.inFlight;
      const fetched = this.links.get(partNumber);
      if (fetched === undefined) throw new TcoderError(`the server gave no URL for part ${partNumber}`);
      return fetched;
    }
  }

  /** Forgets every URL handed out with or before the given one: they have expired. */
  expire(generation: number): void {
    for (const [partNumber, link] of this.links) if (link.generation <= generation) this.links.delete(partNumber);
  }

  /** The part is in the store: it needs no URL any more. */
  markStored(partNumber: number): void {
    this.stored.add(partNumber);
    this.links.delete(partNumber);
  }

  private async fetchBatch(first: number, signal: AbortSignal): Promise<void> {
    const batch = await this.fetchUrls(this.batchFrom(first), signal);
    const generation = ++this.generation;
    for (const part of batch.parts ?? []) this.links.set(part.partNumber, { url: part.url, generation });
  }

  /** `first`, then the parts after it in sending order (wrapping round) that are neither stored nor have a URL. */
  private batchFrom(first: number): number[] {
    const numbers = [first];
    const at = this.order.indexOf(first);
    for (let i = 1; i < this.order.length && numbers.length < MAX_URLS_PER_REQUEST; i++) {
      const partNumber = this.order[(at + i) % this.order.length] as number;
      if (partNumber !== first && !this.links.has(partNumber) && !this.stored.has(partNumber)) numbers.push(partNumber);
    }
    return numbers;
  }
}
