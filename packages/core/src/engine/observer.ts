import type { ErrorCode } from '../protocol/codes.js'
import type { PaymentReceipt } from './outcome.js'

/** One payment decision, as logged and counted: never holds a secret or an RPC URL. */
export interface PaymentDecision {
  /** `METHOD /path`. */
  resource: string
  chain?: string | undefined
  network?: string | undefined
  transaction?: string | undefined
  /**
   * `served` (delivered and committed), `released` (the route did not serve, or the response
   * did not reach the socket), `redelivered` (a lost paid response served again, not charged),
   * `credited` (delivered and paid from prepaid credit, committed; no chain involved), or the
   * error code answered.
   */
  outcome: ErrorCode | 'served' | 'released' | 'redelivered' | 'credited'
  status: number
  payer?: string | undefined
  /** Base units, decimal string: received on chain, or taken from credit. */
  amount?: string | undefined
  /** The credit balance this request spent, bought or topped up (docs/protocol.md section 7). */
  balance?: string | undefined
  /** Time spent deciding (not the route's own time), in ms. */
  durationMs: number
}

/**
 * Receives what the engine does, for metrics (see `@tx402/metrics`) or tracing. Every method is
 * optional and must not throw.
 */
export interface EngineObserver {
  /** Every decision on a request that carried payment headers. */
  decision?(decision: PaymentDecision): void
  /** One on-chain verification, by result. */
  verification?(
    chain: string,
    result: 'confirmed' | 'pending' | 'invalid' | 'fault',
    durationMs: number,
  ): void
  /** A dependency failed: the chain's RPC or the ledger. */
  fault?(dependency: 'rpc' | 'ledger', chain: string | undefined): void
  /** Verifications running now on a chain changed by `delta`. */
  inFlight?(chain: string, delta: 1 | -1): void
}

/** Hooks for application code: called after the decision, errors are logged and ignored. */
export interface EngineHooks {
  /**
   * A payment was committed for a served response, or credit spent for one (`receipt.credit`
   * says, with `decision.outcome` `credited`).
   */
  onPaid?(receipt: PaymentReceipt, decision: PaymentDecision): void | Promise<void>
  /** A request with payment headers was refused (400, 402, 409, 429 or 503). */
  onRejected?(decision: PaymentDecision): void | Promise<void>
}

/**
 * `target` with the named methods made unable to throw (looked up on each call, so prototype
 * methods such as pino's work): metrics and logging never change an answer, and a throw after a
 * commit would turn a paid response into a 500.
 */
export function guarded<T extends object>(target: T, methods: readonly (keyof T & string)[]): T {
  const wrapped: Record<string, unknown> = {}
  for (const name of methods) {
    if (typeof target[name] !== 'function') continue
    wrapped[name] = (...args: unknown[]) => {
      try {
        return (target[name] as (...a: unknown[]) => unknown).apply(target, args)
      } catch {
        return undefined
      }
    }
  }
  return wrapped as T
}
