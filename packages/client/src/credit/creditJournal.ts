import type { CreditJournal, PaymentJournal } from '../journal/types.js'
import { type CreditRecord, creditKey } from './creditRecord.js'

// For journals written before credit existed: tokens live as long as the journal object.
const fallback = new WeakMap<PaymentJournal, CreditJournal>()

/**
 * The credit store of a journal: its own `credits`, or one in memory bound to that journal.
 *
 * @example await creditsOf(journal).put(record)
 */
export function creditsOf(journal: PaymentJournal): CreditJournal {
  if (journal.credits) return journal.credits
  let store = fallback.get(journal)
  if (!store) {
    store = memoryCredits()
    fallback.set(journal, store)
  }
  return store
}

/**
 * Credit records in a `Map`, stored as JSON so later changes to a caller's object never alter them.
 *
 * @example const credits = memoryCredits()
 */
export function memoryCredits(): CreditJournal {
  const records = new Map<string, string>()
  return {
    async list() {
      return [...records.values()].map((json) => JSON.parse(json) as CreditRecord)
    },
    async put(record) {
      records.set(creditKey(record), JSON.stringify(record))
    },
    async delete(key) {
      records.delete(key)
    },
  }
}
