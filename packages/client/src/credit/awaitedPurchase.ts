import { headerNames } from '@tx402/core/protocol'
import type { ExchangeResponse, Flow } from '../exchange.js'
import type { JournalEntry, PaymentJournal } from '../journal/types.js'
import { creditsOf } from './creditJournal.js'
import { readPaymentCredit } from './creditRecord.js'

/**
 * Keeps a served purchase journaled until its token is first accepted (docs/protocol.md 7.5),
 * instead of forgetting it: the server commits a payment only after its response went out, and a
 * server process that died in between holds the purchase claimed until that token is spent (or
 * the payment is presented again). Should the token ever be refused as `credit_invalid`, the
 * payment is still here to present again (`settlePayment`), never bought anew. True when kept;
 * false for anything but a new balance's purchase (a top-up's token was accepted before; a
 * re-delivery's payment is committed already), which the caller forgets as before.
 *
 * @example if (!(await awaitToken(flow, entry, response, redelivered))) await journal.delete(id)
 */
export async function awaitToken<R>(
  flow: Flow<R>,
  entry: JournalEntry,
  response: ExchangeResponse<R>,
  redelivered: boolean,
): Promise<boolean> {
  if (entry.topUp || redelivered) return false
  const credit = readPaymentCredit(response.header(headerNames.paymentCredit))
  if (credit?.charged !== '0') return false
  await flow.journal.put({ ...entry, state: 'confirmed', awaitingToken: credit.token })
  return true
}

/**
 * A token was accepted (a spend served): the purchases that waited for it are settled.
 *
 * @example await tokenAccepted(journal, record.token)
 */
export async function tokenAccepted(journal: PaymentJournal, token: string): Promise<void> {
  for (const entry of await journal.list()) {
    if (entry.awaitingToken === token) await journal.delete(entry.challengeId)
  }
}

/**
 * Whether a journaled purchase still waits on a token the client holds: that token is spent
 * first (its spend commits the purchase); the payment is presented again only once the token is
 * gone (refused for good).
 *
 * @example const unsettled = entries.filter((e) => !(await waitsOnHeldToken(journal, e)))
 */
export async function waitsOnHeldToken(
  journal: PaymentJournal,
  entry: JournalEntry,
): Promise<boolean> {
  if (!entry.awaitingToken) return false
  return (await creditsOf(journal).list()).some((r) => r.token === entry.awaitingToken)
}
