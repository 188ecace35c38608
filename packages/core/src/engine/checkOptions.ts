import { ConfigurationError } from '../errors.js'
import type { PaymentEngineOptions } from './createPaymentEngine.js'

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

/**
 * Checks the shape of the options before anything reads them: an options object, no unknown key
 * (a typo such as `pricee` names the closest known option), and a `secret` that is given.
 *
 * @throws ConfigurationError naming the option.
 * @example checkOptions({ pricee: '0.01' }) // throws: Unknown option "pricee". Did you mean "price"?
 */
export function checkOptions(options: unknown): void {
  if (!options || typeof options !== 'object') {
    throw new ConfigurationError('paymentRequired needs an options object.', {
      details: 'For example { price: "0.01", chains, ledger, secret }.',
    })
  }
  for (const key of Object.keys(options)) {
    if (key in optionNames) continue
    const suggestion = closestName(key, paymentOptionNames)
    throw new ConfigurationError(
      `Unknown option "${key}".${suggestion ? ` Did you mean "${suggestion}"?` : ''}`,
      { details: `Known options: ${paymentOptionNames.join(', ')}.` },
    )
  }
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
