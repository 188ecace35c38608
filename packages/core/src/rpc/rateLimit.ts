/**
 * JSON-RPC error codes providers answer when a caller sends too much: 429 (Alchemy, several
 * Solana providers), -32005 (EIP-1474 "limit exceeded"; Infura), -32007 (QuickNode's request
 * limit), -32429 (Helius).
 */
export const rateLimitCodes: ReadonlySet<number> = new Set([429, -32005, -32007, -32429])

/** Seconds waited after a rate-limit answer that gives no hint. */
export const defaultRateLimitSeconds = 5
/** The longest wait a provider's hint is taken for (a runaway header is not a week of silence). */
const maxRetryAfterSeconds = 600

/**
 * When an RPC answer is a rate limit (HTTP 429, or a JSON-RPC error with a rate-limit code),
 * the seconds to wait before asking again: the HTTP `Retry-After` (seconds or HTTP date, RFC 9110
 * section 10.2.3), else the error's `data.backoff_seconds` / `data.rate.backoff_seconds` (Infura)
 * or `data.retryAfter`, else `defaultRateLimitSeconds`; at least 1, at most 600. Undefined for
 * any other answer.
 *
 * @example rateLimitSeconds({ status: 429, retryAfter: '3' }) // 3
 * @example rateLimitSeconds({ error: { code: -32005, data: { backoff_seconds: 12 } } }) // 12
 */
export function rateLimitSeconds(answer: {
  status?: number | undefined
  retryAfter?: string | null | undefined
  error?: { code?: unknown; data?: unknown } | undefined
  now?: number
}): number | undefined {
  const code = answer.error?.code
  const limited = answer.status === 429 || (typeof code === 'number' && rateLimitCodes.has(code))
  if (!limited) return undefined
  const hinted =
    fromHeader(answer.retryAfter, answer.now ?? Date.now()) ?? fromData(answer.error?.data)
  const seconds = hinted ?? defaultRateLimitSeconds
  return Math.min(maxRetryAfterSeconds, Math.max(1, Math.ceil(seconds)))
}

function fromHeader(value: string | null | undefined, now: number): number | undefined {
  if (!value) return undefined
  const trimmed = value.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed)
  const date = Date.parse(trimmed)
  return Number.isNaN(date) ? undefined : Math.max(0, (date - now) / 1000)
}

function fromData(data: unknown): number | undefined {
  if (!data || typeof data !== 'object') return undefined
  const record = data as Record<string, unknown>
  const rate = record.rate as Record<string, unknown> | undefined
  for (const value of [record.backoff_seconds, rate?.backoff_seconds, record.retryAfter]) {
    const seconds = typeof value === 'string' ? Number(value) : value
    if (typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0) return seconds
  }
  return undefined
}
