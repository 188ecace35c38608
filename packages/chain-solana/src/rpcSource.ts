import { SolanaJSONRPCError } from '@solana/web3.js'
import { type RpcSource, rateLimitSeconds, VerifierUnavailableError } from '@tx402/core'

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
  for (let error = cause; error instanceof Error; error = error.cause) {
    if (error instanceof VerifierUnavailableError) return error.retryAfterSeconds
    if (error instanceof SolanaJSONRPCError) return rateLimitSeconds({ error })
  }
  return undefined
}
