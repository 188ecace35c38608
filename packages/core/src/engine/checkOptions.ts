import { ConfigurationError } from '../errors.js'
import { refuseUnknownOptions } from '../optionKeys.js'
import type { VerificationLimits } from './limits.js'
import type { PaymentEngineOptions } from './types.js'

/**
 * Every option name of `paymentRequired` / `createPaymentEngine`. The `satisfies` makes the
 * compiler refuse this list until it names exactly the keys of `PaymentEngineOptions`, so a new
 * option is added here once and is then known to the unknown-key check.
 */
const optionNames = {
  price: true,
  asset: true,
  amounts: true,
  chains: true,
  ledger: true,
  secret: true,
  maxAgeSeconds: true,
  challengeTtlSeconds: true,
  claimTtlMs: true,
  redeliveryWindowSeconds: true,
  maxStoredResponseBytes: true,
  maxRedeliveries: true,
  clockSkewSeconds: true,
  binding: true,
  realm: true,
  requireChallenge: true,
  requireProof: true,
  credit: true,
  limits: true,
  schemes: true,
  logger: true,
  observer: true,
  onPaid: true,
  onRejected: true,
} as const satisfies Record<keyof PaymentEngineOptions, true>

/** The option names `paymentRequired` accepts, for messages and tests. */
export const paymentOptionNames: readonly string[] = Object.keys(optionNames)

// The keys of `limits`: a typo there would silently leave a limit off.
const limitNames = {
  notFoundCacheMs: true,
  maxConcurrentVerifications: true,
  perClient: true,
} as const satisfies Record<keyof VerificationLimits, true>

/**
 * Checks the shape of the options before anything reads them: an options object, no unknown key
 * (a typo such as `pricee` names the closest known option), none in `limits` either (a typo
 * there would leave a limit off), and a `secret` that is given.
 *
 * @throws ConfigurationError naming the option.
 * @example checkOptions({ pricee: '0.01' }) // throws: Unknown option "pricee". Did you mean "price"?
 */
export function checkOptions(options: unknown): void {
  if (!options || typeof options !== 'object' || Array.isArray(options)) {
    throw new ConfigurationError('paymentRequired needs an options object.', {
      details: 'For example { price: "0.01", chains, ledger, secret }.',
    })
  }
  refuseUnknownOptions(options, paymentOptionNames)
  const { limits } = options as { limits?: unknown }
  if (limits && typeof limits === 'object')
    refuseUnknownOptions(limits, Object.keys(limitNames), { path: 'limits.' })
  const { secret } = options as { secret?: unknown }
  if (secret === undefined || secret === null || secret === '') {
    throw new ConfigurationError('The option "secret" is missing (or undefined).', {
      details:
        'Pass a secret of 32+ bytes, e.g. secret: process.env.TX402_SECRET, and set the variable (`openssl rand -hex 32`).',
    })
  }
  const isSecret = (value: unknown) => typeof value === 'string' || value instanceof Uint8Array
  // A list rotates secrets: the first signs, every one verifies (challengeKeys checks each).
  if (
    !isSecret(secret) &&
    !(Array.isArray(secret) && secret.length > 0 && secret.every(isSecret))
  ) {
    throw new ConfigurationError(
      'The option "secret" must be a string, a Uint8Array, or a non-empty list of them (the first signs).',
    )
  }
}
