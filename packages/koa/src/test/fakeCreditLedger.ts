import {
  type CreditBalance,
  type CreditGrant,
  type CreditLedger,
  type Lease,
  type Ledger,
  memoryLedger,
  paymentKeyId,
} from '@tx402/core'

// A stand-in for the real credit ledgers until they land (helper i18l): grants applied by the
// payment's commit, spends reserved and given back in memory. Counts calls.
export function fakeCreditLedger(): Ledger & { credit: CreditLedger; calls: string[] } {
  const base = memoryLedger()
  const balances = new Map<string, CreditBalance>()
  const grants = new Map<string, CreditGrant>()
  const applied = new Set<string>()
  const spends = new Map<string, { balanceId: string; amount: bigint; done: boolean }>()
  const calls: string[] = []
  let counter = 0
  const leaseId = (lease: Lease) => `${paymentKeyId(lease.key)}/${lease.token}`
  const credit: CreditLedger = {
    async find(id) {
      calls.push('find')
      const b = balances.get(id)
      return b && { ...b }
    },
    async reserve(r) {
      calls.push('reserve')
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
      const token = `s${++counter}`
      spends.set(token, { balanceId: b.id, amount: r.amount, done: false })
      const spend = { balanceId: b.id, token, amount: r.amount, expiresAt: Date.now() + r.ttlMs }
      return { status: 'reserved', spend, remaining: b.remaining, expiresAt: b.expiresAt }
    },
    async renew(spend) {
      calls.push('renew')
      return spends.get(spend.token)?.done === false
    },
    async commit(spend) {
      calls.push('commit')
      const s = spends.get(spend.token)
      if (s) s.done = true
    },
    async release(spend) {
      calls.push('release')
      const s = spends.get(spend.token)
      if (!s || s.done) return
      s.done = true
      balances.get(s.balanceId)!.remaining += s.amount
    },
  }
  return {
    ...base,
    calls,
    credit,
    async mark(lease, details) {
      const result = await base.mark(lease, details)
      if (result === 'marked' && details.credit) grants.set(leaseId(lease), details.credit)
      return result
    },
    async commit(lease, response) {
      await base.commit(lease, response)
      const grant = grants.get(leaseId(lease))
      if (!grant || applied.has(leaseId(lease))) return
      applied.add(leaseId(lease))
      const b = balances.get(grant.balanceId)
      if (b) b.remaining += grant.amount
      else balances.set(grant.balanceId, { id: grant.balanceId, ...grant, remaining: grant.amount })
    },
  }
}
