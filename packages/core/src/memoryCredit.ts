import type { CreditGrant, CreditLedger, CreditLedgerBalance, CreditSpend } from './credit.js'
import { checkCreditReservation } from './creditReservationCheck.js'
import { LedgerUnavailableError } from './errors.js'
import { type PaymentKey, paymentKeyId } from './paymentKey.js'

interface Balance extends CreditLedgerBalance {
  /** `paymentKeyId` of the payment that opened it. */
  openedBy: string
}

interface Hold {
  spend: CreditSpend
  state: 'reserved' | 'committed'
  expiresAt: number
}

/**
 * Prepaid credit in this process's memory: `memoryLedger`'s `credit`, with the same rules as the
 * SQL ledgers (a top-up only onto a live balance of the same scope, network, asset, payer and payTo;
 * a release gives back once, undoing its own commit; `remaining` never below 0).
 */
export function memoryCredit(
  now: () => number,
  pending: (balanceId: string) => 'pending' | 'committed' | false = () => false,
) {
  const balances = new Map<string, Balance>()
  const holds = new Map<string, Hold>()
  let counter = 0

  const live = (balance: Balance) => balance.expiresAt === undefined || balance.expiresAt > now()
  const view = ({ openedBy: _, ...balance }: Balance): CreditLedgerBalance => ({ ...balance })
  const own = (spend: CreditSpend) => {
    const hold = holds.get(spend.token)
    return hold?.spend.balanceId === spend.balanceId ? hold : undefined
  }
  const giveBack = (token: string, hold: Hold) => {
    holds.delete(token)
    const balance = balances.get(hold.spend.balanceId)
    if (balance) balance.remaining += hold.spend.amount
  }

  const ledger: CreditLedger = {
    async find(balanceId) {
      const balance = balances.get(balanceId)
      return balance && view(balance)
    },
    async reserve(r) {
      checkCreditReservation(r)
      let balance = balances.get(r.balanceId)
      if (!balance) {
        // `committed`: the purchase's claim had lapsed and this spend committed it (6.1).
        const purchase = pending(r.balanceId)
        if (purchase === 'pending') return { status: 'pending' }
        if (purchase === 'committed') balance = balances.get(r.balanceId)
      }
      if (
        !balance ||
        balance.scope !== r.scope ||
        balance.network !== r.network ||
        balance.asset !== r.asset ||
        balance.payTo !== r.payTo
      ) {
        return { status: 'unknown' }
      }
      if (!live(balance)) return { status: 'expired', expiresAt: balance.expiresAt! }
      if (balance.remaining < r.amount) {
        return { status: 'exhausted', remaining: balance.remaining, expiresAt: balance.expiresAt }
      }
      balance.remaining -= r.amount
      const spend: CreditSpend = {
        balanceId: r.balanceId,
        token: `c${++counter}`,
        amount: r.amount,
        expiresAt: now() + r.ttlMs,
      }
      holds.set(spend.token, { spend: { ...spend }, state: 'reserved', expiresAt: spend.expiresAt })
      return {
        status: 'reserved',
        spend,
        remaining: balance.remaining,
        expiresAt: balance.expiresAt,
      }
    },
    async renew(spend, ttlMs) {
      const hold = own(spend)
      if (hold?.state !== 'reserved') return false
      spend.expiresAt = now() + ttlMs
      hold.expiresAt = spend.expiresAt
      return true
    },
    async commit(spend) {
      const hold = own(spend)
      if (!hold) throw new LedgerUnavailableError('The credit reservation was lost before commit.')
      hold.state = 'committed'
    },
    async release(spend) {
      const hold = own(spend)
      if (hold) giveBack(spend.token, hold)
    },
  }

  return {
    ledger,
    /** Whether balance `balanceId` exists. */
    has: (balanceId: string): boolean => balances.has(balanceId),
    /** At the payment's claimed → consumed transition; false when skipped (no matching live balance). */
    apply(grant: CreditGrant, key: PaymentKey): boolean {
      const balance = balances.get(grant.balanceId)
      if (!balance) {
        const { amount, expiresAt, balanceId, ...rest } = grant
        balances.set(balanceId, {
          id: balanceId,
          ...rest,
          payTo: key.payTo,
          remaining: amount,
          expiresAt,
          openedBy: paymentKeyId(key),
        })
        return true
      }
      const same =
        balance.scope === grant.scope &&
        balance.network === grant.network &&
        balance.asset === grant.asset &&
        balance.payer === grant.payer &&
        balance.payTo === key.payTo
      if (!same) return false
      // Expired after the top-up was checked: it keeps only the top-up (as in paymentStatements.ts).
      if (!live(balance)) {
        balance.remaining = grant.amount
        balance.expiresAt = grant.expiresAt
        return true
      }
      balance.remaining += grant.amount
      balance.expiresAt = laterExpiry(balance.expiresAt, grant.expiresAt)
      return true
    },
    /** A release undid the commit that applied `grant`: take it back, floored at 0. */
    takeBack(grant: CreditGrant, key: PaymentKey): void {
      const balance = balances.get(grant.balanceId)
      if (!balance) return
      balance.remaining = balance.remaining > grant.amount ? balance.remaining - grant.amount : 0n
      const spent = [...holds.values()].some((h) => h.spend.balanceId === grant.balanceId)
      if (balance.remaining === 0n && balance.openedBy === paymentKeyId(key) && !spent) {
        balances.delete(grant.balanceId)
      }
    },
    /** Gives back lapsed reservations; their tokens. */
    returnLapsed(): string[] {
      const returned: string[] = []
      for (const [token, hold] of holds) {
        if (hold.state === 'reserved' && hold.expiresAt <= now()) {
          giveBack(token, hold)
          returned.push(token)
        }
      }
      return returned
    },
  }
}

/** A top-up never shortens a balance's life: the later expiry, undefined (never) winning. */
function laterExpiry(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined ? undefined : Math.max(a, b)
}
