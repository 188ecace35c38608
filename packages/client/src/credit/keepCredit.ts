import { headerNames } from '@tx402/core/protocol'
import type { ExchangeResponse, Flow } from '../exchange.js'
import { creditsOf } from './creditJournal.js'
import { readPaymentCredit, recordOf } from './creditRecord.js'

/**
 * Keeps the balance a served response reports in `PAYMENT-CREDIT` (bought, topped up or spent)
 * in the journal, under the origin that answered: its token is sent back only there.
 *
 * @example await keepCredit(flow, response, option.credit?.scope ?? '')
 */
export async function keepCredit<R>(
  flow: Flow<R>,
  response: ExchangeResponse<R>,
  scope: string,
): Promise<void> {
  const credit = readPaymentCredit(response.header(headerNames.paymentCredit))
  if (!credit) return
  await creditsOf(flow.journal).put(recordOf(credit, flow.exchange.origin, scope))
}
