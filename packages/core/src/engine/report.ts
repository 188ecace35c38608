import { VerifierUnavailableError } from '../errors.js'
import { describeFault } from '../rpc/rpcFault.js'
import type { EngineHooks, EngineObserver, PaymentDecision } from './observer.js'
import type { Outcome, PaidOutcome, PaymentReceipt, RespondOutcome } from './outcome.js'
import { type Refusal, refuse } from './refusal.js'
import type { Logger, Trace } from './types.js'

/** What the reporter writes to: the route's (guarded) logger and observer, and its hooks. */
export interface ReportDependencies {
  logger: Logger
  observer: EngineObserver
  hooks: EngineHooks
}

const unavailableRetryAfterSeconds = 2

/**
 * Step 6, report: faults and decisions, to the observer (metrics), the logger (one line per
 * decision, one per fault; no secrets, no RPC URLs) and the hooks (`onPaid`, `onRejected`). None
 * of them can change an answer: a throw is logged and ignored.
 *
 * @example
 * const report = reporter({ logger, observer, hooks: options })
 * return report.decided(outcome, trace, 'GET /api/x', started)
 */
export function reporter({ logger, observer, hooks }: ReportDependencies) {
  const hookFailed = (cause: unknown) =>
    logger.warn({ err: describeFault(cause) }, 'tx402: hook failed')
  const decision = (decision: PaymentDecision, receipt?: PaymentReceipt): void => {
    observer.decision?.(decision)
    logger.info(decision, 'tx402: payment decision')
    try {
      const paid = decision.outcome === 'served' || decision.outcome === 'credited'
      const hook =
        receipt && paid
          ? hooks.onPaid?.(receipt, decision)
          : !paid && decision.outcome !== 'released'
            ? hooks.onRejected?.(decision)
            : undefined
      // No hook, or one that returned no promise: nothing to wait for.
      if (hook) Promise.resolve(hook).catch(hookFailed)
    } catch (cause) {
      // A hook never changes an answer: after a commit, a throw would make a paid response a 500.
      hookFailed(cause)
    }
  }

  return {
    /**
     * Counts and logs a failed dependency; the refusal to answer with (503
     * `verifier_unavailable`, nothing consumed; an RPC's own back-off as `Retry-After`).
     */
    fault(dependency: 'rpc' | 'ledger', trace: Trace, cause: unknown): Refusal {
      observer.fault?.(dependency, trace.chain)
      logger.error(
        {
          dependency,
          chain: trace.chain,
          transaction: trace.transaction,
          err: describeFault(cause),
        },
        'tx402: dependency failed',
      )
      return refuse(
        'verifier_unavailable',
        'Payment verification is unavailable right now. Retry the same headers later; nothing was consumed, so do not pay again.',
        (cause instanceof VerifierUnavailableError ? cause.retryAfterSeconds : undefined) ??
          unavailableRetryAfterSeconds,
      )
    },

    /**
     * Logs a fault on a value (`isValueFault`: a bug, or terms that disagree), which retrying
     * cannot fix; the refusal to answer with: 500 `server_error`, nothing consumed, no
     * `Retry-After` (never 503, whose "retry the same headers" would repeat it until the
     * challenge expired).
     */
    valueFault(trace: Trace, cause: unknown): Refusal {
      logger.error(
        { chain: trace.chain, transaction: trace.transaction, err: describeFault(cause) },
        'tx402: a value was refused (a bug or disagreeing terms); answered 500',
      )
      return refuse(
        'server_error',
        'The server could not take this payment because of a fault on its side that retrying will not fix. Nothing was consumed: keep this payment, do not pay again, and present it again once the operator has fixed the fault.',
      )
    },

    /**
     * Reports the decision on `outcome` and returns it: at once for a refusal or a replay; for a
     * paid outcome, once it ends (served, released or failed), with the deciding time only. A
     * request without payment headers decided nothing and is not reported.
     */
    decided(outcome: Outcome, trace: Trace, resource: string, started: number): Outcome {
      if (outcome.type === 'payment_required') return outcome
      if (outcome.type === 'replay') {
        decision(
          line(
            resource,
            trace,
            'redelivered',
            outcome.response.status,
            performance.now() - started,
          ),
        )
      } else if (outcome.type === 'error') {
        decision(
          line(resource, trace, outcome.body.error, outcome.status, performance.now() - started),
        )
      }
      if (outcome.type !== 'paid') return outcome
      const decidedMs = performance.now() - started
      const paid = outcome
      return onceEnded(paid, (failure, served) => {
        const redelivered = paid.payment.redelivered === true
        const ending = failure
          ? failure.body.error
          : !served
            ? 'released'
            : redelivered
              ? 'redelivered'
              : paid.payment.credit?.use === 'spent'
                ? 'credited'
                : 'served'
        const status = failure ? failure.status : served ? 200 : 0
        decision(
          line(resource, trace, ending, status, decidedMs),
          redelivered ? undefined : paid.payment,
        )
      })
    },
  }
}

/** A decision's log line and observer record. */
function line(
  resource: string,
  trace: Trace,
  outcome: PaymentDecision['outcome'],
  status: number,
  durationMs: number,
): PaymentDecision {
  return { resource, ...trace, outcome, status, durationMs }
}

/**
 * `paid` with `ended(failure, served)` called once, when it ends: a failed `confirm`, `settle`,
 * or `finish` (for the decision line and the hooks).
 */
export function onceEnded(
  paid: PaidOutcome,
  ended: (failure: RespondOutcome | undefined, served: boolean) => void,
): PaidOutcome {
  let reported = false
  const end = (failure: RespondOutcome | undefined, served: boolean) => {
    if (reported) return
    reported = true
    ended(failure, served)
  }
  return {
    ...paid,
    async confirm() {
      const failure = await paid.confirm()
      if (failure) end(failure, false)
      return failure
    },
    async settle(delivered, response) {
      await paid.settle(delivered, response)
      end(undefined, delivered)
    },
    async finish(served) {
      const failure = await paid.finish(served)
      end(failure, served)
      return failure
    },
  }
}
