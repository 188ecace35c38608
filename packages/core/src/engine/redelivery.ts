import type { DeliveredPayment, Ledger } from '../ledger.js'
import type { PaymentKey } from '../paymentKey.js'
import type { PaidOutcome, PaymentReceipt, ReplayOutcome } from './outcome.js'
import { paymentResponseHeaders } from './paymentResponse.js'
import type { SchemePayment } from './types.js'

/** A request presenting a payment the ledger already holds as committed. */
export interface RedeliveryRequest {
  ledger: Ledger
  key: PaymentKey
  /** `METHOD origin/path?query` (`paidResource`), HEAD counted as GET. */
  resource: string
  /** The id of the verified challenge it carried, if any. */
  challengeId: string | undefined
  /** Whether the request is by a given payer (`SchemePayment.isPayer`), if the scheme can tell. */
  isPayer?: ((payer: string) => Promise<boolean>) | undefined
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
 * const again = await findRedelivery({ ledger, key, resource: 'GET https://api.example.com/api/x?q=a', challengeId, isPayer, windowMs: 600_000, limit: 3 })
 */
export async function findRedelivery(
  request: RedeliveryRequest,
): Promise<DeliveredPayment | undefined> {
  const { challengeId, isPayer } = request
  if (request.windowMs <= 0 || request.limit <= 0 || (!challengeId && !isPayer)) return undefined
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
  if (request.challengeId && payment.challengeId === request.challengeId) return true
  return (await request.isPayer?.(payment.payer)) === true
}

/**
 * How a re-delivery is served: GET (and HEAD) run the route again, with nothing to commit or
 * release; other methods replay the kept response; `undefined` when none was kept (answer 409
 * `response_not_stored`). `PAYMENT-RESPONSE` and the receipt say `redelivered`.
 */
export function redeliveryOutcome(
  again: DeliveredPayment,
  presented: Pick<SchemePayment, 'chain' | 'network' | 'id' | 'asset'>,
  method: string,
  ended: (payment: PaymentReceipt, failure: undefined, served: boolean) => void,
): PaidOutcome | ReplayOutcome | undefined {
  const payment: PaymentReceipt = {
    chain: presented.chain,
    network: presented.network,
    transaction: presented.id,
    payer: again.payer,
    payTo: again.payTo,
    asset: presented.asset,
    amount: again.amount,
    challengeId: again.challengeId,
    redelivered: true,
  }
  const headers = paymentResponseHeaders(payment)
  if (method === 'GET' || method === 'HEAD') {
    let reported = false
    // Nothing to commit or release: its ending is only reported, once.
    const end = (served: boolean) => {
      if (reported) return
      reported = true
      ended(payment, undefined, served)
    }
    return {
      type: 'paid',
      payment,
      headers,
      confirm: async () => undefined,
      settle: async (delivered) => end(delivered),
      finish: async (served) => {
        end(served)
        return undefined
      },
    }
  }
  return again.response ? { type: 'replay', payment, response: again.response, headers } : undefined
}
