/** First wait when the server gives no Retry-After, in ms; it doubles on each retry. */
export const initialBackoffMs = 500
/** Longest wait between two retries when the server gives no Retry-After, in ms. */
export const maxBackoffMs = 8_000

/**
 * How long to wait before retry number `attempt` (0 first): the server's `Retry-After` (seconds
 * or an HTTP date) when it gives one, else exponential backoff from 500 ms up to 8 s.
 *
 * @example retryDelay('2', 0) // 2000
 * @example retryDelay(null, 3) // 4000
 */
export function retryDelay(
  retryAfter: string | null | undefined,
  attempt: number,
  now = Date.now(),
): number {
  const given = parseRetryAfter(retryAfter, now)
  if (given !== undefined) return given
  return Math.min(maxBackoffMs, initialBackoffMs * 2 ** Math.min(attempt, 16))
}

/**
 * Parses a `Retry-After` header into milliseconds from `now`; undefined when absent or invalid.
 *
 * @example parseRetryAfter('3') // 3000
 */
export function parseRetryAfter(
  value: string | null | undefined,
  now = Date.now(),
): number | undefined {
  if (!value) return undefined
  const trimmed = value.trim()
  if (/^[0-9]+$/.test(trimmed)) return Number(trimmed) * 1000
  const date = Date.parse(trimmed)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

/**
 * Resolves after `ms`, or rejects with the signal's reason when it aborts first.
 *
 * @example await sleep(1000, init.signal)
 */
export function sleep(ms: number, signal?: AbortSignal | null): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
