// Riding out transient failures: which errors are worth another try (no answer,
// 429, 5xx), exponential backoff with jitter, and an abortable sleep. Pure
// helpers; nothing here is shared state.

import { ConnectionError, RateLimitError, TcoderError } from './errors.js';

/** How often and how patiently a request is tried again. */
export interface RetryPolicy {
  /** Tries in all, the first included (default 5). */
  attempts?: number;
  /** Delay before the second try; doubled for each try after it (default 500). */
  baseDelayMs?: number;
  /** Upper bound of one delay (default 15000). */
  maxDelayMs?: number;
}

export const DEFAULT_RETRY: Required<RetryPolicy> = { attempts: 5, baseDelayMs: 500, maxDelayMs: 15_000 };

export function retryPolicy(policy: RetryPolicy | undefined): Required<RetryPolicy> {
  const merged = { ...DEFAULT_RETRY, ...policy };
  if (!Number.isInteger(merged.attempts) || merged.attempts < 1) throw new TypeError('retry.attempts must be an integer >= 1');
  if (!(merged.baseDelayMs >= 0) || !(merged.maxDelayMs >= 0)) throw new TypeError('retry delays must be >= 0');
  return merged;
}

/** No answer at all, 429, or a 5xx: the same request may well succeed later. */
export function isTransient(error: unknown): boolean {
  if (error instanceof ConnectionError) return true;
  return error instanceof TcoderError && (error.status === 429 || error.status >= 500);
}

/**
 * The wait before try `attempt + 1` (attempt counts from 1): half of the exponential
 * step plus a random half of it, so many clients failing together spread out. A 429's
 * Retry-After wins when it is longer.
 */
export function backoffMs(attempt: number, policy: Required<RetryPolicy>, error?: unknown): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const jittered = step / 2 + Math.random() * (step / 2);
  const advised = error instanceof RateLimitError && error.retryAfter !== undefined ? error.retryAfter * 1000 : 0;
  return Math.max(jittered, advised);
}

/** Runs `fn` until it succeeds, fails for good, or the tries run out; rethrows the last error. */
export async function retrying<T>(fn: () => Promise<T>, policy: Required<RetryPolicy>, signal: AbortSignal): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if (!isTransient(error) || attempt >= policy.attempts) throw error;
      await sleep(backoffMs(attempt, policy, error), signal);
    }
  }
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
