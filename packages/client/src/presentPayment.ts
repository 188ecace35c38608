import {
  type AcceptOption,
  type ErrorCode,
  headerNames,
  type PaymentRequiredBody,
  proofMessage,
} from '@tx402/core/protocol'
import { awaitToken } from './credit/awaitedPurchase.js'
import { keepCredit } from './credit/keepCredit.js'
import { dropTopUp, sendPresentation } from './credit/topUp.js'
import { PaymentRejectedError, PaymentTimeoutError } from './errors.js'
import type { ExchangeResponse, Flow } from './exchange.js'
import type { JournalEntry } from './journal/types.js'
import { bringOnChain } from './onChain.js'
import type { Payer } from './payer.js'
import { canPresentBare } from './presentWithoutChallenge.js'
import { isPaymentRequiredBody, readErrorBody } from './readErrorBody.js'
import { chargedRedirect, isPaidRedirect } from './redirects.js'
import { retryDelay, sleep } from './retryDelay.js'
import { handlingOf, isRedelivery } from './serverAnswers.js'

/**
 * How a presentation ended: the caller's response, a redirect to follow without the payment
 * headers, or a refusal with the server's fresh 402.
 */
export type Presented<R> =
  /** `redelivered`: the server served this payment again (`PAYMENT-RESPONSE`), charging nothing. */
  | { kind: 'answered'; response: R; redelivered?: boolean }
  /**
   * A 3xx (docs/protocol.md section 6.3). `charged`: the route's answer (a POST's 303): its
   * receipt and credit were read and the entry dropped; else released (a GET's redirect): the
   * entry stays journaled, usable at the target.
   */
  | { kind: 'redirected'; response: ExchangeResponse<R>; charged: boolean }
  | { kind: 'rejected'; body: PaymentRequiredBody; error: PaymentRejectedError }

/**
 * Sends the request with a confirmed payment's headers until the server answers for good, and
 * never pays: a network error or a timeout sends the same headers again (the server re-delivers
 * a response it served), as do the retryable codes until `flow.deadline`; `tx_not_found` for a
 * transaction the payer's own RPC reports confirmed is presented again until
 * `flow.notFoundWindowMs` after the first one. The journal entry is dropped once the response was
 * received whole, or on a refusal that presenting again cannot change; it is kept when the call
 * gives up (`PaymentTimeoutError`, the caller's abort), so the next call presents it again.
 *
 * @example const result = await presentPayment(flow, entry, payer, challengeBody)
 */
export async function presentPayment<R>(
  flow: Flow<R>,
  entry: JournalEntry,
  payer: Payer,
  body: PaymentRequiredBody,
): Promise<Presented<R>> {
  const option = optionFor(body, entry.network)
  // Dropped after a challenge_invalid where the binding allows it (presentWithoutChallenge.ts).
  let challengeId: string | undefined = entry.challengeId
  let headers = await paymentHeaders(entry, payer, option, challengeId)
  let lastCode: ErrorCode | undefined
  let notFoundUntil: number | undefined
  for (let attempt = 0; ; attempt++) {
    const { txId } = entry.payment
    const sent = await deliver(flow, headers)
    if ('fault' in sent) {
      // The headers may have reached the server and its answer been lost: the same headers
      // again are a re-delivery, never a second payment.
      const wait = retryDelay(null, attempt)
      const waiting = `a response from the server (last attempt: ${describe(sent.fault)})`
      await pause(flow, wait, flow.deadline, { txId, lastCode, waiting, cause: sent.fault })
      continue
    }
    if ('unsent' in sent) {
      // A top-up that would have left the origin: presented without the token (a new balance).
      await dropTopUp(flow, entry, false)
      headers = await paymentHeaders(entry, payer, option, challengeId)
      continue
    }
    const { response } = sent
    if ('redirect' in sent) {
      // Read as a 200 would be when charged; never followed with these headers (the caller does).
      const charged = chargedRedirect(response, flow.exchange.method)
      if (charged) {
        await keepCredit(flow, response, option?.credit?.scope ?? '')
        // A purchase answered 303 waits for its token like one answered 200 (awaitedPurchase.ts).
        const redelivered = isRedelivery(response.header(headerNames.paymentResponse))
        if (!(await awaitToken(flow, entry, response, redelivered))) {
          await flow.journal.delete(entry.challengeId)
        }
      }
      return { kind: 'redirected', response, charged }
    }
    if ('served' in sent) {
      await keepCredit(flow, sent.response, option?.credit?.scope ?? '')
      const redelivered = isRedelivery(response.header(headerNames.paymentResponse))
      // A purchase stays journaled until its token is first accepted (awaitedPurchase.ts).
      if (!(await awaitToken(flow, entry, response, redelivered))) {
        await flow.journal.delete(entry.challengeId)
      }
      return { kind: 'answered', response: sent.served, redelivered }
    }
    const error = readErrorBody(await response.body(), response.header(headerNames.paymentRequired))
    // The route's own error: the server released the payment, so the entry stays for reuse.
    if (!error) return { kind: 'answered', response: response.raw }
    response.discard()
    lastCode = error.error
    if (entry.topUp && (lastCode === 'credit_invalid' || lastCode === 'credit_expired')) {
      // Refused before anything was consumed: the same payment opens a balance of its own.
      await dropTopUp(flow, entry, true)
      headers = await paymentHeaders(entry, payer, option, challengeId)
      continue
    }
    if (lastCode === 'challenge_invalid' && challengeId && canPresentBare(option)) {
      // Its challenge expired while the wallet waited (or the server no longer takes it): the
      // payment itself is still good, so it is presented as the protocol allows, bound by
      // the payer's proof instead, before it is ever given up.
      challengeId = undefined
      headers = await paymentHeaders(entry, payer, option, challengeId)
      continue
    }
    const handling = handlingOf(error.error)
    const wait = retryDelay(response.header('retry-after'), attempt)
    if (handling === 'retry') {
      const waiting = `the server to accept the payment (last answer: ${lastCode})`
      await pause(flow, wait, flow.deadline, { txId, lastCode, waiting })
      continue
    }
    if (handling === 'not_found') {
      notFoundUntil ??= Date.now() + flow.notFoundWindowMs
      const waiting = `the server's RPC to see the transaction (it answered tx_not_found for ${Math.round(flow.notFoundWindowMs / 1000)} s)`
      if (Date.now() + wait > notFoundUntil) {
        throw new PaymentTimeoutError({ txId, lastCode, waiting })
      }
      // Public RPCs lag each other: the payer's own RPC says whether the payment is there.
      const window = { ...flow, deadline: notFoundUntil }
      if (await bringOnChain(window, entry, payer, option ?? {}, true)) {
        if (entry.payment.txId !== txId) {
          headers = await paymentHeaders(entry, payer, option, challengeId)
        }
        await pause(flow, wait, notFoundUntil, { txId, lastCode, waiting })
        continue
      }
      // It can never land (bringOnChain dropped it): nothing was paid.
      return refusal(response, error, txId)
    }
    // server_error: nothing was consumed and the fault is the server's; never paid again.
    if (handling !== 'kept') await flow.journal.delete(entry.challengeId)
    return refusal(response, error, txId)
  }
}

/**
 * The option of the server's `accepts` on a journaled payment's network, if it still offers one.
 *
 * @example const option = optionFor(challengeBody, entry.network)
 */
export function optionFor(body: PaymentRequiredBody, network: string): AcceptOption | undefined {
  return body.accepts.find((o) => o.network.toLowerCase() === network.toLowerCase())
}

/**
 * The payment headers of a journaled payment, against `challengeId` (none: bare), with a proof
 * when the option asks for one or the payment goes bare (the proof then binds it to its payer).
 */
async function paymentHeaders(
  entry: JournalEntry,
  payer: Payer,
  option: AcceptOption | undefined,
  challengeId: string | undefined,
): Promise<Record<string, string>> {
  const { txId } = entry.payment
  const headers: Record<string, string> = {
    [headerNames.tx]: txId,
    [headerNames.chain]: entry.chain,
    ...(challengeId ? { [headerNames.challenge]: challengeId } : {}),
    ...(entry.topUp ? { [headerNames.credit]: entry.topUp } : {}),
  }
  if (option?.proofRequired || (!challengeId && payer.signsProofs)) {
    const message = proofMessage({ network: entry.network, txId, challengeId })
    headers[headerNames.proof] = await payer.signProof(message)
  }
  return headers
}

type Sent<R> =
  | { response: ExchangeResponse<R>; served: R }
  | { response: ExchangeResponse<R>; redirect: true }
  | { response: ExchangeResponse<R> }
  | { unsent: true }
  | { fault: unknown }

/**
 * Sends once. A response below 400 is received whole here, so a connection lost mid-body is a
 * fault like any other. The caller's abort is thrown: nothing is sent again after it.
 */
async function deliver<R>(flow: Flow<R>, headers: Record<string, string>): Promise<Sent<R>> {
  try {
    const response = await sendPresentation(flow, headers)
    if (response === 'redirected') return { unsent: true }
    if (isPaidRedirect(response)) return { response, redirect: true }
    if (response.status >= 400) return { response }
    return { response, served: response.complete ? await response.complete() : response.raw }
  } catch (fault) {
    if (flow.exchange.signal?.aborted || flow.exchange.isAbort?.(fault)) throw fault
    return { fault }
  }
}

async function pause<R>(
  flow: Flow<R>,
  wait: number,
  until: number,
  giveUp: ConstructorParameters<typeof PaymentTimeoutError>[0],
): Promise<void> {
  if (Date.now() + wait > until) throw new PaymentTimeoutError(giveUp)
  await sleep(wait, flow.exchange.signal)
}

function refusal<R>(
  response: ExchangeResponse<R>,
  error: NonNullable<ReturnType<typeof readErrorBody>>,
  txId: string,
): Presented<R> {
  const rejection = new PaymentRejectedError({
    code: error.error,
    message: error.message,
    status: response.status,
    txId,
  })
  if (response.status === 402 && isPaymentRequiredBody(error)) {
    return { kind: 'rejected', body: error, error: rejection }
  }
  throw rejection
}

function describe(fault: unknown): string {
  const cause =
    fault instanceof Error && fault.cause instanceof Error ? `: ${fault.cause.message}` : ''
  return fault instanceof Error ? `${fault.message}${cause}` : String(fault)
}
