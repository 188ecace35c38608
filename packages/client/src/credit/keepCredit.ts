import { headerNames } from '@tx402/core/protocol'
import type { ExchangeResponse, Flow } from '../exchange.js'
import { creditsOf } from './creditJournal.js'
import { type CreditRecord, creditKey, readPaymentCredit, recordOf } from './creditRecord.js'

/** Routes remembered per balance for sending its token at once. */
const maxResources = 32

/**
 * Keeps the balance a served response reports in `PAYMENT-CREDIT` (bought, topped up or spent)
 * in the journal, under the origin that answered (its token is sent back only there), with the
 * route that took it.
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
  const credits = creditsOf(flow.journal)
  const record = recordOf(credit, flow.exchange.origin, scope)
  const known = (await credits.list()).find((r) => creditKey(r) === creditKey(record))
  const resource = routeKey(flow.exchange.method, flow.exchange.path)
  const others = (known?.resources ?? []).filter((r) => r !== resource)
  record.resources = [resource, ...others].slice(0, maxResources)
  await credits.put(record)
}

/**
 * The balance whose token a request to this route is sent with at once: one that took this
 * route before and, as last reported, is not expired and not empty.
 *
 * @example const record = await creditFor(journal, 'https://api.example.com', 'GET', '/api/weather')
 */
export async function creditFor<R>(
  flow: Pick<Flow<R>, 'journal'>,
  origin: string,
  method: string,
  path: string,
): Promise<CreditRecord | undefined> {
  const resource = routeKey(method, path)
  const now = Date.now()
  return (await creditsOf(flow.journal).list()).find(
    (r) =>
      r.origin === origin &&
      r.resources?.includes(resource) &&
      r.remaining !== '0' &&
      !(r.expiresAt && Date.parse(r.expiresAt) <= now),
  )
}

function routeKey(method: string, path: string): string {
  return `${method.toUpperCase()} ${path}`
}
