import {
  isViemError,
  type RpcSource,
  rateLimitCodes,
  rateLimitSeconds,
  VerifierUnavailableError,
} from '@tx402/core'

/**
 * The `RpcSource` of an EVM chain, for core's `withRpcFault` / `rpcFault`: faults name the chain,
 * and a rate limit is read from anywhere in viem's error chain.
 *
 * @example await withRpcFault(rpcSource('base'), 'reading the receipt', () => client.getTransactionReceipt({ hash }))
 */
export function rpcSource(chain: string): RpcSource {
  return { chain, rateLimitOf: viemRateLimit }
}

/**
 * The wait a rate-limit answer asked for, from anywhere in viem's error chain: an HTTP 429's
 * `Retry-After`, or a JSON-RPC rate-limit code (`LimitExceededRpcError` -32005, code 429, …).
 */
function viemRateLimit(cause: unknown): number | undefined {
  // Any copy of viem: an app's client may not be made by the viem this package imports.
  if (!isViemError(cause)) return undefined
  // viem nests the answer: the status and headers, the code and its data sit on different links.
  let status: number | undefined
  let retryAfter: string | null | undefined
  let code: number | undefined
  let data: unknown
  ;(cause as { walk(fn: (error: unknown) => boolean): unknown }).walk((error) => {
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
