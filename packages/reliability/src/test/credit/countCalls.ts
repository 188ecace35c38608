import type { Ledger } from '@tx402/core'

/**
 * Records every call the engine makes on `ledger` and its credit half from now until `stop()`
 * (patched in place, so the app that holds the ledger is observed): what a test asserts "no
 * ledger call" or "one lookup" with.
 *
 * @example const counted = countCalls(ledger); …; assert.deepEqual(counted.calls(), [])
 */
export function countCalls(ledger: Ledger) {
  const calls: string[] = []
  const restore: (() => void)[] = []
  const watch = (target: object, prefix: string) => {
    const record = target as Record<string, unknown>
    for (const name of Object.keys(record)) {
      const original = record[name]
      if (typeof original !== 'function') continue
      record[name] = (...args: unknown[]) => {
        calls.push(`${prefix}${name}`)
        return (original as (...a: unknown[]) => unknown).apply(target, args)
      }
      restore.push(() => {
        record[name] = original
      })
    }
  }
  watch(ledger, '')
  if (ledger.credit) watch(ledger.credit, 'credit.')
  return {
    calls: () => [...calls],
    stop: () => {
      for (const undo of restore.splice(0)) undo()
    },
  }
}
