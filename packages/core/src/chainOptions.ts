import { ConfigurationError } from './errors.js'

/**
 * Option checks every chain plugin's `resolveOptions` shares. Each throws `ConfigurationError`
 * prefixed with `owner` (the chain's name), and never echoes an RPC URL, which often carries an
 * API key.
 */

/**
 * A whole number of at least `min`, or `fallback` when `value` is undefined.
 *
 * @throws ConfigurationError `<owner>: <field> must be an integer of at least <min>.`
 * @example checkCount('base', 'confirmations', options.confirmations, { fallback: 1, min: 1 })
 */
export function checkCount(
  owner: string,
  field: string,
  value: unknown,
  limits: { fallback: number; min: number },
): number {
  if (value === undefined) return limits.fallback
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < limits.min) {
    throw new ConfigurationError(`${owner}: ${field} must be an integer of at least ${limits.min}.`)
  }
  return value
}

/**
 * An http(s) URL, returned as given.
 *
 * @throws ConfigurationError `<owner>: <field> is not an http(s) URL.` (the URL is not echoed)
 * @example checkRpcUrl('solana', 'rpcUrl', options.rpcUrl)
 */
export function checkRpcUrl(owner: string, field: string, value: unknown): string {
  let protocol: string | undefined
  try {
    protocol = typeof value === 'string' ? new URL(value).protocol : undefined
  } catch {
    protocol = undefined
  }
  if (protocol !== 'http:' && protocol !== 'https:') {
    throw new ConfigurationError(`${owner}: ${field} is not an http(s) URL.`)
  }
  return value as string
}

/** Options chain plugins once took that the engine alone now owns, judging every chain's facts. */
const engineOptions = ['clockSkewSeconds'] as const

/**
 * Refuses an option that moved from the chain plugins to `paymentRequired` /
 * `createPaymentEngine`, rather than ignoring it.
 *
 * @throws ConfigurationError naming the option and where it now goes.
 * @example refuseEngineOptions('base', options)
 */
export function refuseEngineOptions(owner: string, options: object): void {
  for (const name of engineOptions) {
    if (name in options) {
      throw new ConfigurationError(
        `${owner}: ${name} is an option of paymentRequired (createPaymentEngine) now, one for every chain.`,
        { details: `Move ${name} from the chain's options to the payment options.` },
      )
    }
  }
}
