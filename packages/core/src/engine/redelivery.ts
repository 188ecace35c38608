import type { DeliveredPayment, Ledger } from '../ledger.js'
import type { PaymentKey } from '../paymentKey.js'
import type { ChainPlugin, ChallengeContext } from '../plugin.js'
import type { ResolvedOffer } from '../price.js'
import { proofMessage } from '../proofMessage.js'
import type { PaidOutcome, PaymentReceipt, ReplayOutcome } from './outcome.js'
import { paymentResponseHeaders } from './paymentResponse.js'

/** A request presenting a payment the ledger already holds as committed. */
export interface RedeliveryRequest {
  ledger: Ledger
  key: PaymentKey
  plugin: ChainPlugin
  txId: string
  /** `METHOD /path`, HEAD counted as GET. */
  resource: string
  /** The verified challenge it carried, if any. */
  challenge: ChallengeContext | undefined
  /** `x-payment-proof`, if sent. */
  proof: string | undefined
  /** How long after its commit a response may be re-delivered; 0: never. */
  windowMs: number
}

/**
 * The committed payment this request may have again without paying (docs/protocol.md section 6), or
 * `undefined` (answer `tx_already_used`). Only its payer can ask: by the challenge id it paid
 * against (never on chain) or by its proof signature; only for the same resource, within the
 * window. A hash alone, which anyone watching the chain has, never re-delivers.
 *
 * @example
 * const again = await findRedelivery({ ledger, key, plugin, txId, resource: 'GET /api/x', challenge, proof, windowMs: 600_000 })
 */
export async function findRedelivery(
  request: RedeliveryRequest,
): Promise<DeliveredPayment | undefined> {
  const { challenge, proof } = request
  if (request.windowMs <= 0 || (!challenge && !proof)) return undefined
  const payment = await request.ledger.findDelivered(request.key)
  if (!payment || payment.resource !== request.resource) return undefined
  if (Date.now() - payment.deliveredAt > request.windowMs) return undefined
  if (challenge && payment.challengeId === challenge.id) return payment
  if (!proof || !request.plugin.verifyProof) return undefined
  const signed = await request.plugin.verifyProof({
    message: proofMessage({
      network: request.plugin.network,
      txId: request.txId,
      challengeId: challenge?.id,
    }),
    signature: proof,
    payer: payment.payer,
  })
  return signed ? payment : undefined
}

/**
 * How a re-delivery is served: GET (and HEAD) run the route again, with nothing to commit or
 * release; other methods replay the kept response; `undefined` when none was kept (answer 409
 * `response_not_stored`). `PAYMENT-RESPONSE` and the receipt say `redelivered`.
 */
export function redeliveryOutcome(
  again: DeliveredPayment,
  offer: ResolvedOffer,
  txId: string,
  method: string,
): PaidOutcome | ReplayOutcome | undefined {
  const payment: PaymentReceipt = {
    chain: offer.plugin.name,
    network: offer.plugin.network,
    transaction: txId,
    payer: again.payer,
    payTo: again.payTo,
    asset: offer.requirement.asset,
    amount: again.amount,
    challengeId: again.challengeId,
    redelivered: true,
  }
  const headers = paymentResponseHeaders(payment)
  if (method === 'GET' || method === 'HEAD') {
    return {
      type: 'paid',
      payment,
      headers,
      confirm: async () => undefined,
      settle: async () => {},
      finish: async () => undefined,
    }
  }
  return again.response ? { type: 'replay', payment, response: again.response, headers } : undefined
}
