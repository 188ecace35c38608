import { paymentKeyId } from '@tx402/core'
import type { ClaimCache } from './sqlLedger.js'

/**
 * Consumed keys and in-flight locks in this process's memory, for the embedded ledger (one
 * process per data directory). The consumed set is bounded: a key it dropped is read from the
 * database again.
 */
export function memoryClaimCache(options: { maxConsumed: number }): ClaimCache {
  // Insertion-ordered, so the first key is the oldest one to drop.
  const consumed = new Set<string>()
  const locks = new Map<string, { token: string; expiresAt: number }>()
  // Releases this process owes (the database refused them): few, and cleared once they land.
  const owed = new Map<string, string>()
  let sweepAt = 1_000

  const tryLock = (key: string, token: string, ttlMs: number): boolean => {
    // As in Redis: no lock on a consumed payment, whoever checked it a moment ago.
    if (consumed.has(key)) return false
    const now = Date.now()
    const held = locks.get(key)
    if (held && held.expiresAt > now) return false
    locks.set(key, { token, expiresAt: now + ttlMs })
    // Locks of crashed handlers lapse; sweep them when the map has doubled so it stays small.
    if (locks.size > sweepAt) {
      for (const [k, l] of locks) if (l.expiresAt <= now) locks.delete(k)
      sweepAt = Math.max(1_000, locks.size * 2)
    }
    return true
  }

  return {
    name: 'in-process cache',
    async lookup(paymentKey) {
      const key = paymentKeyId(paymentKey)
      return { consumed: consumed.has(key), owedRelease: owed.get(key) }
    },
    async oweRelease(paymentKey, token) {
      const key = paymentKeyId(paymentKey)
      owed.set(key, token)
    },
    async setConsumed(paymentKey, token) {
      const key = paymentKeyId(paymentKey)
      consumed.add(key)
      if (consumed.size > options.maxConsumed) {
        consumed.delete(consumed.values().next().value as string)
      }
      if (locks.get(key)?.token === token) locks.delete(key)
    },
    async lock(paymentKey, token, ttlMs) {
      return tryLock(paymentKeyId(paymentKey), token, ttlMs)
    },
    async take(paymentKey, token, ttlMs) {
      const owedRelease = owed.get(paymentKeyId(paymentKey))
      if (owedRelease) return { state: 'owed', owedRelease }
      if (consumed.has(paymentKeyId(paymentKey))) return { state: 'consumed' }
      return tryLock(paymentKeyId(paymentKey), token, ttlMs)
        ? { state: 'locked' }
        : { state: 'held' }
    },
    async renew(paymentKey, token, ttlMs) {
      const key = paymentKeyId(paymentKey)
      if (consumed.has(key)) return false
      const now = Date.now()
      const held = locks.get(key)
      if (held && held.token !== token && held.expiresAt > now) return false
      locks.set(key, { token, expiresAt: now + ttlMs })
      return true
    },
    async unlock(paymentKey, token) {
      const key = paymentKeyId(paymentKey)
      if (locks.get(key)?.token === token) locks.delete(key)
    },
    async forgetConsumed(paymentKey, token) {
      const key = paymentKeyId(paymentKey)
      consumed.delete(key)
      if (owed.get(key) === token) owed.delete(key)
    },
  }
}
