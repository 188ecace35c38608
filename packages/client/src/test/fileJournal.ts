import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import type { JournalEntry, PaymentJournal } from '../journal/types.js'

/**
 * A journal in a JSON file, written synchronously (a process killed right after `put` has it on
 * disk): the pluggable interface over a store of the test's choosing. `afterPut` runs once the
 * entry is written.
 */
export function fileJournal(
  path: string,
  afterPut?: (entry: JournalEntry) => void,
): PaymentJournal {
  const read = (): Record<string, JournalEntry> =>
    existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, JournalEntry>) : {}
  return {
    async list() {
      return Object.values(read())
    },
    async put(entry) {
      writeFileSync(path, JSON.stringify({ ...read(), [entry.challengeId]: entry }))
      afterPut?.(entry)
    },
    async delete(challengeId) {
      const entries = read()
      delete entries[challengeId]
      writeFileSync(path, JSON.stringify(entries))
    },
  }
}
