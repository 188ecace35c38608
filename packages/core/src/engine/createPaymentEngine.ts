import { paymentKey } from '../paymentKey.js'
import type { VerifyResult } from '../plugin.js'
import { admissionFor } from './admit.js'
import { withCacheHeaders } from './cacheHeaders.js'
import { buildResponse } from './challengeResponse.js'
import { claimPayment } from './claimPayment.js'
import { consumedMemory } from './consumedMemory.js'
import { creditSteps } from './creditSteps.js'
import { leaseSettler } from './leaseSettler.js'
import type { Outcome } from './outcome.js'
import { readAttempt } from './readAttempt.js'
import { isRefusal, type Refusal } from './refusal.js'
import { reporter } from './report.js'
import { setUpRoute } from './routeSetup.js'
import { paidOutcome } from './settlement.js'
import { sharedLookups } from './sharedLookups.js'
import type {
  Attempt,
  PaymentEngine,
  PaymentEngineOptions,
  PaymentRequest,
  Trace,
} from './types.js'
import { isValueFault } from './valueFault.js'
import { judgeVerification, verifyOnChain } from './verifyOnChain.js'

export type {
  Logger,
  PaymentEngine,
  PaymentEngineOptions,
  PaymentRequest,
} from './types.js'

/**
 * Builds the engine that turns a request into an outcome: read the attempt, admit it, verify it
 * on chain, look it up and claim it in the ledger, settle it, and report the decision
 * (docs/architecture.md, "the path of one request"; docs/protocol.md is the contract). A
 * request spending prepaid credit skips admission and the chain (`creditSteps`, section 7).
 *
 * @throws ConfigurationError for a wrong option, at setup.
 * @example
 * const engine = createPaymentEngine({ chains: [base({ rpcUrl, payTo })], ledger, secret, price: '0.01' })
 * const outcome = await engine.handle({ method: 'GET', path: '/api/weather', headers })
 */
export function createPaymentEngine(options: PaymentEngineOptions): PaymentEngine {
  const route = setUpRoute(options)
  const { ledger } = options
  const { logger, observer, claimTtlMs, redeliveryWindowMs, maxRedeliveries } = route
  const admission = admissionFor(options.limits, ledger)
  const settler = leaseSettler(ledger, logger)
  const consumed = consumedMemory()
  const verifying = { ...route, lookups: sharedLookups() }
  const credit = creditSteps(route, ledger, settler.holds, logger)
  const report = reporter({ logger, observer, hooks: options })
  const answer = (request: PaymentRequest, { refuse, message, retryAfterSeconds }: Refusal) =>
    buildResponse(route.terms, request, refuse, message, retryAfterSeconds)

  // Not closures over each request: a 402 or a replay would pay for making them.
  const judgeReplay = (facts: VerifyResult, attempt: Attempt) =>
    judgeVerification(route, attempt, facts)
  const unavailable = (
    request: PaymentRequest,
    trace: Trace,
    dependency: 'rpc' | 'ledger',
    cause: unknown,
  ) =>
    answer(
      request,
      isValueFault(cause)
        ? report.valueFault(trace, cause)
        : report.fault(dependency, trace, cause),
    )

  async function evaluate(request: PaymentRequest, trace: Trace): Promise<Outcome> {
    const attempt = readAttempt(route, request, trace)
    if (isRefusal(attempt)) return answer(request, attempt)
    // A forged or altered credit token stops here: no ledger, no chain.
    const token = credit.check('spend' in attempt ? attempt.spend : attempt.credit)
    if (token && isRefusal(token)) return answer(request, token)
    if ('spend' in attempt) {
      try {
        const spent = await credit.spend(token!, trace, (cause) =>
          unavailable(request, trace, 'ledger', cause),
        )
        return isRefusal(spent) ? answer(request, spent) : spent
      } catch (error) {
        return unavailable(request, trace, 'ledger', error)
      }
    }
    // A hash alone of a payment this process committed: no chain, no ledger (consumedMemory.ts).
    const replayed = await consumed.replay(attempt, judgeReplay)
    if (replayed) {
      if (replayed.payment) {
        trace.payer = replayed.payment.payer
        trace.amount = replayed.payment.amount.toString()
      }
      return answer(request, replayed.refusal)
    }
    const admitted = await admission.admit(attempt, request.client)
    if (isRefusal(admitted)) return answer(request, admitted)
    let verified: Awaited<ReturnType<typeof verifyOnChain>>
    try {
      // The chain first: who paid whom is what identifies the payment in the ledger.
      verified = await verifyOnChain(verifying, attempt)
    } catch (error) {
      return unavailable(request, trace, 'rpc', error)
    } finally {
      admitted.free()
    }
    if (isRefusal(verified)) {
      return answer(
        request,
        verified.refuse === 'tx_not_found' ? admission.notFound(attempt, verified) : verified,
      )
    }
    trace.payer = verified.payer
    trace.amount = verified.amount.toString()

    let purchase: Awaited<ReturnType<typeof credit.buy>>
    let claim: Awaited<ReturnType<typeof claimPayment>>
    try {
      purchase = await credit.buy(attempt, verified, token, trace)
      if (purchase && isRefusal(purchase)) return answer(request, purchase)
      claim = await claimPayment(
        { ledger, settler, logger, claimTtlMs, redeliveryWindowMs, maxRedeliveries },
        request,
        attempt,
        verified,
        trace,
        purchase?.grant,
      )
    } catch (error) {
      return unavailable(request, trace, 'ledger', error)
    }
    // Not remembered when the ledger answers consumed: another process's commit whose reply was
    // lost is undone by its release (maybe an owed one, minutes later), and the payment is then
    // usable again; only this process's own landed commit is final (`committed` below).
    if (isRefusal(claim)) return answer(request, claim)
    if (!('lease' in claim)) {
      // A re-delivery; one that bought credit hands its token back (docs/protocol.md 7.2), the
      // balance read from what its commit granted.
      if (!route.credit) return claim
      try {
        const key = paymentKey({
          ...verified,
          network: attempt.offer.plugin.network,
          txId: attempt.txId,
          payTo: attempt.requirement.payTo,
        })
        return await credit.redelivered(claim, attempt, key)
      } catch (error) {
        return unavailable(request, trace, 'ledger', error)
      }
    }
    return paidOutcome(
      {
        ...route,
        settler,
        unavailable: (cause) => unavailable(request, trace, 'ledger', cause),
        committed: () => consumed.remember(attempt, verified),
        // Usable again: presented again, it is asked of the chain, not of a kept answer.
        released: () => verifying.lookups.forget(attempt),
      },
      request.method,
      attempt,
      verified,
      claim,
      purchase,
    )
  }

  async function handle(incoming: PaymentRequest): Promise<Outcome> {
    // HEAD is GET without a body (Koa routes it to the GET handler): one resource, one challenge.
    const upper = incoming.method.toUpperCase()
    const method = upper === 'HEAD' ? 'GET' : upper
    // The request as it came when its method is already the one to use (Koa's are upper-case).
    const request = method === incoming.method ? incoming : { ...incoming, method }
    const started = performance.now()
    const trace: Trace = {}
    let outcome: Outcome
    try {
      outcome = await evaluate(request, trace)
    } catch (error) {
      // A bug in a plugin or here (every expected failure is a refusal): 503, as a plugin's
      // garbled RPC answer may heal; a fault on a value never does (valueFault.ts): 500.
      outcome = unavailable(request, trace, 'rpc', error)
    }
    // Every adapter gets the cache headers with the outcome: a shared cache keeps no payer's answer.
    return report.decided(
      withCacheHeaders(outcome),
      trace,
      `${request.method} ${request.path}`,
      started,
    )
  }

  return { handle, offers: route.offers }
}
