import { paymentRequestHeaders } from '../protocol/headers.js'
import { handlePayment } from './handlePayment.js'
import { resolveOptions } from './resolveOptions.js'
import type { PaymentEngine, PaymentEngineOptions } from './types.js'

export type {
  Logger,
  PaymentEngine,
  PaymentEngineOptions,
  PaymentRequest,
} from './types.js'

/**
 * Builds the engine that turns a request into an outcome: `resolveOptions` once, then
 * `handlePayment` per request (docs/architecture.md, "the path of one request";
 * docs/protocol.md is the contract).
 *
 * @throws ConfigurationError for a wrong option, at setup.
 * @example
 * const engine = createPaymentEngine({ chains: [base({ rpcUrl, payTo })], ledger, secret, price: '0.01' })
 * const outcome = await engine.handle({ method: 'GET', path: '/api/weather', headers })
 */
export function createPaymentEngine(options: PaymentEngineOptions): PaymentEngine {
  const route = resolveOptions(options)
  const requestHeaders = [
    ...new Set([...paymentRequestHeaders, ...route.schemes.flatMap((s) => s.headers ?? [])]),
  ]
  return {
    handle: (request) => handlePayment(route, request),
    offers: route.offers,
    requestHeaders,
  }
}
