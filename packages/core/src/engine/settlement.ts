import type { StoredResponse } from '../ledger.js'
import type { ClaimHeartbeat } from './claimHeartbeat.js'
import type { Hold, HoldSettler, leaseSettler } from './leaseSettler.js'
import type { CreditReceipt, PaidOutcome, PaymentReceipt, RespondOutcome } from './outcome.js'
import { paymentResponseHeaders } from './paymentResponse.js'
import type { Attempt, Claim, Verified } from './types.js'

/** How a paid request ended, for its decision line. */
export type Settled = 'served' | 'released' | RespondOutcome

/** What the settlement of one paid (or credited) request needs from its engine. */
export interface SettlementParts {
  /** The payment's lease, or the credit reservation, as a `Hold`. */
  hold: Hold
  heartbeat: ClaimHeartbeat
  settler: HoldSettler
  /** The 503 answer to give when the ledger fails, logged as a fault. */
  unavailable(cause: unknown): RespondOutcome
  /** Called once the commit landed (not for one retried in the background). */
  committed?: (() => void) | undefined
  /** Called when the payment is released: it may be presented again. */
  released?: (() => void) | undefined
}

/**
 * The end of a paid request's life (docs/protocol.md section 6): `confirm` right before the first
 * byte (the claim is still this request's), then `settle` once the response ended: delivered
 * commits, anything else releases. The heartbeat runs until the payment is settled, so no other
 * request can take the payment over while the response is being sent or its commit retried. The
 * same rules settle a credit reservation (`spendCredit`).
 */
export function settlement(parts: SettlementParts) {
  const { hold, heartbeat, settler, unavailable } = parts
  let done = false
  const release = async (): Promise<void> => {
    done = true
    heartbeat.stop()
    parts.released?.()
    await settler.release(hold)
  }

  const confirm = async (): Promise<RespondOutcome | undefined> => {
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

  const settle = async (delivered: boolean, response?: StoredResponse): Promise<Settled> => {
    if (done) return 'released'
    if (!delivered) {
      await release()
      return 'released'
    }
    done = true
    try {
      await settler.commit(hold, response)
      heartbeat.stop()
      parts.committed?.()
    } catch {
      // Delivered, so never released: the claim stays held (the heartbeat runs) while the commit
      // is retried in the background; the payment is never consumed twice meanwhile.
      settler.commitLater(hold, response, heartbeat)
    }
    return 'served'
  }

  /** For adapters that cannot watch the delivery: commit before serving, as the route answered. */
  const finish = async (served: boolean): Promise<Settled> => {
    if (done) return 'released'
    if (!served) return settle(false)
    const failure = await confirm()
    if (failure) return failure
    done = true
    try {
      await settler.commit(hold)
      heartbeat.stop()
      parts.committed?.()
      return 'served'
    } catch (error) {
      // Not served, so not consumed: undo the commit in case it landed and only the reply was lost.
      await release()
      return unavailable(error)
    }
  }

  return { confirm, settle, finish }
}

/** What `paidOutcome` needs besides the claim. */
export interface PaidDependencies {
  settler: ReturnType<typeof leaseSettler>
  /** 0: re-delivery off (no response is kept). */
  redeliveryWindowMs: number
  maxStoredResponseBytes: number
  /** The 503 answer to give when the ledger fails, logged as a fault. */
  unavailable(cause: unknown): RespondOutcome
  /** Called once the commit landed. */
  committed?: (() => void) | undefined
  /** Called when the payment is released: it may be presented again. */
  released?: (() => void) | undefined
}

/**
 * Step 5, settle: the `paid` outcome of a claimed payment, with its receipt and
 * `PAYMENT-RESPONSE`, and the `confirm` / `settle` / `finish` that commit it for a served
 * response and release it otherwise (`settlement`).
 *
 * A payment that buys credit carries `bought`: its receipt and `PAYMENT-CREDIT`.
 *
 * @example return paidOutcome(deps, request.method, attempt, verified, claim)
 */
export function paidOutcome(
  dependencies: PaidDependencies,
  method: string,
  { offer, txId, requirement, challenge }: Attempt,
  { payer, amount }: Verified,
  claim: Claim,
  bought?: { receipt: CreditReceipt; headers: Record<string, string> },
): PaidOutcome {
  const receipt: PaymentReceipt = {
    chain: offer.plugin.name,
    network: offer.plugin.network,
    transaction: txId,
    payer,
    payTo: requirement.payTo,
    asset: requirement.asset,
    amount,
    challengeId: challenge?.id,
    ...(bought ? { credit: bought.receipt } : {}),
  }
  const { settler, unavailable } = dependencies
  const settled = settlement({
    hold: settler.hold(claim.lease),
    heartbeat: claim.heartbeat,
    settler: settler.holds,
    unavailable,
    ...(dependencies.committed ? { committed: dependencies.committed } : {}),
    ...(dependencies.released ? { released: dependencies.released } : {}),
  })
  const { redeliveryWindowMs, maxStoredResponseBytes } = dependencies
  return settledOutcome(
    receipt,
    { ...paymentResponseHeaders(receipt), ...bought?.headers },
    settled,
    method !== 'GET' && redeliveryWindowMs > 0 ? maxStoredResponseBytes : undefined,
  )
}

/** The `paid` outcome of a request whose hold `settled` settles. */
export function settledOutcome(
  payment: PaymentReceipt,
  headers: Record<string, string>,
  settled: ReturnType<typeof settlement>,
  storeResponseUpTo: number | undefined,
): PaidOutcome {
  return {
    type: 'paid',
    payment,
    headers,
    storeResponseUpTo,
    confirm: settled.confirm,
    settle: async (delivered, response) => {
      await settled.settle(delivered, response)
    },
    finish: async (served) => {
      const end = await settled.finish(served)
      return typeof end === 'string' ? undefined : end
    },
  }
}
