import type { PaymentJournal } from '../journal/types.js'
import { creditsOf } from './creditJournal.js'
import { type CreditBalance, toBalance } from './creditRecord.js'

/**
 * The prepaid credit balances held in a journal (as last reported by each server), optionally
 * of one origin: remaining base units and expiry, never the tokens.
 *
 * @example
 * const journal = memoryJournal()
 * const paidFetch = wrapFetch(fetch, { payers, journal, credit: { buy: 'smallest' } })
 * await paidFetch('https://api.example.com/weather')
 * for (const b of await creditBalances(journal)) console.log(b.origin, b.remaining, b.expiresAt)
 */
export async function creditBalances(
  journal: PaymentJournal,
  origin?: string,
): Promise<CreditBalance[]> {
  const records = await creditsOf(journal).list()
  return records.filter((r) => origin === undefined || r.origin === origin).map(toBalance)
}
