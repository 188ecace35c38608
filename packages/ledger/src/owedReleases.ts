import { type Lease, type Logger, type PaymentKey, paymentKeyId } from '@tx402/core'

const retryIntervalMs = 500
const retryForMs = 10 * 60_000

/**
 * The releases this process owes: the store refused them, and a commit whose reply was lost may
 * have consumed a payment that was never served. Each is retried in the background (every
 * 500 ms, for up to 10 minutes) and finished first whenever its payment is looked up here. The
 * claim cache's owed-release key tells the other processes, and outlives this one.
 *
 * @example
 * const owed = owedReleases((lease) => store.unclaim(lease), landed, logger)
 * owed.owe(lease); await owed.land(key) // throws while the store still refuses
 */
export function owedReleases(
  unclaim: (lease: Lease) => Promise<unknown>,
  landed: (lease: Lease) => Promise<void>,
  logger: Pick<Logger, 'error'>,
) {
  const owed = new Map<string, { lease: Lease; since: number }>()
  let timer: ReturnType<typeof setInterval> | undefined

  const land = async (id: string): Promise<void> => {
    const entry = owed.get(id)
    if (!entry) return
    await unclaim(entry.lease)
    if (owed.get(id) === entry) owed.delete(id)
    await landed(entry.lease)
  }

  const retry = () => {
    for (const [id, { lease, since }] of owed) {
      if (Date.now() - since > retryForMs) {
        owed.delete(id)
        logger.error(
          { key: lease.key },
          'tx402 ledger: gave up releasing a payment that was not served',
        )
        continue
      }
      land(id).catch(() => undefined)
    }
    if (owed.size === 0 && timer) {
      clearInterval(timer)
      timer = undefined
    }
  }

  return {
    /** Records a release the store refused, and starts retrying it. */
    owe(lease: Lease): void {
      owed.set(paymentKeyId(lease.key), { lease, since: Date.now() })
      if (timer) return
      timer = setInterval(retry, retryIntervalMs)
      timer.unref?.()
    },
    /** Finishes the release owed here for `key`, if any; throws the store's fault. */
    land: (key: PaymentKey): Promise<void> => land(paymentKeyId(key)),
    /** Stops retrying (the ledger is closing). */
    stop(): void {
      clearInterval(timer)
      timer = undefined
    },
  }
}
