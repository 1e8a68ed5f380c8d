// Runs one task per item with at most `concurrency` in flight, in the items' order.
// The first failure stops the pool: no task starts after it, the signal handed to
// the running ones aborts, and the failure is rethrown once they have all settled.

/**
 * Resolves when every task succeeded. Rejects with the first task's error, or with
 * `signal`'s reason when the caller aborted (which aborts the running tasks too).
 */
export async function runPool<T>(
  items: readonly T[],
  concurrency: number,
  task: (item: T, signal: AbortSignal) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  if (signal?.aborted) throw signal.reason;
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && !controller.signal.aborted && next < items.length) {
      try {
        await task(items[next++] as T, controller.signal);
      } catch (error) {
        failure ??= { error };
        controller.abort(error);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  if (signal?.aborted) throw signal.reason;
  if (failure !== undefined) throw failure.error;
}
