import { ConfigurationError } from '@tx402/core/protocol'
import { type CreditRecord, creditKey } from '../credit/creditRecord.js'
import type { CreditJournal, JournalEntry, PaymentJournal } from './types.js'

/**
 * The part of the Web Storage API the journal uses (`localStorage`, `sessionStorage`), spelled
 * out so the published types need no DOM lib.
 */
export interface JournalStorage {
  readonly length: number
  getItem(key: string): string | null
  setItem(key: string, value: string): void
  removeItem(key: string): void
  key(index: number): string | null
}

/** Options of `localStorageJournal`. */
export interface LocalStorageJournalOptions {
  /** Default: `globalThis.localStorage`. */
  storage?: JournalStorage
  /** Key prefix of each entry. Default `'tx402:journal:'`. */
  prefix?: string
}

/**
 * A journal in `localStorage`: a page reload or a crashed tab finds its payment again and
 * presents the same transaction. Synchronous writes, so an entry is stored before broadcast.
 *
 * @example const journal = localStorageJournal() // key prefix 'tx402:journal:'
 */
export function localStorageJournal(options: LocalStorageJournalOptions = {}): PaymentJournal {
  const storage = options.storage ?? browserStorage()
  if (!storage) {
    throw new ConfigurationError('localStorageJournal needs localStorage or a `storage` option.')
  }
  const prefix = options.prefix ?? 'tx402:journal:'
  // Credit tokens under their own sub-prefix, skipped by `list`.
  const creditPrefix = `${prefix}credit:`
  return {
    async list() {
      const keys: string[] = []
      for (let i = 0; i < storage.length; i++) {
        const key = storage.key(i)
        if (key?.startsWith(prefix) && !key.startsWith(creditPrefix)) keys.push(key)
      }
      const entries: JournalEntry[] = []
      for (const key of keys) {
        const entry = parseEntry(storage.getItem(key))
        if (entry) entries.push(entry)
      }
      return entries
    },
    async put(entry) {
      storage.setItem(prefix + entry.challengeId, JSON.stringify(entry))
    },
    async delete(challengeId) {
      storage.removeItem(prefix + challengeId)
    },
    credits: storageCredits(storage, creditPrefix),
  }
}

function storageCredits(storage: JournalStorage, prefix: string): CreditJournal {
  return {
    async list() {
      const records: CreditRecord[] = []
      for (let i = 0; i < storage.length; i++) {
        const key = storage.key(i)
        if (!key?.startsWith(prefix)) continue
        try {
          const record = JSON.parse(storage.getItem(key) ?? '') as CreditRecord
          if (typeof record?.token === 'string' && typeof record.origin === 'string') {
            records.push(record)
          }
        } catch {
          // A corrupt record is ignored, as a corrupt payment entry is.
        }
      }
      return records
    },
    async put(record) {
      storage.setItem(prefix + creditKey(record), JSON.stringify(record))
    },
    async delete(key) {
      storage.removeItem(prefix + key)
    },
  }
}

/** `globalThis.localStorage` when it is usable (absent in Node; access can throw in browsers). */
export function browserStorage(): JournalStorage | undefined {
  try {
    const storage = (globalThis as { localStorage?: JournalStorage }).localStorage
    return storage && typeof storage.getItem === 'function' ? storage : undefined
  } catch {
    return undefined
  }
}

function parseEntry(json: string | null): JournalEntry | undefined {
  if (!json) return undefined
  try {
    const entry = JSON.parse(json) as JournalEntry
    return typeof entry?.challengeId === 'string' && typeof entry.payment?.txId === 'string'
      ? entry
      : undefined
  } catch {
    return undefined
  }
}
