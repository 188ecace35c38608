import type { Logger } from '@tx402/core'

const retryIntervalMs = 500
const retryForMs = 10 * 60_000

/** What `owedRetries` needs: how to land one owed item, and how to name it when giving up. */
export interface OwedRetryOptions<T> {
  /** Lands the item in the store; a rejection keeps it owed. */
  land(item: T): Promise<unknown>
  /** Runs once the item landed, here or in the background (a cache to clear, say). */
  landed?(item: T): Promise<unknown>
  /** The log line and fields when an item is given up after 10 minutes. */
  gaveUp(item: T): { fields: Record<string, unknown>; message: string }
  logger: Pick<Logger, 'error'>
}

/**
 * The writes a ledger owes because its store refused them (a release, a credit spend given
 * back): each is retried in the background every 500 ms for up to 10 minutes, then logged as
 * given up. `land(id)` finishes one now (its caller needs it done before answering). Used for
 * payment releases and credit releases alike, so both keep the same retry promise.
 *
 * @example
 * const owed = owedRetries({ land: (lease) => store.unclaim(lease), gaveUp: (lease) => ({ fields: { key: lease.key }, message: 'gave up' }), logger })
 * owed.owe(id, lease); await owed.land(id) // throws while the store still refuses
 */
export function owedRetries<T>(options: OwedRetryOptions<T>) {
  const owed = new Map<string, { item: T; since: number }>()
  let timer: ReturnType<typeof setInterval> | undefined

  const land = async (id: string): Promise<void> => {
    const entry = owed.get(id)
    if (!entry) return
    await options.land(entry.item)
    // A newer debt under the same id (a later lease) stays owed.
    if (owed.get(id) === entry) owed.delete(id)
    await options.landed?.(entry.item)
  }

  const retry = () => {
    for (const [id, { item, since }] of owed) {
      if (Date.now() - since > retryForMs) {
        owed.delete(id)
        const { fields, message } = options.gaveUp(item)
        options.logger.error(fields, message)
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
    /** Records a write the store refused under `id`, and starts retrying it. */
    owe(id: string, item: T): void {
      owed.set(id, { item, since: Date.now() })
      if (timer) return
      timer = setInterval(retry, retryIntervalMs)
      timer.unref?.()
    },
    /** Finishes what is owed under `id`, if anything; throws the store's fault. */
    land,
    /** Drops what is owed under `id` (it landed another way). */
    forget(id: string): void {
      owed.delete(id)
    },
    /** Stops retrying (the ledger is closing). */
    stop(): void {
      clearInterval(timer)
      timer = undefined
    },
  }
}
