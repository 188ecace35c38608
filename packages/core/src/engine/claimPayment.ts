import { assetId } from '../assetId.js'
import type { CreditGrant } from '../credit.js'
import type { Ledger } from '../ledger.js'
import { paymentKey } from '../paymentKey.js'
import { startHeartbeat } from './claimHeartbeat.js'
import type { leaseSettler } from './leaseSettler.js'
import type { PaidOutcome, ReplayOutcome } from './outcome.js'
import { findRedelivery, paidResource, redeliveryOutcome } from './redelivery.js'
import { type Refusal, refuse } from './refusal.js'
import { takePayment } from './takePayment.js'
import type { Attempt, Claim, Logger, PaymentRequest, Trace, Verified } from './types.js'

/** What `claimPayment` needs besides the attempt. */
export interface ClaimDependencies {
  ledger: Ledger
  settler: ReturnType<typeof leaseSettler>
  logger: Pick<Logger, 'warn'>
  claimTtlMs: number
  /** 0: re-delivery off. */
  redeliveryWindowMs: number
  /** Re-deliveries one payment may have; 0: off. */
  maxRedeliveries: number
}

const inProgressRetryAfterSeconds = 1
/** 402 `tx_already_used`: the payment this request presents was consumed by another. */
export const alreadyUsed = () =>
  refuse(
    'tx_already_used',
    'This transaction has already paid for a request. Pay again per accepts.',
  )

/**
 * Step 4, look up and claim (docs/protocol.md sections 1 and 6): a payment already committed is
 * re-delivered to its payer (GET, HEAD: run the route again; others: the kept response) or
 * refused (`tx_already_used`, `response_not_stored`); one another request holds is 409
 * `payment_in_progress`; otherwise this request claims it (`takePayment`), and a heartbeat keeps the
 * claim alive until the payment settles; `grant` (credit it buys) is marked with it, for its
 * commit to apply. Throws the ledger's fault (503, nothing consumed), after releasing anything
 * it took.
 *
 * @example
 * const claim = await claimPayment(deps, request, attempt, verified, trace)
 * if ('lease' in claim) return paidOutcome(…)
 */
export async function claimPayment(
  dependencies: ClaimDependencies,
  request: PaymentRequest,
  attempt: Attempt,
  verified: Verified,
  trace: Trace,
  grant?: CreditGrant,
): Promise<Claim | Refusal | PaidOutcome | ReplayOutcome> {
  const { ledger, settler, claimTtlMs } = dependencies
  const { offer, txId, requirement, challenge } = attempt
  const { plugin } = offer
  const key = paymentKey({ network: plugin.network, txId, payTo: requirement.payTo, ...verified })
  const resource = paidResource(request)
  const taken = await takePayment(
    ledger,
    key,
    claimTtlMs,
    {
      chain: plugin.name,
      asset: assetId(requirement.asset),
      amount: verified.amount,
      resource,
      challengeId: challenge?.id,
      ...(grant ? { credit: grant } : {}),
    },
    (lease) => settler.release(lease),
  )
  if (taken === 'in_progress') {
    return refuse(
      'payment_in_progress',
      'Another request is using this payment right now. Retry after Retry-After seconds.',
      inProgressRetryAfterSeconds,
    )
  }
  if (taken === 'consumed') {
    const again = await findRedelivery({
      ledger,
      key,
      plugin,
      txId,
      resource,
      challenge,
      proof: attempt.proof,
      windowMs: dependencies.redeliveryWindowMs,
      limit: dependencies.maxRedeliveries,
    })
    if (!again) return alreadyUsed()
    trace.payer = again.payer
    trace.amount = again.amount.toString()
    return (
      redeliveryOutcome(again, offer, txId, request.method) ??
      refuse(
        'response_not_stored',
        'This payment was served, but its response was too large (or a stream) to keep for re-delivery, so it cannot be served again. Pay again per accepts for a new request.',
      )
    )
  }
  // From here until the payment settles, the claim is renewed: a slow handler or send never lets
  // another request take it over.
  return { lease: taken, heartbeat: startHeartbeat(ledger, taken, claimTtlMs, dependencies.logger) }
}
