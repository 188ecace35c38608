import type { Lease, Ledger, StoredResponse } from '../ledger.js'
import { type PaymentKey, paymentKeyId } from '../paymentKey.js'
import { describeFault } from '../rpc/rpcFault.js'

/** Where the settler reports what it could not do. */
interface SettlerLog {
  warn(object: object, message?: string): void
  error(object: object, message?: string): void
}

const commitRetryDelaysMs = [250, 1_000]
const releaseRetryIntervalMs = 500
const releaseRetryForMs = 10 * 60_000
const lateCommitIntervalMs = 1_000

/**
 * Commits and releases leases so that an outage never keeps a payment consumed that was not
 * served. A commit is retried briefly (it is idempotent, so a lost reply is recovered); a release
 * that fails is retried in the background until the ledger is back, and a new request for that
 * payment in this process waits for it first.
 */
export function leaseSettler(ledger: Ledger, log: SettlerLog) {
  const pending = new Map<string, { lease: Lease; since: number }>()
  let timer: ReturnType<typeof setInterval> | undefined

  const tryRelease = async (lease: Lease): Promise<boolean> => {
    try {
      await ledger.release(lease)
      pending.delete(paymentKeyId(lease.key))
      return true
    } catch (cause) {
      const id = paymentKeyId(lease.key)
      if (!pending.has(id)) {
        log.warn({ err: describeFault(cause), key: lease.key }, 'tx402: release failed; retrying')
        pending.set(id, { lease, since: Date.now() })
        startRetrying()
      }
      return false
    }
  }

  const startRetrying = () => {
    if (timer) return
    timer = setInterval(() => {
      for (const [id, { lease, since }] of pending) {
        if (Date.now() - since > releaseRetryForMs) {
          pending.delete(id)
          log.error({ key: lease.key }, 'tx402: gave up releasing a payment that was not served')
          continue
        }
        void tryRelease(lease)
      }
      if (pending.size === 0) {
        clearInterval(timer)
        timer = undefined
      }
    }, releaseRetryIntervalMs)
    timer.unref?.()
  }

  return {
    /** Commits, retrying a failed attempt twice; throws the last fault. */
    async commit(lease: Lease, response?: StoredResponse): Promise<void> {
      for (let attempt = 0; ; attempt++) {
        try {
          return await ledger.commit(lease, response)
        } catch (error) {
          const delay = commitRetryDelaysMs[attempt]
          if (delay === undefined) throw error
          await new Promise((resolve) => setTimeout(resolve, delay))
        }
      }
    },
    /**
     * Commits a delivered payment in the background, every second for up to 10 minutes, while
     * `holder` keeps its claim alive; stops it when done, or when the claim was lost.
     */
    commitLater(
      lease: Lease,
      response: StoredResponse | undefined,
      holder: { readonly lost: boolean; stop(): void },
    ): void {
      log.warn({ key: lease.key }, 'tx402: commit of a delivered payment failed; retrying')
      const since = Date.now()
      const attempt = async () => {
        if (holder.lost || Date.now() - since > releaseRetryForMs) {
          holder.stop()
          log.error({ key: lease.key }, 'tx402: gave up committing a delivered payment')
          return
        }
        try {
          await ledger.commit(lease, response)
          holder.stop()
        } catch {
          setTimeout(attempt, lateCommitIntervalMs).unref?.()
        }
      }
      setTimeout(attempt, lateCommitIntervalMs).unref?.()
    },
    /** Releases now, or keeps trying in the background. Never throws. */
    async release(lease: Lease): Promise<void> {
      await tryRelease(lease)
    },
    /** False while a release of this payment is still owed and the ledger still refuses it. */
    async settled(key: PaymentKey): Promise<boolean> {
      const owed = pending.get(paymentKeyId(key))
      return owed ? tryRelease(owed.lease) : true
    },
  }
}
