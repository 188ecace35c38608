import {
  type CreditBalance,
  type CreditGrant,
  type CreditLedger,
  type Lease,
  type Ledger,
  memoryLedger,
  paymentKeyId,
} from '@tx402/core'

/** A ledger that keeps credit balances, and what the tests read of it. */
export interface CreditTestLedger extends Ledger {
  credit: CreditLedger
  /** Every balance, by id. */
  balances: Map<string, CreditBalance>
}

/**
 * core's `memoryLedger` with prepaid credit balances in memory (the client's tests need a ledger
 * with `credit`; the real ones live in @tx402/ledger): a payment's grant is applied by its
 * commit, once; a spend is taken out at `reserve` and given back by `release` unless committed.
 */
export function creditLedger(): CreditTestLedger {
  const base = memoryLedger()
  const balances = new Map<string, CreditBalance>()
  const grants = new Map<string, CreditGrant>()
  const spends = new Map<string, { balanceId: string; amount: bigint; settled: boolean }>()
  let counter = 0
  const id = (lease: Lease) => `${paymentKeyId(lease.key)}/${lease.token}`
  const credit: CreditLedger = {
    async find(balanceId) {
      const balance = balances.get(balanceId)
      return balance && { ...balance }
    },
    async reserve(r) {
      const b = balances.get(r.balanceId)
      if (!b || b.scope !== r.scope || b.network !== r.network || b.asset !== r.asset) {
        return { status: 'unknown' }
      }
      if (b.expiresAt !== undefined && b.expiresAt <= Date.now()) {
        return { status: 'expired', expiresAt: b.expiresAt }
      }
      if (b.remaining < r.amount) {
        return { status: 'exhausted', remaining: b.remaining, expiresAt: b.expiresAt }
      }
      b.remaining -= r.amount
      const token = `spend-${++counter}`
      spends.set(token, { balanceId: b.id, amount: r.amount, settled: false })
      const spend = { balanceId: b.id, token, amount: r.amount, expiresAt: Date.now() + r.ttlMs }
      return { status: 'reserved', spend, remaining: b.remaining, expiresAt: b.expiresAt }
    },
    async renew(spend) {
      return spends.get(spend.token)?.settled === false
    },
    async commit(spend) {
      const held = spends.get(spend.token)
      if (held) held.settled = true
    },
    async release(spend) {
      const held = spends.get(spend.token)
      if (!held || held.settled) return
      held.settled = true
      const balance = balances.get(held.balanceId)
      if (balance) balance.remaining += held.amount
    },
  }
  return {
    ...base,
    credit,
    balances,
    async mark(lease, details) {
      const result = await base.mark(lease, details)
      if (result === 'marked' && details.credit) grants.set(id(lease), details.credit)
      return result
    },
    async commit(lease, response) {
      await base.commit(lease, response)
      const grant = grants.get(id(lease))
      if (!grant) return
      grants.delete(id(lease))
      const balance = balances.get(grant.balanceId)
      if (balance) balance.remaining += grant.amount
      else balances.set(grant.balanceId, { id: grant.balanceId, ...grant, remaining: grant.amount })
    },
  }
}
