import { type Lease, type Logger, type PaymentKey, paymentKeyId } from '@tx402/core'
import { owedRetries } from './owedRetries.js'

/**
 * The releases this process owes: the store refused them, and a commit whose reply was lost may
 * have consumed a payment that was never served. Each is retried in the background
 * (`owedRetries`: every 500 ms, for up to 10 minutes) and finished first whenever its payment is
 * looked up here. The claim cache's owed-release key tells the other processes, and outlives
 * this one.
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
  const owed = owedRetries<Lease>({
    land: unclaim,
    landed,
    gaveUp: (lease) => ({
      fields: { key: lease.key },
      message: 'tx402 ledger: gave up releasing a payment that was not served',
    }),
    logger,
  })
  return {
    /** Records a release the store refused, and starts retrying it. */
    owe: (lease: Lease): void => owed.owe(paymentKeyId(lease.key), lease),
    /** Finishes the release owed here for `key`, if any; throws the store's fault. */
    land: (key: PaymentKey): Promise<void> => owed.land(paymentKeyId(key)),
    /** Stops retrying (the ledger is closing). */
    stop: owed.stop,
  }
}
