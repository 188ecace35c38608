import { headerNames } from '../protocol/headers.js'
import { buyCredit, redeliveredCredit } from './buyCredit.js'
import { withCacheHeaders } from './cacheHeaders.js'
import { buildResponse } from './challengeResponse.js'
import { claimPayment } from './claimPayment.js'
import type { Outcome, PaymentReceipt, RespondOutcome } from './outcome.js'
import { paidOutcome } from './paidOutcome.js'
import { paymentResponseHeaders } from './paymentResponse.js'
import { isRefusal, refuse } from './refusal.js'
import { checkCreditToken } from './schemes/credit/creditRefusals.js'
import type {
  Attempt,
  EnginePayment,
  EngineScheme,
  PaymentRequest,
  Refusal,
  Route,
  SchemeAttempt,
  Trace,
} from './types.js'
import { isValueFault } from './valueFault.js'

/** One request as the pipeline carries it: what it asked, and its one decision record. */
interface Handling {
  request: PaymentRequest
  /** What the decision learned (chain, payer…), for its log line and hooks; written here only. */
  record: Trace
  /** When its paid response ended, reported with the time the decision took. */
  ended(payment: PaymentReceipt, failure: RespondOutcome | undefined, served: boolean): void
}

/**
 * The engine's pipeline for one request (docs/architecture.md, "the path of one request";
 * docs/protocol.md is the contract): read the attempt (the first scheme whose headers the request
 * carries), recall, admit, verify, buy credit, claim in the ledger (or re-deliver), settle (a
 * scheme the server settles), and the paid outcome that commits on delivery; every refusal is
 * answered with its status (a 402 with a fresh challenge), every decision reported. Never throws:
 * a fault is a 503 (a fault on a value, a 500), nothing consumed.
 *
 * @example
 * const route = resolveOptions({ chains: [base({ rpcUrl, payTo })], ledger, secret, price: '0.01' })
 * const outcome = await handlePayment(route, { method: 'GET', path: '/api/weather', headers })
 */
export async function handlePayment(route: Route, incoming: PaymentRequest): Promise<Outcome> {
  // HEAD is GET without a body (Koa routes it to the GET handler): one resource, one challenge.
  const upper = incoming.method.toUpperCase()
  const method = upper === 'HEAD' ? 'GET' : upper
  // The request as it came when its method is already the one to use (Koa's are upper-case).
  const request = method === incoming.method ? incoming : { ...incoming, method }
  const started = performance.now()
  const resource = `${request.method} ${request.path}`
  let decidedMs = 0
  const handling: Handling = {
    request,
    record: {},
    ended: (payment, failure, served) =>
      route.report.ended(payment, handling.record, resource, decidedMs, failure, served),
  }
  let outcome: Outcome
  try {
    outcome = await decide(route, handling)
  } catch (error) {
    // A bug in a scheme, a plugin or here (every expected failure is a refusal): 503, as a
    // plugin's garbled RPC answer may heal; a fault on a value never does (valueFault.ts): 500.
    outcome = unavailable(route, handling, 'rpc', error)
  }
  decidedMs = performance.now() - started
  // Every adapter gets the cache headers with the outcome: a shared cache keeps no payer's answer.
  const answered = withCacheHeaders(outcome)
  route.report.decided(answered, handling.record, resource, started)
  return answered
}

async function decide(route: Route, handling: Handling): Promise<Outcome> {
  const { request, record } = handling
  const read = readSchemeAttempt(route, request)
  if (isRefusal(read)) return answer(route, handling, read)
  const { scheme, attempt } = read
  Object.assign(record, attemptRecord(attempt))
  // A forged or altered credit token sent with a payment (a top-up) stops here: no ledger, no chain.
  const topUp = (attempt as Partial<Attempt>).credit
  const token = topUp === undefined ? undefined : checkCreditToken(route.keys, route.credit, topUp)
  if (token && isRefusal(token)) return answer(route, handling, token)

  const recalled = await scheme.recall?.(attempt)
  if (recalled) return answer(route, handling, recalled)
  const local = scheme.verifiesLocally === true
  const admitted = local ? undefined : await route.admission.admit(attempt, request.client)
  if (admitted && isRefusal(admitted)) return answer(route, handling, admitted)
  let payment: EnginePayment | Refusal
  try {
    payment = await scheme.verify(attempt)
  } catch (error) {
    return unavailable(route, handling, local ? 'ledger' : 'rpc', error)
  } finally {
    admitted?.free()
  }
  if (isRefusal(payment)) {
    const refusal =
      payment.refuse === 'tx_not_found' ? route.admission.notFound(attempt, payment) : payment
    return answer(route, handling, refusal)
  }
  record.payer = payment.payer
  record.amount = payment.amount.toString()
  if (payment.held) return paidFromHold(route, handling, payment, payment.held)

  let purchase: Awaited<ReturnType<typeof buyCredit>>
  let claim: Awaited<ReturnType<typeof claimPayment>>
  try {
    purchase = route.ledger.credit
      ? await buyCredit(route, { ledger: route.ledger.credit, payment, token })
      : undefined
    if (purchase && isRefusal(purchase)) return answer(route, handling, purchase)
    if (purchase) record.balance = purchase.grant.balanceId
    claim = await claimPayment(route, {
      request,
      payment,
      grant: purchase?.grant,
      ended: handling.ended,
    })
  } catch (error) {
    return unavailable(route, handling, 'ledger', error)
  }
  // Not remembered when the ledger answers consumed: another process's commit whose reply was
  // lost is undone by its release (maybe an owed one, minutes later), and the payment is then
  // usable again; only this process's own landed commit is final (`committed`).
  if (isRefusal(claim)) return answer(route, handling, claim)
  if (!('lease' in claim)) {
    record.payer = claim.payment.payer
    record.amount = claim.payment.amount.toString()
    // A re-delivery; one that bought credit hands its token back (docs/protocol.md 7.2), the
    // balance read from what its commit granted.
    try {
      return await redeliveredCredit(route, { outcome: claim, payment })
    } catch (error) {
      return unavailable(route, handling, 'ledger', error)
    }
  }

  const hold = route.settler.hold(claim.lease)
  const { heartbeat } = claim
  if (scheme.settle) {
    // A scheme the server settles moves the money now, the claim held: a refusal or a fault
    // releases it, nothing consumed.
    let settled: Refusal | undefined
    try {
      settled = await scheme.settle(payment, attempt)
    } catch (error) {
      settled = undefined
      heartbeat.stop()
      await route.settler.holds.release(hold)
      return unavailable(route, handling, 'rpc', error)
    }
    if (settled) {
      heartbeat.stop()
      await route.settler.holds.release(hold)
      return answer(route, handling, settled)
    }
  }
  const receipt: PaymentReceipt = {
    ...receiptOf(payment),
    challengeId: payment.challengeId,
    ...(purchase ? { credit: purchase.receipt } : {}),
  }
  return paidOutcome({
    payment: receipt,
    headers: { ...paymentResponseHeaders(receipt), ...purchase?.headers },
    storeResponseUpTo:
      request.method !== 'GET' && route.redeliveryWindowMs > 0
        ? route.maxStoredResponseBytes
        : undefined,
    hold,
    heartbeat,
    settler: route.settler.holds,
    unavailable: (cause) => unavailable(route, handling, 'ledger', cause),
    committed: payment.committed,
    released: payment.released,
    ended: (failure, served) => handling.ended(receipt, failure, served),
  })
}

/**
 * Step 1, read: the first scheme whose headers the request carries, and its attempt; else a
 * refusal (402 `payment_required` without payment headers).
 *
 * @example const read = readSchemeAttempt(route, request)
 */
export function readSchemeAttempt(
  route: Route,
  request: PaymentRequest,
): { scheme: EngineScheme; attempt: SchemeAttempt } | Refusal {
  for (const scheme of route.schemes) {
    const attempt = scheme.read(request)
    if (attempt === undefined) continue
    return isRefusal(attempt) ? attempt : { scheme, attempt }
  }
  const { cost } = route.terms
  return refuse(
    'payment_required',
    `This resource costs ${cost.amount} ${cost.currency}. Pay on one of the accepted chains and retry with ${headerNames.tx} and ${headerNames.chain}.`,
  )
}

/** What the decision line shows of an attempt: its own `seen`, else its chain, network and id. */
export function attemptRecord(attempt: SchemeAttempt): Trace {
  return attempt.seen ?? { chain: attempt.chain, network: attempt.network, transaction: attempt.id }
}

/** The paid outcome of a payment already held (a credit reservation): no claim, nothing kept. */
function paidFromHold(
  route: Route,
  handling: Handling,
  payment: EnginePayment,
  held: NonNullable<EnginePayment['held']>,
): Outcome {
  const receipt: PaymentReceipt = { ...receiptOf(payment), credit: held.credit }
  return paidOutcome({
    payment: receipt,
    headers: held.headers,
    // No re-delivery of credited responses: nothing is kept.
    storeResponseUpTo: undefined,
    hold: held.hold,
    heartbeat: held.heartbeat,
    settler: route.settler.holds,
    unavailable: (cause) => unavailable(route, handling, 'ledger', cause),
    ended: (failure, served) => handling.ended(receipt, failure, served),
  })
}

function answer(route: Route, { request, record }: Handling, refusal: Refusal): RespondOutcome {
  if (refusal.seen) Object.assign(record, refusal.seen)
  return buildResponse(
    route.terms,
    request,
    refusal.refuse,
    refusal.message,
    refusal.retryAfterSeconds,
  )
}

/** A failed dependency (503, nothing consumed) or a fault on a value (500), reported. */
function unavailable(
  route: Route,
  handling: Handling,
  dependency: 'rpc' | 'ledger',
  cause: unknown,
): RespondOutcome {
  const refusal = isValueFault(cause)
    ? route.report.valueFault(handling.record, cause)
    : route.report.fault(dependency, handling.record, cause)
  return answer(route, handling, refusal)
}

// What every receipt of a payment says, whichever way it is answered.
function receiptOf(payment: EnginePayment): PaymentReceipt {
  const { chain, network, id: transaction, payer, payTo, asset, amount } = payment
  return { chain, network, transaction, payer, payTo, asset, amount }
}
