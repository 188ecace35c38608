import type { Lease, Ledger, StoredResponse } from '../ledger.js'
import { describeFault } from '../rpc/rpcFault.js'

/** Where the settler reports what it could not do. */
interface SettlerLog {
  warn(object: object, message?: string): void
  error(object: object, message?: string): void
}

/**
 * One request's hold on something the ledger settles once its response ended: a payment's lease
 * (`Ledger.commit` / `release`) or a credit reservation (`CreditLedger.commit` / `release`).
 */
export interface Hold {
  /** Idempotent: a retry after a lost reply succeeds. */
  commit(response?: StoredResponse): Promise<void>
  /** Gives it back; when the store cannot be reached, the ledger owes it and throws. */
  release(): Promise<void>
  /** What the logs name it by (no secret). */
  readonly label: object
}

const commitRetryDelaysMs = [250, 1_000]
const lateCommitForMs = 10 * 60_000
const lateCommitIntervalMs = 1_000

/**
 * Commits and releases holds. A commit is retried briefly (it is idempotent, so a lost reply is
 * recovered). A release is the ledger's to guarantee (`Ledger.release`, `CreditLedger.release`):
 * when it fails, the ledger owes it and lands it before it answers for that payment or balance
 * again, from any process; the engine only logs the failure.
 */
export function holdSettler(log: SettlerLog) {
  return {
    /** Commits, retrying a failed attempt twice; throws the last fault. */
    async commit(hold: Hold, response?: StoredResponse): Promise<void> {
      for (let attempt = 0; ; attempt++) {
        try {
          return await hold.commit(response)
        } catch (error) {
          const delay = commitRetryDelaysMs[attempt]
          if (delay === undefined) throw error
          await new Promise((resolve) => setTimeout(resolve, delay))
        }
      }
    },
    /**
     * Commits a delivered response's hold in the background, every second for up to 10 minutes,
     * while `holder` keeps it alive; stops it when done, or when the hold was lost.
     */
    commitLater(
      hold: Hold,
      response: StoredResponse | undefined,
      holder: { readonly lost: boolean; stop(): void },
    ): void {
      log.warn(hold.label, 'tx402: commit of a delivered response failed; retrying')
      const since = Date.now()
      const attempt = async () => {
        if (holder.lost || Date.now() - since > lateCommitForMs) {
          holder.stop()
          log.error(hold.label, 'tx402: gave up committing a delivered response')
          return
        }
        try {
          await hold.commit(response)
          holder.stop()
        } catch {
          setTimeout(attempt, lateCommitIntervalMs).unref?.()
        }
      }
      setTimeout(attempt, lateCommitIntervalMs).unref?.()
    },
    /** Releases; a failure is logged (the ledger owes the release from then on). Never throws. */
    async release(hold: Hold): Promise<void> {
      try {
        await hold.release()
      } catch (cause) {
        log.warn(
          { err: describeFault(cause), ...hold.label },
          'tx402: release failed; the ledger owes it',
        )
      }
    },
  }
}

/** A settler of holds, as `holdSettler` returns it. */
export type HoldSettler = ReturnType<typeof holdSettler>

/** The hold of a payment's lease. */
export function leaseHold(ledger: Ledger, lease: Lease): Hold {
  return {
    commit: (response) => ledger.commit(lease, response),
    release: () => ledger.release(lease),
    label: { key: lease.key },
  }
}

/**
 * `holdSettler` over payment leases: the claim step releases a lease it took; settlement settles
 * `hold(lease)` with `holds`.
 */
export function leaseSettler(ledger: Ledger, log: SettlerLog) {
  const holds = holdSettler(log)
  return {
    holds,
    hold: (lease: Lease) => leaseHold(ledger, lease),
    /** Releases a lease; never throws (see `holdSettler`). */
    release: (lease: Lease) => holds.release(leaseHold(ledger, lease)),
  }
}

/** A settler of leases, as `leaseSettler` returns it. */
export type LeaseSettler = ReturnType<typeof leaseSettler>
