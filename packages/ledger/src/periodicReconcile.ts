import { ConfigurationError, type Ledger, type Logger } from '@tx402/core'

/**
 * Runs `ledger.reconcile()` every `everyMs` (0 or undefined: never) and logs what it changed;
 * a failed run is logged and tried again next time. Returns the function that stops it.
 *
 * @example const stop = reconcileEvery(ledger, 60_000, logger); … stop()
 */
export function reconcileEvery(
  ledger: Pick<Ledger, 'reconcile'>,
  everyMs: number | undefined,
  logger: Logger,
): () => void {
  if (everyMs === undefined || everyMs === 0) return () => {}
  if (!(Number.isFinite(everyMs) && everyMs > 0)) {
    throw new ConfigurationError('`reconcileEveryMs` must be a positive number of milliseconds.')
  }
  let running = false
  const timer = setInterval(async () => {
    if (running) return
    running = true
    try {
      const { released, creditReturned = [] } = await ledger.reconcile()
      if (released.length > 0) {
        logger.warn({ released }, 'tx402 ledger: reconcile released claims whose holder was gone')
      }
      if (creditReturned.length > 0) {
        logger.warn(
          { creditReturned },
          'tx402 ledger: reconcile gave back credit reservations whose holder was gone',
        )
      }
    } catch (error) {
      logger.warn(
        { err: { name: (error as Error)?.name, message: (error as Error)?.message } },
        'tx402 ledger: reconcile failed; trying again next time',
      )
    } finally {
      running = false
    }
  }, everyMs)
  timer.unref?.()
  return () => clearInterval(timer)
}
