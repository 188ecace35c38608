import { randomUUID } from 'node:crypto'
import {
  type CreditLedger,
  type CreditSpend,
  checkCreditReservation,
  type Ledger,
  LedgerUnavailableError,
  type Logger,
} from '@tx402/core'
import type { CreditStore } from './creditStore.js'
import { owedRetries } from './owedRetries.js'

/**
 * `Ledger.credit` over a `CreditStore` (opened on first use: `store` may open the database).
 * No cache: every step is one SQL statement on the authority, so losing or flushing Redis can
 * never let a balance be spent twice. A release the store refused is owed: retried in the
 * background (`owedRetries`: every 500 ms, for up to 10 minutes). Until it lands the balance only looks lower
 * than it is (never higher), and if this process dies first, `reconcile` gives a reserved amount
 * back once its lease lapses.
 */
export function creditLedger(
  store: () => Promise<CreditStore>,
  logger: Pick<Logger, 'error'>,
): CreditLedger & { returnLapsed(): Promise<string[]>; stop(): void } {
  const owed = owedRetries<CreditSpend>({
    land: async (spend) => (await store()).release(spend),
    gaveUp: (spend) => ({
      fields: { balanceId: spend.balanceId },
      message: 'tx402 ledger: gave up giving back a credit spend',
    }),
    logger,
  })

  return {
    find: async (balanceId) => (await store()).find(balanceId),

    async reserve(reservation) {
      checkCreditReservation(reservation)
      return (await store()).reserve(reservation, randomUUID())
    },

    async renew(spend, ttlMs) {
      const sent = Date.now()
      if (!(await (await store()).renew(spend, ttlMs))) return false
      spend.expiresAt = sent + ttlMs
      return true
    },

    async commit(spend) {
      if (!(await (await store()).commit(spend))) {
        throw new LedgerUnavailableError('The credit reservation was lost before commit.')
      }
    },

    async release(spend) {
      try {
        await (await store()).release(spend)
        owed.forget(spend.token)
      } catch (error) {
        owed.owe(spend.token, spend)
        throw error
      }
    },

    returnLapsed: async () => (await store()).returnLapsed(),

    stop: owed.stop,
  }
}

/** `ledger` with `credit`, whose `reconcile` also gives back lapsed credit reservations. */
export function withCredit<L extends Ledger>(
  ledger: L,
  credit: ReturnType<typeof creditLedger>,
): L & { readonly credit: CreditLedger } {
  const { returnLapsed, stop, ...exposed } = credit
  return {
    ...ledger,
    credit: exposed,
    async reconcile() {
      const result = await ledger.reconcile()
      return { ...result, creditReturned: await returnLapsed() }
    },
    async close() {
      stop()
      await ledger.close?.()
    },
  }
}
