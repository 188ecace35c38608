import type { EngineObserver } from '@tx402/core'
import { Counter, Gauge, Histogram, Registry } from 'prom-client'

/** An engine observer that records Prometheus metrics, and the registry to expose them from. */
export interface PrometheusObserver extends EngineObserver {
  registry: Registry
}

/**
 * Prometheus metrics for every paid route sharing this observer:
 * `tx402_payments_total{chain,outcome}`, `tx402_verification_seconds{chain,result}`,
 * `tx402_dependency_errors_total{dependency,chain}` and `tx402_verifications_in_flight{chain}`.
 *
 * @example
 * const metrics = prometheusObserver()
 * router.get('/api/weather', paymentRequired({ …, observer: metrics }), handler)
 * router.get('/metrics', async (ctx) => { ctx.type = metrics.registry.contentType; ctx.body = await metrics.registry.metrics() })
 */
export function prometheusObserver(
  options: { registry?: Registry; prefix?: string } = {},
): PrometheusObserver {
  const registry = options.registry ?? new Registry()
  const prefix = options.prefix ?? 'tx402_'
  const payments = new Counter({
    name: `${prefix}payments_total`,
    help: 'Requests with payment headers, by chain and outcome (served, released, or the error code).',
    labelNames: ['chain', 'outcome'] as const,
    registers: [registry],
  })
  const verification = new Histogram({
    name: `${prefix}verification_seconds`,
    help: 'Time of one on-chain verification, by chain and result.',
    labelNames: ['chain', 'result'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  })
  const dependencyErrors = new Counter({
    name: `${prefix}dependency_errors_total`,
    help: 'Faults of the chain RPC or the ledger (each answered 503).',
    labelNames: ['dependency', 'chain'] as const,
    registers: [registry],
  })
  const inFlight = new Gauge({
    name: `${prefix}verifications_in_flight`,
    help: 'On-chain verifications running now, by chain.',
    labelNames: ['chain'] as const,
    registers: [registry],
  })
  return {
    registry,
    decision(decision) {
      payments.inc({ chain: decision.chain ?? 'unknown', outcome: decision.outcome })
    },
    verification(chain, result, durationMs) {
      verification.observe({ chain, result }, durationMs / 1000)
    },
    fault(dependency, chain) {
      dependencyErrors.inc({ dependency, chain: chain ?? 'unknown' })
    },
    inFlight(chain, delta) {
      inFlight.inc({ chain }, delta)
    },
  }
}
