import { LRUCache } from 'lru-cache'
import { assetId } from '../../../assetId.js'
import type { VerifyResult } from '../../../plugin.js'
import type { Attempt } from '../../types.js'

/** Options of `sharedLookups`. */
export interface SharedLookupsOptions {
  /**
   * How long a `confirmed` answer is kept for identical lookups after it arrived, in ms. Default
   * 5000; 0 shares only lookups in flight.
   */
  keepConfirmedMs?: number
  /**
   * Most answers kept (least recently used evicted first). Default 10,000; the answers' payer
   * lists count too (each answer 1 plus its `transfers`, at most twice `max` in all).
   */
  max?: number
}

/**
 * Concurrent identical chain lookups, run once: requests presenting the same transaction, to the
 * same payee in the same asset, against the same challenge (a Solana reference is the
 * challenge's), ask the plugin exactly the same question, so they share its one answer and each
 * is judged on it alone. A burst of retries of one payment (a payer's client, a load balancer's
 * duplicates) then costs one verification per process instead of one per request: a lookup in
 * flight is shared, and a `confirmed` answer is kept for `keepConfirmedMs` after it arrived, so
 * the requests of a burst that arrive after the first answer share it too. A confirmed report is
 * final (enough confirmations at the chain's finality; `consumedMemory` keeps it for good once
 * committed): reusing it a moment later asks the chain nothing it would answer otherwise, and each
 * request is still judged on it at its own time (age, challenge time) and claimed in the ledger.
 * Other answers (pending, not found) are never kept, and a fault reaches every sharer (each
 * answers 503, nothing consumed). "Confirmed" is not final under finality `latest`: a payment
 * released (its response failed) is `forget`-ten, so presented again it is asked of the chain,
 * which may have dropped it in a reorg since.
 *
 * @example
 * const lookups = sharedLookups()
 * const facts = await lookups.run(attempt, () => plugin.verify({ txId, requirement, challenge }))
 */
export function sharedLookups(options: SharedLookupsOptions = {}) {
  const keepMs = options.keepConfirmedMs ?? 5_000
  const inFlight = new Map<string, Promise<VerifyResult>>()
  const kept =
    keepMs > 0
      ? new LRUCache<string, VerifyResult>({
          max: options.max ?? 10_000,
          ttl: keepMs,
          // Anyone can have one old transaction looked up under many fresh challenges, and a
          // transaction can list many payers: each report counts 1 plus its transfers, within
          // twice the entry count, so what is kept stays a few MB however large the reports.
          maxSize: 2 * (options.max ?? 10_000),
          sizeCalculation: (result) =>
            1 + (result.status === 'confirmed' ? (result.transfers?.length ?? 0) : 0),
        })
      : undefined
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
    /** `lookup()`'s answer, shared with an identical lookup in flight or confirmed a moment ago. */
    run(attempt: Attempt, lookup: () => Promise<VerifyResult>): Promise<VerifyResult> {
      const id = key(attempt)
      const confirmed = kept?.get(id)
      if (confirmed) return Promise.resolve(confirmed)
      const running = inFlight.get(id)
      if (running) return running
      const started = lookup()
        .then((result) => {
          if (result.status === 'confirmed') kept?.set(id, result)
          return result
        })
        .finally(() => inFlight.delete(id))
      inFlight.set(id, started)
      return started
    },
    /** Drops the kept answers about `attempt`'s transaction (under any challenge). */
    forget({ offer, txId }: Pick<Attempt, 'offer' | 'txId'>): void {
      if (!kept || kept.size === 0) return
      const prefix = JSON.stringify([offer.plugin.network, txId]).slice(0, -1)
      for (const id of [...kept.keys()]) if (id.startsWith(prefix)) kept.delete(id)
    },
  }
}
