import { memoryCredits } from '../credit/creditJournal.js'
import type { JournalEntry, PaymentJournal } from './types.js'

/**
 * A journal held in memory: survives retries within one process or page, not a restart. The
 * default in Node; browsers default to `localStorageJournal()`.
 *
 * @example const journal = memoryJournal()
 */
export function memoryJournal(): PaymentJournal {
  const entries = new Map<string, string>()
  return {
    async list() {
      return [...entries.values()].map((json) => JSON.parse(json) as JournalEntry)
    },
    async put(entry) {
      // Stored as JSON so later changes to the caller's object never alter the record.
      entries.set(entry.challengeId, JSON.stringify(entry))
    },
    async delete(challengeId) {
      entries.delete(challengeId)
    },
    credits: memoryCredits(),
  }
}
