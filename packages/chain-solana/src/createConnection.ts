import { Connection } from '@solana/web3.js'
import { rateLimitSeconds, VerifierUnavailableError } from '@tx402/core'

/**
 * A web3.js `Connection` whose every request is aborted after `timeoutMs`, with no retry on
 * HTTP 429 (a payer waiting on a 402 is better served by a prompt 503 and `Retry-After`): a 429
 * throws `VerifierUnavailableError` carrying the provider's `Retry-After`.
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
    fetch: async (input, init) => {
      const response = await globalThis.fetch(input, {
        ...init,
        signal: AbortSignal.timeout(options.timeoutMs),
      })
      // web3.js drops the headers of a 429; Retry-After is read here, where they still exist.
      const retryAfterSeconds = rateLimitSeconds({
        status: response.status,
        retryAfter: response.headers.get('retry-after'),
      })
      if (retryAfterSeconds !== undefined) {
        await response.body?.cancel().catch(() => undefined)
        throw new VerifierUnavailableError('The Solana RPC is rate limiting requests (HTTP 429).', {
          retryAfterSeconds,
        })
      }
      return response
    },
  })
}
