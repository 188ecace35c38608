import { assetId } from '../assetId.js'
import type { VerifyResult } from '../plugin.js'
import type { Attempt } from './readAttempt.js'

/**
 * Concurrent identical chain lookups, run once: requests presenting the same transaction, to the
 * same payee in the same asset, against the same challenge (a Solana reference is the
 * challenge's), ask the plugin exactly the same question, so they share its one answer and each
 * is judged on it alone. A burst of retries of one payment (a payer's client, a load balancer's
 * duplicates) then costs one verification per process instead of one per request. Only lookups
 * in flight are shared; nothing is kept once the answer arrived, and a fault reaches every
 * sharer (each answers 503, nothing consumed).
 *
 * @example
 * const lookups = sharedLookups()
 * const facts = await lookups.run(attempt, () => plugin.verify({ txId, requirement, challenge }))
 */
export function sharedLookups() {
  const inFlight = new Map<string, Promise<VerifyResult>>()
  const key = ({ offer, txId, requirement, challenge }: Attempt) =>
    JSON.stringify([
      offer.plugin.network,
      txId,
      requirement.payTo,
      assetId(requirement.asset),
      requirement.amount.toString(),
      challenge?.id ?? null,
    ])

  return {
    /** `lookup()`'s answer, shared with any identical lookup still in flight. */
    run(attempt: Attempt, lookup: () => Promise<VerifyResult>): Promise<VerifyResult> {
      const id = key(attempt)
      const running = inFlight.get(id)
      if (running) return running
      const started = lookup().finally(() => inFlight.delete(id))
      inFlight.set(id, started)
      return started
    },
  }
}
