import { VerifierUnavailableError } from '../errors.js'
import { describeFault } from '../rpc/rpcFault.js'
import type { EngineHooks, EngineObserver, PaymentDecision } from './observer.js'
import type { Outcome, PaymentReceipt, RespondOutcome } from './outcome.js'
import { type Refusal, refuse } from './refusal.js'
import type { Logger, Reporter, Trace } from './types.js'

const unavailableRetryAfterSeconds = 2

/**
 * Step 6, report: faults and decisions, to the observer (metrics), the logger (one line per
 * decision, one per fault; no secrets, no RPC URLs) and the hooks (`onPaid`, `onRejected`). None
 * of them can change an answer: a throw is logged and ignored.
 *
 * @example
 * const report = reporter({ logger, observer, hooks: options })
 * report.decided(outcome, trace, 'GET /api/x', started)
 */
export function reporter({
  logger,
  observer,
  hooks,
}: {
  logger: Logger
  observer: EngineObserver
  hooks: EngineHooks
}): Reporter {
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
     * Reports the decision on a refusal or a replay, at once. A request without payment headers
     * decided nothing and is not reported; a paid one is reported when it ends (`ended`).
     */
    decided(outcome: Outcome, trace: Trace, resource: string, started: number): void {
      if (outcome.type === 'payment_required' || outcome.type === 'paid') return
      const status = outcome.type === 'replay' ? outcome.response.status : outcome.status
      const ending = outcome.type === 'replay' ? 'redelivered' : outcome.body.error
      decision(line(resource, trace, ending, status, performance.now() - started))
    },

    /** Reports a paid request once it ended (served, released or failed), with its deciding time. */
    ended(
      payment: PaymentReceipt,
      trace: Trace,
      resource: string,
      decidedMs: number,
      failure: RespondOutcome | undefined,
      served: boolean,
    ): void {
      const redelivered = payment.redelivered === true
      const ending = failure
        ? failure.body.error
        : !served
          ? 'released'
          : redelivered
            ? 'redelivered'
            : payment.credit?.use === 'spent'
              ? 'credited'
              : 'served'
      const status = failure ? failure.status : served ? 200 : 0
      decision(line(resource, trace, ending, status, decidedMs), redelivered ? undefined : payment)
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
