import { findError, type RpcSource, rateLimitSeconds, VerifierUnavailableError } from '@tx402/core'

/**
 * The `RpcSource` of a Solana chain, for core's `withRpcFault` / `rpcFault`: faults name the
 * chain, and a rate limit is read from web3.js's JSON-RPC error, or from the HTTP 429 that
 * `createConnection` turned into a `VerifierUnavailableError` before web3.js dropped its headers.
 *
 * @example await withRpcFault(rpcSource('solana'), 'reading the genesis hash', () => connection.getGenesisHash())
 */
export function rpcSource(chain: string): RpcSource {
  return { chain, rateLimitOf: solanaRateLimit }
}

function solanaRateLimit(cause: unknown): number | undefined {
  const found = findError(
    cause,
    (error) => error instanceof VerifierUnavailableError || isSolanaJsonRpcError(error),
  )
  if (found instanceof VerifierUnavailableError) return found.retryAfterSeconds
  return found
    ? rateLimitSeconds({ error: found as { code?: unknown; data?: unknown } })
    : undefined
}

/**
 * True for web3.js's `SolanaJSONRPCError` (the node's JSON-RPC error: `code`, `data`) of any copy
 * of web3.js, by its `name`: the app's `Connection` may come from another copy than this
 * package's, and `instanceof` across copies is false.
 *
 * @example if (isSolanaJsonRpcError(error) && error.code === -32015) return 'unsupported'
 */
export function isSolanaJsonRpcError(
  error: unknown,
): error is Error & { code: unknown; data?: unknown } {
  return error instanceof Error && error.name === 'SolanaJSONRPCError'
}
