import type { Lease, Ledger, MarkResult, PaymentDetails } from '../ledger.js'
import type { PaymentKey } from '../paymentKey.js'

/**
 * Looks a verified payment up and claims it for this request: `ledger.claim` when the ledger
 * offers it (one call, as few round trips as it can), else `isConsumed`, `acquire` and `mark` in
 * turn. Returns the lease, or who has the payment (`'consumed'`, `'in_progress'`) with nothing
 * kept. Throws the ledger's fault having released what it took.
 *
 * @example
 * const taken = await takePayment(ledger, key, 60_000, details, settler.release)
 * if (taken === 'consumed') return findRedelivery(…)
 */
export async function takePayment(
  ledger: Ledger,
  key: PaymentKey,
  ttlMs: number,
  details: PaymentDetails,
  /** Releases a lease taken here (the settler's, which logs a failure and never throws). */
  release: (lease: Lease) => Promise<void>,
): Promise<Lease | Exclude<MarkResult, 'marked'>> {
  if (ledger.claim) return ledger.claim(key, ttlMs, details)
  if (await ledger.isConsumed(key)) return 'consumed'
  const lease = await ledger.acquire(key, ttlMs)
  if (!lease) return 'in_progress'
  let marked: MarkResult
  try {
    marked = await ledger.mark(lease, details)
  } catch (error) {
    await release(lease)
    throw error
  }
  if (marked === 'marked') return lease
  await release(lease)
  return marked
}
