import type { Lease, Ledger, StoredResponse } from '../ledger.js'
import { describeFault } from '../rpc/rpcFault.js'

/** Where the settler reports what it could not do. */
interface SettlerLog {
  warn(object: object, message?: string): void
  error(object: object, message?: string): void
}

const commitRetryDelaysMs = [250, 1_000]
const lateCommitForMs = 10 * 60_000
const lateCommitIntervalMs = 1_000

/**
 * Commits and releases leases. A commit is retried briefly (it is idempotent, so a lost reply is
 * recovered). A release is the ledger's to guarantee (`Ledger.release`): when it fails, the
 * ledger owes it and lands it before it answers for that payment again, from any process; the
 * engine only logs the failure.
 */
export function leaseSettler(ledger: Ledger, log: SettlerLog) {
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
        if (holder.lost || Date.now() - since > lateCommitForMs) {
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
    /** Releases; a failure is logged (the ledger owes the release from then on). Never throws. */
    async release(lease: Lease): Promise<void> {
      try {
        await ledger.release(lease)
      } catch (cause) {
        log.warn(
          { err: describeFault(cause), key: lease.key },
          'tx402: release failed; the ledger owes it',
        )
      }
    },
  }
}
