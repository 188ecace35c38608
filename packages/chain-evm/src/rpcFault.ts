import { rateLimitCodes, rateLimitSeconds, VerifierUnavailableError } from '@tx402/core'
import { BaseError as ViemBaseError } from 'viem'

const url = /\b[a-z][a-z0-9+.-]*:\/\/\S+/gi

/**
 * Runs an RPC step and turns any failure (HTTP error, timeout, JSON-RPC error) into a
 * `VerifierUnavailableError`: answered 503, nothing consumed. The message names the chain and the
 * kind of failure but never an RPC URL, which often carries an API key.
 *
 * @example const receipt = await withRpcFault('base', 'reading the receipt', () => client.getTransactionReceipt({ hash }))
 */
export async function withRpcFault<T>(
  chain: string,
  step: string,
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run()
  } catch (error) {
    throw rpcFault(chain, step, error)
  }
}

/**
 * The `VerifierUnavailableError` for an RPC failure, with URLs scrubbed from its text.
 *
 * @example throw rpcFault('base', 'checking the chain id', error)
 */
export function rpcFault(chain: string, step: string, cause: unknown): VerifierUnavailableError {
  if (cause instanceof VerifierUnavailableError) return cause
  const kind = cause instanceof Error ? cause.name : 'unknown error'
  const detail =
    cause instanceof Error
      ? ((cause as { shortMessage?: string }).shortMessage ?? cause.message).split('\n')[0]!
      : String(cause)
  const retryAfterSeconds = rateLimitOf(cause)
  return new VerifierUnavailableError(`The ${chain} RPC failed while ${step} (${kind}).`, {
    details: detail.replace(url, '<rpc url>').slice(0, 300),
    cause,
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  })
}

/**
 * The wait a rate-limit answer asked for, from anywhere in viem's error chain: an HTTP 429's
 * `Retry-After`, or a JSON-RPC rate-limit code (`LimitExceededRpcError` -32005, code 429, …).
 */
function rateLimitOf(cause: unknown): number | undefined {
  if (!(cause instanceof ViemBaseError)) return undefined
  // viem nests the answer: the status and headers, the code and its data sit on different links.
  let status: number | undefined
  let retryAfter: string | null | undefined
  let code: number | undefined
  let data: unknown
  cause.walk((error) => {
    const fields = error as { status?: unknown; headers?: unknown; code?: unknown; data?: unknown }
    if (fields.status === 429) status = 429
    if (fields.headers instanceof Headers) retryAfter ??= fields.headers.get('retry-after')
    if (typeof fields.code === 'number' && rateLimitCodes.has(fields.code)) code ??= fields.code
    if (fields.data && typeof fields.data === 'object') data ??= fields.data
    return false
  })
  return rateLimitSeconds({ status, retryAfter, error: { code, data } })
}

/**
 * The `VerifierUnavailableError` for an RPC that answers `eth_chainId` with another chain id.
 *
 * @example throw wrongChainError('base', 1, 8453)
 */
export function wrongChainError(
  chain: string,
  answered: number,
  expected: number,
): VerifierUnavailableError {
  return new VerifierUnavailableError(
    `The ${chain} RPC serves chain id ${answered}, not ${expected}: no payment is verified on it.`,
    { details: 'Point rpcUrls at nodes of the configured network.' },
  )
}
