import { assetId } from '../assetId.js'
import type { CreditGrant } from '../credit.js'
import { paymentKey } from '../paymentKey.js'
import { startHeartbeat } from './claimHeartbeat.js'
import type { PaidOutcome, PaymentReceipt, ReplayOutcome } from './outcome.js'
import { findRedelivery, paidResource, redeliveryOutcome } from './redelivery.js'
import { type Refusal, refuse } from './refusal.js'
import { takePayment } from './takePayment.js'
import type { Claim, PaymentRequest, Route, SchemePayment } from './types.js'

const inProgressRetryAfterSeconds = 1
/** 402 `tx_already_used`: the payment this request presents was consumed by another. */
export const alreadyUsed = () =>
  refuse(
    'tx_already_used',
    'This transaction has already paid for a request. Pay again per accepts.',
  )

/**
 * Step 4, look up and claim (docs/protocol.md sections 1 and 6), for any scheme's verified
 * payment, keyed in the ledger by its network, id, payee and payer: a payment already committed
 * is re-delivered to its payer (GET, HEAD: run the route again; others: the kept response) or
 * refused (`tx_already_used`, `response_not_stored`); one another request holds is 409
 * `payment_in_progress`; otherwise this request claims it (`takePayment`), and a heartbeat keeps
 * the claim alive until the payment settles; `grant` (credit it buys) is marked with it, for its
 * commit to apply. Throws the ledger's fault (503, nothing consumed), after releasing anything
 * it took.
 *
 * @example
 * const claim = await claimPayment(route, { request, payment, ended })
 * if ('lease' in claim) return paidOutcome(…)
 */
export async function claimPayment(
  route: Route,
  {
    request,
    payment,
    grant,
    ended,
  }: {
    request: PaymentRequest
    payment: SchemePayment
    grant?: CreditGrant | undefined
    /** Called once a re-delivery run again (GET) ended, for its decision line. */
    ended: (payment: PaymentReceipt, failure: undefined, served: boolean) => void
  },
): Promise<Claim | Refusal | PaidOutcome | ReplayOutcome> {
  const { ledger, settler, claimTtlMs } = route
  const key = paymentKey({ ...payment, txId: payment.id })
  const resource = paidResource(request)
  const taken = await takePayment(
    ledger,
    key,
    claimTtlMs,
    {
      chain: payment.chain,
      asset: assetId(payment.asset),
      amount: payment.amount,
      resource,
      challengeId: payment.challengeId,
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
      resource,
      challengeId: payment.challengeId,
      isPayer: payment.isPayer,
      windowMs: route.redeliveryWindowMs,
      limit: route.maxRedeliveries,
    })
    if (!again) return alreadyUsed()
    const seen = { payer: again.payer, amount: again.amount.toString() }
    return (
      redeliveryOutcome(again, payment, request.method, ended) ?? {
        ...refuse(
          'response_not_stored',
          'This payment was served, but its response was too large (or a stream) to keep for re-delivery, so it cannot be served again. Pay again per accepts for a new request.',
        ),
        seen,
      }
    )
  }
  // From here until the payment settles, the claim is renewed: a slow handler or send never lets
  // another request take it over.
  return { lease: taken, heartbeat: startHeartbeat(ledger, taken, claimTtlMs, route.logger) }
}
