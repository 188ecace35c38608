import { LRUCache } from 'lru-cache'
import { assetId } from '../../../assetId.js'
import type { VerifyResult } from '../../../plugin.js'
import { alreadyUsed } from '../../claimPayment.js'
import { isRefusal, type Refusal } from '../../refusal.js'
import type { Attempt, Verified } from '../../types.js'

/** A transaction this process committed a payment of: the chain's final report, and whose payments. */
interface Remembered {
  facts: VerifyResult
  payers: Set<string>
}

/**
 * Payments this process committed itself, with the final report of the chain they were verified
 * from, so a replay of one by its hash alone is answered `tx_already_used` without asking the
 * chain or the ledger again.
 *
 * Safe because both halves only ever grow: a commit that landed here is never released, and a
 * final report does not change. (The ledger's `consumed` answer is not remembered: another
 * process's commit whose reply was lost is undone by its release, maybe minutes later.) What is remembered is the report, not a verdict: a replay is judged
 * again (`judge`: price, age, the one payer): what it refuses is refused, and of what it accepts
 * only a payer remembered consumed is refused here (`tx_already_used`).
 * A request carrying a challenge or a proof may be a re-delivery (docs/protocol.md 6.2), and
 * another payer of the same transaction has their own payment: both go the whole way. Bounded
 * (`max` transactions, least recently used evicted); per process: another process's replays
 * go to the ledger (one Redis command, no SQL).
 *
 * @example
 * const memory = consumedMemory()
 * const replayed = await memory.replay(attempt, (facts) => judgeVerification(route, attempt, facts))
 * if (replayed) return respond(replayed.refusal)
 */
export function consumedMemory(max = 10_000) {
  const cache = new LRUCache<string, Remembered>({ max })
  // What the plugin's report depends on: the transaction and what it was asked about.
  const key = ({ offer, txId, requirement }: Attempt) =>
    JSON.stringify([offer.plugin.network, txId, requirement.payTo, assetId(requirement.asset)])

  return {
    /** Remembers `verified`'s payment as consumed (its report must be final: `confirmed`). */
    remember(attempt: Attempt, verified: Verified): void {
      const { facts } = verified
      if (facts?.status !== 'confirmed') return
      const entry = cache.get(key(attempt)) ?? { facts, payers: new Set() }
      entry.payers.add(verified.payer)
      cache.set(key(attempt), entry)
    },
    /**
     * The answer to an unbound attempt (no challenge, no proof) on a transaction remembered here:
     * its judgment's refusal (the same facts give the same one), or `tx_already_used` with the
     * payment when its payer's is remembered consumed; `undefined`: ask the chain and the ledger.
     */
    async replay(
      attempt: Attempt,
      judge: (facts: VerifyResult, attempt: Attempt) => Promise<Verified | Refusal>,
    ): Promise<{ refusal: Refusal; payment?: Verified } | undefined> {
      if (attempt.challenge || attempt.proof) return undefined
      const entry = cache.get(key(attempt))
      if (!entry) return undefined
      const judged = await judge(entry.facts, attempt)
      if (isRefusal(judged)) return { refusal: judged }
      if (!entry.payers.has(judged.payer)) return undefined
      return { refusal: alreadyUsed(), payment: judged }
    },
  }
}
