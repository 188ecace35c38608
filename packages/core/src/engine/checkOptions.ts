import { ConfigurationError } from '../errors.js'
import type { PaymentEngineOptions } from './createPaymentEngine.js'
import type { VerificationLimits } from './limits.js'

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
  clockSkewSeconds: true,
  binding: true,
  requireChallenge: true,
  requireProof: true,
  limits: true,
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
  refuseUnknownKeys(options, optionNames, '')
  const { limits } = options as { limits?: unknown }
  if (limits && typeof limits === 'object') refuseUnknownKeys(limits, limitNames, 'limits.')
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

/**
 * Throws for the first key of `object` not in `known` (own keys only: `toString` or
 * `constructor` are not options), naming the closest known one.
 */
function refuseUnknownKeys(object: object, known: object, path: string): void {
  const names = Object.keys(known)
  for (const key of Object.keys(object)) {
    if (Object.hasOwn(known, key)) continue
    const suggestion = closestName(key, names)
    throw new ConfigurationError(
      `Unknown option "${path}${key}".${suggestion ? ` Did you mean "${path}${suggestion}"?` : ''}`,
      { details: `Known options${path ? ` of ${path.slice(0, -1)}` : ''}: ${names.join(', ')}.` },
    )
  }
}

/** The known name nearest to `name` by edit distance, when it is near enough to be a typo. */
function closestName(name: string, known: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined
  for (const candidate of known) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase())
    if (!best || distance < best.distance) best = { name: candidate, distance }
  }
  return best && best.distance <= Math.max(2, Math.floor(name.length / 3)) ? best.name : undefined
}

/** Levenshtein distance, one row at a time. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution)
    }
    previous = current
  }
  return previous[b.length]!
}
