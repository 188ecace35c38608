import type { CreditLedger } from './credit.js'
import { checkCreditGrant } from './creditGrantCheck.js'
import { LedgerUnavailableError } from './errors.js'
import type { Lease, Ledger, MarkResult, PaymentRecord, StoredResponse } from './ledger.js'
import { memoryCredit } from './memoryCredit.js'
import { type PaymentKey, paymentKeyId } from './paymentKey.js'

interface Entry {
  key: PaymentKey
  token: string
  expiresAt: number
  state: 'verifying' | 'claimed' | 'consumed'
  record?: PaymentRecord
  deliveredAt?: number
  response?: StoredResponse | undefined
  /** Whether the commit added `record.credit` to its balance. */
  creditApplied?: boolean
  /** Re-deliveries counted (`countRedelivery`). */
  redeliveries?: number
}

/**
 * A ledger in this process's memory: for tests and single-process development. Payments are
 * forgotten on restart, so never use it where money matters.
 *
 * @example paymentRequired({ ledger: memoryLedger(), … })
 */
export function memoryLedger(options: { now?: () => number } = {}): Ledger & {
  readonly credit: CreditLedger
  records(): PaymentRecord[]
} {
  const now = options.now ?? Date.now
  // A balance whose buying payment is claimed, not yet committed, is `pending` to a spend; once
  // that claim lapsed (its process died after the response), the spend commits it, as the SQL
  // ledgers do (docs/protocol.md 6.1).
  const credit = memoryCredit(now, (balanceId) => {
    const entry = [...entries.values()].find(
      (e) => e.state === 'claimed' && e.record?.credit?.balanceId === balanceId,
    )
    if (!entry?.record?.credit) return false
    if (entry.expiresAt > now()) return 'pending'
    entry.deliveredAt = now()
    entry.creditApplied = credit.apply(entry.record.credit, entry.key)
    entry.state = 'consumed'
    return 'committed'
  })
  const entries = new Map<string, Entry>()
  let counter = 0

  const live = (key: PaymentKey): Entry | undefined => {
    const entry = entries.get(paymentKeyId(key))
    if (entry && entry.state !== 'consumed' && entry.expiresAt <= now()) {
      entries.delete(paymentKeyId(key))
      return undefined
    }
    return entry
  }

  const owned = (lease: Lease): Entry | undefined => {
    const entry = entries.get(paymentKeyId(lease.key))
    return entry?.token === lease.token ? entry : undefined
  }

  return {
    async isConsumed(key) {
      return live(key)?.state === 'consumed'
    },
    async acquire(key, ttlMs) {
      if (live(key)) return undefined
      const lease = { key, token: `m${++counter}`, expiresAt: now() + ttlMs }
      entries.set(paymentKeyId(key), {
        key,
        token: lease.token,
        expiresAt: lease.expiresAt,
        state: 'verifying',
      })
      return lease
    },
    async mark(lease, details): Promise<MarkResult> {
      checkCreditGrant(lease.key, details)
      const entry = live(lease.key)
      if (entry?.state === 'consumed') return 'consumed'
      if (entry && entry.token !== lease.token) return 'in_progress'
      entries.set(paymentKeyId(lease.key), {
        key: lease.key,
        token: lease.token,
        expiresAt: lease.expiresAt,
        state: 'claimed',
        record: { ...lease.key, ...details },
      })
      return 'marked'
    },
    async renew(lease, ttlMs) {
      const entry = live(lease.key)
      if (entry?.token !== lease.token || entry.state === 'consumed') return false
      lease.expiresAt = now() + ttlMs
      entry.expiresAt = lease.expiresAt
      return true
    },
    async commit(lease, response) {
      const entry = owned(lease)
      if (entry?.state !== 'claimed' && entry?.state !== 'consumed') {
        throw new LedgerUnavailableError('The claim on this payment was lost before commit.')
      }
      if (entry.state === 'claimed') {
        entry.deliveredAt = now()
        entry.response = response
        // Once, on claimed → consumed: a retried commit finds it consumed.
        if (entry.record?.credit) entry.creditApplied = credit.apply(entry.record.credit, entry.key)
      }
      entry.state = 'consumed'
    },
    async release(lease) {
      const entry = owned(lease)
      if (!entry) return
      entries.delete(paymentKeyId(lease.key))
      // Undoing this lease's own commit takes back the credit it granted.
      if (entry.state === 'consumed' && entry.creditApplied && entry.record?.credit) {
        credit.takeBack(entry.record.credit, entry.key)
      }
    },
    async findDelivered(key) {
      const entry = live(key)
      if (entry?.state !== 'consumed' || !entry.record) return undefined
      return { ...entry.record, deliveredAt: entry.deliveredAt ?? 0, response: entry.response }
    },
    async countRedelivery(key, limit) {
      const entry = live(key)
      if (entry?.state !== 'consumed' || (entry.redeliveries ?? 0) >= limit) return false
      entry.redeliveries = (entry.redeliveries ?? 0) + 1
      return true
    },
    async reconcile() {
      const released: PaymentKey[] = []
      for (const [id, entry] of entries) {
        // A purchase waits for its token (docs/protocol.md 6.1).
        const awaitingToken = entry.record?.credit && !credit.has(entry.record.credit.balanceId)
        if (entry.state === 'claimed' && entry.expiresAt <= now() && !awaitingToken) {
          entries.delete(id)
          released.push(entry.key)
        }
      }
      return { released, creditReturned: credit.returnLapsed() }
    },
    credit: credit.ledger,
    records() {
      return [...entries.values()].flatMap((entry) =>
        entry.state === 'consumed' && entry.record ? [entry.record] : [],
      )
    },
  }
}
