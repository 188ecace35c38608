import { assetId } from '../assetId.js'
import type { ResolvedOffer } from '../price.js'
import { encodeBase64Json } from '../protocol/base64Json.js'
import { headerNames } from '../protocol/headers.js'
import type { PaymentCredit } from '../protocol/types.js'
import type { CreditReceipt } from './outcome.js'

/**
 * The `PAYMENT-CREDIT` header (docs/protocol.md section 7.4) of a response that bought, topped
 * up or spent credit: the token to spend next, and the balance after this request.
 *
 * @example ctx.set(paymentCreditHeaders(token, offer, receipt, 'default'))
 */
export function paymentCreditHeaders(
  token: string,
  { plugin, requirement }: ResolvedOffer,
  receipt: CreditReceipt,
  scope: string,
): Record<string, string> {
  const body: PaymentCredit = {
    token,
    network: plugin.network,
    asset: assetId(requirement.asset),
    remaining: receipt.remaining.toString(),
    charged: receipt.charged.toString(),
    ...(receipt.expiresAt !== undefined
      ? { expiresAt: new Date(receipt.expiresAt).toISOString() }
      : {}),
    scope,
  }
  return { [headerNames.paymentCredit]: encodeBase64Json(body) }
}
