import { encodeBase64Json } from '../protocol/base64Json.js'
import { headerNames } from '../protocol/headers.js'
import type { PaymentResponse } from '../protocol/types.js'
import type { PaymentReceipt } from './outcome.js'

/**
 * The `PAYMENT-RESPONSE` header of a served response (docs/protocol.md section 5), marked
 * `redelivered` when the receipt is a re-delivery.
 *
 * @example ctx.set(paymentResponseHeaders(receipt))
 */
export function paymentResponseHeaders(receipt: PaymentReceipt): Record<string, string> {
  const body: PaymentResponse = {
    success: true,
    network: receipt.network,
    chain: receipt.chain,
    transaction: receipt.transaction,
    payer: receipt.payer,
    asset: receipt.asset,
    amount: receipt.amount.toString(),
    ...(receipt.credit ? { creditRemaining: receipt.credit.remaining.toString() } : {}),
    ...(receipt.redelivered ? { redelivered: true as const } : {}),
  }
  return { [headerNames.paymentResponse]: encodeBase64Json(body) }
}
