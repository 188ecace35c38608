import type { Ledger } from '../ledger.js'
import {
  type ClientLimiter,
  memoryClientLimiter,
  notFoundCache,
  type VerificationLimits,
} from './limits.js'
import { refuse } from './refusal.js'
import type { Admission, SchemeAttempt } from './types.js'

/**
 * Step 2, admit: the limits on unpaid verification work of one route (`Admission`). The admission of one route: the negative cache and the concurrency cap are this process's;
 * the per-client limit is the ledger's (`ledger.clientLimiter`, shared by its processes) when it
 * offers one, else this process's. Attempts with a valid challenge (checked by `readAttempt`:
 * this route's HMAC, not expired) and those without have a cap and a per-client count each
 * (`maxConcurrentVerifications` and `perClient` apply to both): a challenge costs a round trip
 * to this server and is bound to the route, a random hash costs nothing.
 *
 * @example
 * const admission = admissionFor({ perClient: { max: 30, windowMs: 60_000 } }, ledger)
 * const admitted = await admission.admit(attempt, request.client)
 */
export function admissionFor(limits: VerificationLimits | undefined, ledger: Ledger): Admission {
  const notFoundMs = limits?.notFoundCacheMs ?? 5_000
  const maxConcurrent = limits?.maxConcurrentVerifications ?? 32
  const notFound = notFoundCache(notFoundMs)
  const perClient: ClientLimiter | undefined = limits?.perClient
    ? (ledger.clientLimiter?.(limits.perClient) ?? memoryClientLimiter(limits.perClient))
    : undefined
  const inFlight = new Map<string, number>()
  const key = ({ network, id }: SchemeAttempt) => JSON.stringify([network, id])

  return {
    async admit(attempt, client) {
      const waitMs = notFound.remainingMs(key(attempt))
      if (waitMs > 0) {
        // Retry-After: when this server will ask the chain again (its RPC may lag the payer's).
        return refuse(
          'tx_not_found',
          'No such transaction on this chain. Pay per accepts, then retry.',
          Math.ceil(waitMs / 1000),
        )
      }
      const lane = attempt.challenged ? 'challenged' : 'bare'
      if (perClient && client !== undefined) {
        const wait = await perClient.take(attempt.challenged ? `challenged ${client}` : client)
        if (wait > 0) {
          return refuse(
            'rate_limited',
            `Too many payment attempts. Retry after ${wait} seconds.`,
            wait,
          )
        }
      }
      const pool = JSON.stringify([attempt.chain, lane])
      if ((inFlight.get(pool) ?? 0) >= maxConcurrent) {
        return refuse(
          'rate_limited',
          'Too many payments are being verified. Retry after Retry-After seconds.',
          1,
        )
      }
      // The slot is taken at the check, in the same tick: a burst would otherwise pass the check
      // together while the RPC calls are awaited.
      inFlight.set(pool, (inFlight.get(pool) ?? 0) + 1)
      let held = true
      return {
        free() {
          if (!held) return
          held = false
          inFlight.set(pool, (inFlight.get(pool) ?? 1) - 1)
        },
      }
    },
    notFound(attempt, refusal) {
      if (!notFound.add(key(attempt))) return refusal
      return { ...refusal, retryAfterSeconds: Math.ceil(notFoundMs / 1000) }
    },
  }
}
