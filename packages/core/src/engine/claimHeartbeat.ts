import type { Lease, Ledger } from '../ledger.js'
import { describeFault } from '../rpc/rpcFault.js'

/** A lease kept alive from `acquire` until its payment settles. */
export interface ClaimHeartbeat {
  /** True once the ledger said another lease took the claim over. */
  readonly lost: boolean
  /**
   * True when the claim is certainly still this lease's: renewed (or acquired) recently enough
   * that it cannot have lapsed. Counted from when the request was sent, on this process's clock,
   * so no clock agreement with the ledger is needed.
   */
  heldWell(): boolean
  /** Renews now: false when the claim was lost. Throws the ledger's fault. */
  renewNow(): Promise<boolean>
  /** Stops renewing; later answers of a renewal in flight are ignored. */
  stop(): void
}

/** Where the heartbeat says that it could not renew. */
interface HeartbeatLog {
  warn(object: object, message?: string): void
}

/** Something held for `ttlMs` at a time and renewed: a payment's lease, a credit reservation. */
export interface Renewable {
  /** Extends the hold to `ttlMs` from now; false when it was lost. Throws the ledger's fault. */
  renew(ttlMs: number): Promise<boolean>
  /** Unix ms until which it is surely held (computed before it was taken). */
  expiresAt: number
  /** What the logs name it by (no secret). */
  label: object
}

/**
 * Renews `lease` every third of `ttlMs` until stopped, so a handler (and the send of its
 * response) may take any time: the claim lapses only when this process stops renewing it (it
 * died, or lost the ledger for longer than `ttlMs`).
 *
 * @example
 * const heartbeat = startHeartbeat(ledger, lease, 60_000, logger)
 * try { await runHandler() } finally { heartbeat.stop() }
 */
export function startHeartbeat(
  ledger: Ledger,
  lease: Lease,
  ttlMs: number,
  log: HeartbeatLog,
): ClaimHeartbeat {
  const renewable: Renewable = {
    renew: (ttl) => ledger.renew(lease, ttl),
    expiresAt: lease.expiresAt,
    label: { key: lease.key },
  }
  return keepAlive(renewable, ttlMs, log)
}

/**
 * Renews `held` every third of `ttlMs` until stopped (see `startHeartbeat`); the same heartbeat
 * keeps a credit reservation alive while a long handler runs.
 *
 * @example const heartbeat = keepAlive({ renew, expiresAt, label }, 60_000, logger)
 */
export function keepAlive(held: Renewable, ttlMs: number, log: HeartbeatLog): ClaimHeartbeat {
  // The hold was computed before it was sent, so it lasts at least until then.
  let heldUntil = held.expiresAt
  let lost = false
  let stopped = false
  let failing = false

  const renewNow = async (): Promise<boolean> => {
    const sent = Date.now()
    const renewed = await held.renew(ttlMs)
    if (stopped) return renewed
    if (renewed) heldUntil = Math.max(heldUntil, sent + ttlMs)
    else lost = true
    return renewed
  }

  const timer = setInterval(
    () => {
      renewNow().then(
        (renewed) => {
          failing = false
          if (!renewed) stop()
        },
        (cause: unknown) => {
          if (!failing) {
            log.warn(
              { ...held.label, err: describeFault(cause) },
              'tx402: could not renew a hold; retrying',
            )
          }
          failing = true
        },
      )
    },
    Math.max(1, Math.floor(ttlMs / 3)),
  )
  timer.unref?.()
  const stop = () => {
    stopped = true
    clearInterval(timer)
  }

  return {
    get lost() {
      return lost
    },
    // A third of the TTL left: what the next renewal would restore, with room for the send.
    heldWell: () => !lost && heldUntil - Date.now() > ttlMs / 3,
    renewNow,
    stop,
  }
}
