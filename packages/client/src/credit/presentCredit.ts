import {
  type ErrorCode,
  headerNames,
  type PaymentRequiredBody,
  parseBaseUnits,
} from '@tx402/core/protocol'
import { CreditUnavailableError } from '../errors.js'
import type { ExchangeResponse, Flow } from '../exchange.js'
import { isPaymentRequiredBody, readErrorBody } from '../readErrorBody.js'
import { chargedRedirect, isPaidRedirect } from '../redirects.js'
import { retryDelay, sleep } from '../retryDelay.js'
import { handlingOf } from '../serverAnswers.js'
import { tokenAccepted } from './awaitedPurchase.js'
import { creditsOf } from './creditJournal.js'
import { type CreditRecord, creditKey, toBalance } from './creditRecord.js'
import { takes } from './heldCredit.js'
import { keepCredit } from './keepCredit.js'

/**
 * How spending a credit token ended:
 * - `served`: the route answered below 400, received whole (the balance was charged);
 * - `answered`: the route's own error (the server gave the credit back): returned as is;
 * - `exhausted`: the balance holds less than the price (`credit_exhausted`): top up, or pay;
 * - `dropped`: the token is refused for good (`credit_invalid`, `credit_expired`, a 400) and was
 *   removed from the journal: pay per the fresh 402;
 * - `unusable`: not spent here (another refusal): pay, keeping the token;
 * - `redirected`: a 3xx, to follow without the token (docs/protocol.md section 6.3); `charged`
 *   (a POST's 303): the balance paid for it and `PAYMENT-CREDIT` was read; else (a GET's
 *   redirect) the reservation was given back.
 */
export type Spent<R> =
  | { kind: 'served' | 'answered'; response: R }
  | { kind: 'redirected'; response: ExchangeResponse<R>; charged: boolean }
  | { kind: 'exhausted' | 'dropped' | 'unusable'; body?: PaymentRequiredBody | undefined }

/**
 * Sends the request with `x-payment-credit` (docs/protocol.md section 7.3) until the server
 * answers for good. A network error, a timeout or a retryable answer (409, 429, 503) sends the
 * same token again until `flow.deadline`: a credited response that was not delivered was given
 * back, so nothing is spent twice for one call. Gives up with `CreditUnavailableError`, keeping
 * the token. Every served answer's `PAYMENT-CREDIT` updates the journal's record.
 *
 * A `credit_invalid` from a route that does not take this balance (it sells no credit of its
 * scope, network and asset) keeps the token: it is only dropped where the route would take it.
 *
 * @example const spent = await presentCredit(flow, held.record)
 */
export async function presentCredit<R>(flow: Flow<R>, record: CreditRecord): Promise<Spent<R>> {
  const send = flow.exchange.sendCredited
  if (!send) return { kind: 'unusable' }
  let lastCode: ErrorCode | undefined
  for (let attempt = 0; ; attempt++) {
    let response: ExchangeResponse<R> | 'redirected'
    let served: R
    try {
      response = await send({ [headerNames.credit]: record.token })
      if (response === 'redirected') return { kind: 'unusable' }
      if (isPaidRedirect(response)) {
        const charged = chargedRedirect(response, flow.exchange.method)
        if (charged) {
          await keepCredit(flow, response, record.scope)
          await tokenAccepted(flow.journal, record.token)
        }
        return { kind: 'redirected', response, charged }
      }
      if (response.status < 400) {
        served = response.complete ? await response.complete() : response.raw
        await keepCredit(flow, response, record.scope)
        await tokenAccepted(flow.journal, record.token)
        return { kind: 'served', response: served }
      }
    } catch (fault) {
      if (flow.exchange.signal?.aborted || flow.exchange.isAbort?.(fault)) throw fault
      await pause(flow, retryDelay(null, attempt), record, lastCode, fault)
      continue
    }
    const error = readErrorBody(await response.body(), response.header(headerNames.paymentRequired))
    if (!error) return { kind: 'answered', response: response.raw }
    response.discard()
    lastCode = error.error
    const body = isPaymentRequiredBody(error) ? error : undefined
    if (handlingOf(error.error) === 'kept') {
      // The server's own fault, which retrying will not fix: keep the token, pay nothing.
      throw new CreditUnavailableError({ lastCode, balance: toBalance(record) })
    }
    if (handlingOf(error.error) === 'retry') {
      await pause(flow, retryDelay(response.header('retry-after'), attempt), record, lastCode)
      continue
    }
    const credits = creditsOf(flow.journal)
    const option = body?.accepts.find(
      (o) => o.credit && (o.credit.scope ?? '') === record.scope && takes(o, record),
    )
    if (error.error === 'credit_exhausted') {
      // Spent elsewhere meanwhile (another process of this payer): known short from now on.
      if (!option || BigInt(record.remaining) >= parseBaseUnits(option.amount)) {
        await credits.put({ ...record, remaining: '0', updatedAt: Date.now() })
      }
      return { kind: 'exhausted', body }
    }
    const forGood: ErrorCode[] = ['credit_invalid', 'credit_expired', 'invalid_payment_headers']
    if (forGood.includes(error.error) && (option || error.error !== 'credit_invalid')) {
      await credits.delete(creditKey(record))
      return { kind: 'dropped', body }
    }
    return { kind: 'unusable', body }
  }
}

async function pause<R>(
  flow: Flow<R>,
  wait: number,
  record: CreditRecord,
  lastCode: ErrorCode | undefined,
  cause?: unknown,
): Promise<void> {
  if (Date.now() + wait > flow.deadline) {
    throw new CreditUnavailableError({ lastCode, balance: toBalance(record), cause })
  }
  await sleep(wait, flow.exchange.signal)
}
