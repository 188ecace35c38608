import type { JournalStorage } from '../journal/localStorageJournal.js'

/** The Web Storage API over a Map, as a browser's localStorage behaves. */
export function mapStorage(): JournalStorage & { map: Map<string, string> } {
  const map = new Map<string, string>()
  return {
    map,
    get length() {
      return map.size
    },
    key: (index) => [...map.keys()][index] ?? null,
    getItem: (key) => map.get(key) ?? null,
    setItem: (key, value) => void map.set(key, String(value)),
    removeItem: (key) => void map.delete(key),
  }
}
