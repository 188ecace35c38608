import { ConfigurationError, type Ledger, type Logger } from '@tx402/core'

/**
 * How often a ledger reconciles by default, in ms: lapsed claims (docs/protocol.md 6.1) and lapsed
 * credit reservations are repaired within a minute of lapsing without an operator's cron job, at
 * the cost of one indexed statement per process per minute.
 */
export const defaultReconcileEveryMs = 60_000

/**
 * Runs `ledger.reconcile()` every `everyMs` (undefined: `defaultReconcileEveryMs`; 0: never) and
 * logs what it changed; a failed run is logged and tried again next time. The timer never keeps
 * the process alive. Returns the function that stops it.
 *
 * @throws ConfigurationError for a negative or non-finite `everyMs`.
 * @example const stop = reconcileEvery(ledger, 60_000, logger); … stop()
 */
export function reconcileEvery(
  ledger: Pick<Ledger, 'reconcile'>,
  everyMs: number | undefined = defaultReconcileEveryMs,
  logger: Logger,
): () => void {
  if (everyMs === 0) return () => {}
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
