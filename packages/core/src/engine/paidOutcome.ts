import type { StoredResponse } from '../ledger.js'
import type { ClaimHeartbeat } from './claimHeartbeat.js'
import type { Hold, HoldSettler } from './leaseSettler.js'
import type { PaidOutcome, PaymentReceipt, RespondOutcome } from './outcome.js'

/** One paid request's hold and what its ending tells (for `paidOutcome`). */
export interface PaidRequest {
  payment: PaymentReceipt
  /** `PAYMENT-RESPONSE` and/or `PAYMENT-CREDIT`. */
  headers: Record<string, string>
  /** Keep the response up to this many bytes for its re-delivery; undefined: keep none. */
  storeResponseUpTo: number | undefined
  /** The payment's lease, or the credit reservation, as a `Hold`, and its heartbeat. */
  hold: Hold
  heartbeat: ClaimHeartbeat
  settler: HoldSettler
  /** The 503 answer to give when the ledger fails, logged as a fault. */
  unavailable(cause: unknown): RespondOutcome
  /** Called once the commit landed (not for one retried in the background). */
  committed?: (() => void) | undefined
  /** Called when the hold is released: the payment may be presented again. */
  released?: (() => void) | undefined
  /** Called once, when the request ended: its failure, or whether it was served (reporting). */
  ended(failure: RespondOutcome | undefined, served: boolean): void
}

/**
 * Step 5, settle (docs/protocol.md section 6): the `paid` outcome of a held payment (a claimed
 * lease or a credit reservation), built once: `confirm` right before the first byte (the claim is
 * still this request's), then `settle` once the response ended: delivered commits, anything else
 * releases; or `finish` for an adapter that cannot watch the delivery. The heartbeat runs until
 * the payment is settled, so no other request can take it over while the response is being sent
 * or its commit retried. `ended` is called once, however it ends.
 *
 * @example return paidOutcome({ payment, headers, hold, heartbeat, settler, unavailable, ended, storeResponseUpTo: undefined })
 */
export function paidOutcome(paid: PaidRequest): PaidOutcome {
  const { hold, heartbeat, settler, unavailable } = paid
  let done = false
  let reported = false
  const end = (failure: RespondOutcome | undefined, served: boolean) => {
    if (reported) return
    reported = true
    paid.ended(failure, served)
  }
  const release = async (): Promise<void> => {
    done = true
    heartbeat.stop()
    paid.released?.()
    await settler.release(hold)
  }
  const commitNow = async (response?: StoredResponse): Promise<void> => {
    await settler.commit(hold, response)
    heartbeat.stop()
    paid.committed?.()
  }

  // Whether the claim is still this request's: else it is released, and the 503 to answer.
  const stillHeld = async (): Promise<RespondOutcome | undefined> => {
    if (done) return undefined
    let cause: unknown = new Error('the claim was taken over (it lapsed)')
    try {
      if (!heartbeat.lost && (heartbeat.heldWell() || (await heartbeat.renewNow()))) {
        return undefined
      }
    } catch (error) {
      cause = error
    }
    await release()
    return unavailable(cause)
  }
  const confirm = async (): Promise<RespondOutcome | undefined> => {
    const failure = await stillHeld()
    if (failure) end(failure, false)
    return failure
  }

  const settle = async (delivered: boolean, response?: StoredResponse): Promise<void> => {
    if (done) return end(undefined, delivered)
    if (!delivered) {
      await release()
      return end(undefined, false)
    }
    done = true
    try {
      await commitNow(response)
    } catch {
      // Delivered, so never released: the claim stays held (the heartbeat runs) while the commit
      // is retried in the background; the payment is never consumed twice meanwhile.
      settler.commitLater(hold, response, heartbeat)
    }
    end(undefined, true)
  }

  /** For adapters that cannot watch the delivery: commit before serving, as the route answered. */
  const finish = async (served: boolean): Promise<RespondOutcome | undefined> => {
    let failure: RespondOutcome | undefined
    if (!done && served) failure = await commitFirst()
    else if (!done) await release()
    end(failure, served)
    return failure
  }
  const commitFirst = async (): Promise<RespondOutcome | undefined> => {
    const lapsed = await stillHeld()
    if (lapsed) return lapsed
    done = true
    try {
      await commitNow()
      return undefined
    } catch (error) {
      // Not served, so not consumed: undo the commit in case it landed and only the reply was lost.
      await release()
      return unavailable(error)
    }
  }

  return {
    type: 'paid',
    payment: paid.payment,
    headers: paid.headers,
    storeResponseUpTo: paid.storeResponseUpTo,
    confirm,
    settle,
    finish,
  }
}
