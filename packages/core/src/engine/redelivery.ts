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
  /** `METHOD origin/path?query` (`paidResource`), HEAD counted as GET. */
  resource: string
  /** The verified challenge it carried, if any. */
  challenge: ChallengeContext | undefined
  /** `x-payment-proof`, if sent. */
  proof: string | undefined
  /** How long after its commit a response may be re-delivered; 0: never. */
  windowMs: number
  /** How many re-deliveries one payment may have, counted in the ledger; 0: none. */
  limit: number
}

/**
 * The resource a payment is kept for and re-delivered for: the method (HEAD counted as GET by
 * the caller), the origin asked (one app serving several hosts answers each its own), the path
 * and the query string, so a payment for one answer never buys another.
 *
 * @example paidResource({ method: 'GET', origin: 'https://api.example.com', path: '/api/search', query: 'q=a' })
 * // 'GET https://api.example.com/api/search?q=a'
 */
export function paidResource(request: {
  method: string
  path: string
  query?: string | undefined
  origin?: string | undefined
}) {
  const target = `${request.origin ?? ''}${request.path}`
  return request.query
    ? `${request.method} ${target}?${request.query}`
    : `${request.method} ${target}`
}

/**
 * The committed payment this request may have again without paying (docs/protocol.md section 6), or
 * `undefined` (answer `tx_already_used`). Only its payer can ask: by the challenge id it paid
 * against (never on chain) or by its proof signature; only for the same resource (method, origin,
 * path and query), within the window, and at most `limit` times (each one counted in the ledger,
 * last, once everything else held). A hash alone, which anyone watching the chain has, never
 * re-delivers. Throws the ledger's fault.
 *
 * @example
 * const again = await findRedelivery({ ledger, key, plugin, txId, resource: 'GET https://api.example.com/api/x?q=a', challenge, proof, windowMs: 600_000, limit: 3 })
 */
export async function findRedelivery(
  request: RedeliveryRequest,
): Promise<DeliveredPayment | undefined> {
  const { challenge, proof } = request
  if (request.windowMs <= 0 || request.limit <= 0 || (!challenge && !proof)) return undefined
  const payment = await request.ledger.findDelivered(request.key)
  if (!payment || payment.resource !== request.resource) return undefined
  if (Date.now() - payment.deliveredAt > request.windowMs) return undefined
  if (!(await boundToPayer(request, payment))) return undefined
  // Last: only the payer's own request for the same answer uses up one of its re-deliveries.
  return (await request.ledger.countRedelivery(request.key, request.limit)) ? payment : undefined
}

async function boundToPayer(
  request: RedeliveryRequest,
  payment: DeliveredPayment,
): Promise<boolean> {
  const { challenge, proof } = request
  if (challenge && payment.challengeId === challenge.id) return true
  if (!proof || !request.plugin.verifyProof) return false
  const signed = await request.plugin.verifyProof({
    message: proofMessage({
      network: request.plugin.network,
      txId: request.txId,
      challengeId: challenge?.id,
    }),
    signature: proof,
    payer: payment.payer,
  })
  return signed
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
