import { paidFetch } from './callPaidEndpoint.js'
import { type PaymentOptions, resolvePaymentOptions } from './paymentOptions.js'

/**
 * Wraps a `fetch` so every call pays 402s as `callPaidEndpoint` does. Options are validated once,
 * here; the returned function has `fetch`'s signature.
 *
 * @example
 * const paidFetch = wrapFetch(fetch, { payers: [solanaPayer({ connection, signer: keypair })] })
 * const res = await paidFetch('https://api.example.com/weather')
 */
export function wrapFetch(
  fetchImpl: typeof fetch,
  options: PaymentOptions,
): (input: string | URL | Request, init?: RequestInit) => Promise<Response> {
  const resolved = resolvePaymentOptions(options)
  return (input, init) => paidFetch(input, init, resolved, fetchImpl)
}
