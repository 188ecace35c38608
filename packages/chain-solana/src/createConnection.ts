import { Connection } from '@solana/web3.js'
import { VerifierUnavailableError } from '@tx402/core'

/**
 * A web3.js `Connection` whose every request is aborted after `timeoutMs`, with no retry on
 * HTTP 429 (a payer waiting on a 402 is better served by a prompt 503 and `Retry-After`).
 *
 * @example const connection = createConnection({ rpcUrl, commitment: 'confirmed', timeoutMs: 10_000 })
 */
export function createConnection(options: {
  rpcUrl: string
  commitment: 'confirmed' | 'finalized'
  timeoutMs: number
}): Connection {
  return new Connection(options.rpcUrl, {
    commitment: options.commitment,
    disableRetryOnRateLimit: true,
    httpAgent: false,
    fetch: (input, init) =>
      globalThis.fetch(input, { ...init, signal: AbortSignal.timeout(options.timeoutMs) }),
  })
}

/**
 * Runs one RPC call; any failure (network, timeout, HTTP or JSON-RPC error) becomes a
 * `VerifierUnavailableError` whose message names the call but never the RPC URL.
 *
 * @example const slot = await callRpc('getSlot', () => connection.getSlot())
 */
export async function callRpc<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (cause) {
    throw new VerifierUnavailableError(`The Solana RPC failed or timed out (${what}).`, { cause })
  }
}
